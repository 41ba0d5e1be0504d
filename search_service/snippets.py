"""Snippets and highlighted titles: the text around a query's words, with <mark> on them.

Gives what Whoosh's highlighting gave (ContextFragmenter, BasicFragmentScorer, the three
best fragments in text order, an HtmlFormatter with bare <mark>), fragment for fragment and
mark for mark, without its Token objects and filter chain. Whoosh walks every token of a hit;
here the tokens are found by regex splits in C, or read from the spans ingest stored beside
the text (token_spans), and the fragmenter's state machine jumps from one matched token to
the next with prefix sums of token lengths.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache
from heapq import nlargest
from html import escape
from itertools import accumulate, compress

import numpy as np

from .analysis import _term, terms_of
from .token_spans import CHARLIMIT, PIECES, Spans, decode, past_charlimit, split, term_hash

MAX_FRAGMENTS = 3
BETWEEN = " … "

Fragment = tuple[int, int, list[int]]  # (startchar, endchar, indices of its marked tokens)


class Snippets:
    """Snippets and highlighted titles for the hits of one query."""

    def __init__(self, words: frozenset[str], phrases: list[tuple[list[str], int]], snippet_length: int) -> None:
        self.words = frozenset(words)
        # Whoosh's slop counts positions: 1 is adjacent, so the query's slop is one less.
        self.phrases = [(list(phrase), 1 + slop) for phrase, slop in phrases]
        self.phrase_words = frozenset(word for phrase, _ in self.phrases for word in phrase)
        self.length = snippet_length
        self.maxchars = max(60, snippet_length // 2)
        self.surround = self.maxchars // 3
        # Phrase matching near CHARLIMIT looks this many tokens past it.
        self.lookahead = max([1] + [(len(p) - 1) * max(slop, 1) for p, slop in self.phrases])

    def snippet(self, text: str, spans: bytes | None = None) -> str:
        """Up to three fragments of text around its matches, marked, or its opening; from
        the text's stored spans (token_spans) when given, as from the text itself."""
        if not text:
            return ""
        tokens = _tokens(text, self.lookahead, spans)
        matched = self._matched(tokens)
        marked = ""
        if matched:
            tokens.locate()
            fragments = _context_fragments(tokens, matched, self.maxchars, self.surround)
            marked = _formatted(text, tokens, _best(fragments, tokens), self.length)
        return " ".join(marked.split()) if marked else opening(text, self.length)

    def title(self, title: str) -> str:
        """The whole title, escaped, with its matches marked."""
        if not title:
            return ""
        tokens = _Tokens(title, self.lookahead)
        matched = self._matched(tokens)
        if not matched:
            return escape(title, quote=False)
        tokens.locate()
        return _fragment_html(title, tokens, 0, len(title), matched)

    def _matched(self, tokens: _Tokens | _StoredTokens) -> list[int]:
        """Indices, in order, of the tokens before CHARLIMIT that are marked."""
        found = tokens.marked(self.words)
        if not self.phrases:
            return found
        # With phrases Whoosh marks the phrases' matches and every token of a marked word.
        matches = set(found)
        terms = tokens.terms_among(self.phrase_words)
        for phrase, slop in self.phrases:
            matches.update(_phrase_matches(terms, phrase, slop))
        return sorted(i for i in matches if i < tokens.count)


def _tokens(text: str, lookahead: int, spans: bytes | None) -> _Tokens | _StoredTokens:
    """The tokens of text, from its stored spans when they are there and reach far enough."""
    stored = decode(spans)
    if stored is None:
        return _Tokens(text, lookahead)
    # Spans are the text's if they end where it ends, or before it when cut short; cut short,
    # they serve when they reach as far past CHARLIMIT as phrases look (as _pieces' cut does).
    if stored.cut_short:
        fits = stored.starts[-1] < len(text) and past_charlimit(stored.ends) > lookahead
    else:
        fits = stored.starts[-1] == len(text)
    return _StoredTokens(text, stored) if fits else _Tokens(text, lookahead)


class _Tokens:
    """The tokens of a text as ANALYZER finds them, and how many end within CHARLIMIT
    (`count`): the ones Whoosh's fragmenters read."""

    def __init__(self, text: str, lookahead: int) -> None:
        self.pieces = _pieces(text, lookahead)
        self.words = self.pieces[1::2]
        self.starts: list[int] = []
        self.ends: list[int] = []
        if len(text) > CHARLIMIT:
            self.locate()
            self.count = bisect_right(self.ends, CHARLIMIT)
        else:
            self.count = len(self.words)

    def locate(self) -> None:
        """Work out where each token starts and ends (only texts with a match need it)."""
        if len(self.ends) < len(self.words):
            bounds = list(accumulate(map(len, self.pieces), initial=0))
            self.starts, self.ends = bounds[1::2], bounds[2::2]

    def marked(self, words: frozenset[str]) -> list[int]:
        """Indices, in order, of the tokens before CHARLIMIT whose term is one of words."""
        # In C throughout: the cache of terms knows most tokens (a dict of this query's
        # tokens looked up first, filled in a Python loop, was slower).
        head = self.words if self.count == len(self.words) else self.words[:self.count]
        return list(compress(range(self.count), map(words.__contains__, terms_of(head))))

    def terms_among(self, wanted: frozenset[str]) -> list[str | None]:
        """Each token's term (at least those that are one of wanted: here all of them)."""
        return terms_of(self.words)

    def prefix(self) -> list[int]:
        """The characters of tokens 0..i-1 (not gaps), for each i up to the token count."""
        return list(accumulate(map(len, self.words), initial=0))

    def term(self, i: int) -> str:
        return _term(self.words[i])

    @property
    def last_end(self) -> int:
        """Where Whoosh's last fragment ends: at the last token it read, the one past CHARLIMIT if any."""
        return self.ends[min(self.count, len(self.ends) - 1)]


class _StoredTokens:
    """_Tokens of a text from the spans ingest stored: its tokens are not split again, and
    only those whose term's hash is a query term's are looked at."""

    def __init__(self, text: str, spans: Spans) -> None:
        self.text, self.spans = text, spans
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.count = len(spans)
        if len(text) > CHARLIMIT:
            self.count = int(np.searchsorted(spans.ends, CHARLIMIT, side="right"))

    def locate(self) -> None:
        if len(self.ends) < len(self.spans):
            self.starts, self.ends = self.spans.starts.tolist(), self.spans.ends.tolist()

    def marked(self, words: frozenset[str]) -> list[int]:
        text = self.text  # a hash found is checked: 16 bits collide
        return [i for i, start, end in zip(*self._found(words, self.count)) if _term(text[start:end]) in words]

    def terms_among(self, wanted: frozenset[str]) -> list[str | None]:
        """Each token's term where its hash is one of wanted's, else None."""
        terms: list[str | None] = [None] * len(self.spans)
        text = self.text
        for i, start, end in zip(*self._found(wanted, len(self.spans))):
            terms[i] = _term(text[start:end])
        return terms

    def _found(self, words: frozenset[str], count: int) -> tuple[list[int], list[int], list[int]]:
        """(indices, starts, ends) of the first `count` tokens whose term's hash is a word's."""
        if not words or not count:
            return [], [], []
        found = np.flatnonzero(_hash_table(words)[self.spans.hashes[:count]])
        return found.tolist(), self.spans.starts[found].tolist(), self.spans.ends[found].tolist()

    def prefix(self) -> list[int]:
        prefix = np.zeros(len(self.spans) + 1, np.int64)
        np.cumsum(self.spans.ends - self.spans.starts[:-1], out=prefix[1:])
        return prefix.tolist()

    def term(self, i: int) -> str:
        return _term(self.text[self.starts[i]:self.ends[i]])

    @property
    def last_end(self) -> int:
        return self.ends[min(self.count, len(self.ends) - 1)]


@lru_cache(maxsize=64)
def _hash_table(words: frozenset[str]) -> np.ndarray:
    """Whether each 16-bit hash is one of words' terms': a token's test is then one lookup
    (np.isin cost more than the rest of a snippet)."""
    table = np.zeros(2 ** 16, bool)
    table[[term_hash(word) for word in words]] = True
    return table


def _pieces(text: str, lookahead: int) -> list[str]:
    """Gaps and tokens of text, alternately, to at least `lookahead` tokens past CHARLIMIT."""
    pieces, cut_short = split(text)
    if cut_short and past_charlimit(list(accumulate(map(len, pieces)))[1::2]) <= lookahead:
        return PIECES.split(text)
    return pieces


def _phrase_matches(terms: list[str], phrase: list[str], slop: int) -> set[int]:
    """Token indices of the phrase's matches, found as Whoosh's set_matched_filter_phrases finds them."""
    matches: set[int] = set()
    first, rest, size = phrase[0], phrase[1:], len(phrase)
    i = 0
    while True:
        try:
            i = terms.index(first, i)
        except ValueError:
            return matches
        if slop == 1:  # adjacent words; a match is skipped over whole
            if terms[i + 1:i + size] == rest:
                matches.update(range(i, i + size))
                i += size
            else:
                i += 1
            continue
        found = _slop_match(terms, i, rest, slop)
        if found is None:
            i += 1
        else:
            matches.update(found)
            # Whoosh resumes at the match's last word (its loop would never end on a
            # one-word phrase, which queries never make).
            i = max(found[-1], i + 1)


def _slop_match(terms: list[str], i: int, rest: list[str], slop: int) -> list[int] | None:
    """Indices of a sloppy match starting at i: each next word the last one within slop."""
    found = [i]
    current = i
    for word in rest:
        window = terms[current + 1:current + 1 + slop]
        window.reverse()
        try:
            current += len(window) - window.index(word)
        except ValueError:
            return None
        found.append(current)
    return found


def _context_fragments(tokens: _Tokens, matched: list[int], maxchars: int, surround: int) -> list[Fragment]:
    """Whoosh's ContextFragmenter's fragments that have marked tokens."""
    fragmenter = _ContextFragmenter(tokens, matched, maxchars, surround)
    fragments = []
    while fragmenter.pending():
        fragment = fragmenter.next_fragment()
        if fragment:
            fragments.append(fragment)
    return fragments


class _ContextFragmenter:
    """Whoosh's ContextFragmenter, jumping from one marked token to the next.

    Whoosh steps through every token, but between marked tokens nothing happens except that
    a countdown falls, and a fragment's length grows, by each token's length (gaps are not
    counted): prefix sums of token lengths find where that ends a fragment.
    """

    def __init__(self, tokens: _Tokens, matched: list[int], maxchars: int, surround: int) -> None:
        self.tokens, self.matched = tokens, matched
        self.maxchars, self.surround = maxchars, surround
        # prefix[i]: the characters of tokens 0..i-1, which the countdown counts (not gaps).
        self.prefix = tokens.prefix()
        self.next = 0  # the next marked token, as an index into matched
        self.run = 0  # the first token after the last fragment: its context starts there

    def pending(self) -> bool:
        """Whether a marked token is left to start a fragment."""
        return self.next < len(self.matched)

    def next_fragment(self) -> Fragment | None:
        """The fragment the next marked token starts (None for one Whoosh leaves empty)."""
        tokens, maxchars, surround = self.tokens, self.maxchars, self.surround
        m = self._take()
        used = tokens.ends[m] - tokens.starts[m]
        if used > maxchars:  # Whoosh ends an empty fragment on it and drops the context
            self.run = m + 1
            return None
        first, countdown = self._opening(m)
        picked, countdown, k = [m], countdown - used, m + 1
        end = m  # the fragment's last token so far
        while countdown > 0:
            nxt = self._peek()
            stop = self._stop(k, nxt, used, countdown)
            if stop is not None:
                end, overflow = stop
                countdown = -1 if overflow else countdown - (self.prefix[end + 1] - self.prefix[k])
                k = end + 1
                break
            if nxt == tokens.count:  # the text's end (or CHARLIMIT): the fragment so far
                return first, tokens.last_end, picked
            used += self.prefix[nxt] - self.prefix[k]
            countdown -= self.prefix[nxt] - self.prefix[k]
            length = tokens.ends[nxt] - tokens.starts[nxt]
            self._take()
            end, k = nxt, nxt + 1
            if used + length > maxchars:  # the fragment ends, leaving this marked token out
                countdown = -1
                break
            picked.append(nxt)
            used += length
            countdown = surround - length
        # A countdown ending at exactly 0 has Whoosh take the next token, unless marked,
        # into an empty fragment of its own.
        self.run = k + 1 if countdown == 0 and self._peek() != k else k
        return first, tokens.ends[end], picked

    def _take(self) -> int:
        """The next marked token, now read."""
        m = self.matched[self.next]
        self.next += 1
        return m

    def _peek(self) -> int:
        """The next marked token, or the token count when there is none."""
        return self.matched[self.next] if self.pending() else self.tokens.count

    def _opening(self, m: int) -> tuple[int, int]:
        """The first character of the fragment marked token m opens, and its countdown.

        The fragment starts with the unmarked tokens before m, since the last fragment,
        that start within surround of the end of the token just before m.
        """
        starts, run = self.tokens.starts, self.run
        j = bisect_left(starts, self.tokens.ends[m - 1] - self.surround, run, m) if m > run else m
        # Without context Whoosh gives the countdown the context's share too.
        return (starts[j], self.surround) if j < m else (starts[m], 2 * self.surround)

    def _stop(self, k: int, nxt: int, used: int, countdown: int) -> tuple[int, bool] | None:
        """The unmarked token in k..nxt-1 that ends the fragment, and whether by passing
        maxchars (checked first) rather than by the countdown; None if none does."""
        prefix, base = self.prefix, self.prefix[k]
        over = bisect_right(prefix, self.maxchars - used + base, k + 1, nxt + 1) - 1
        out = bisect_left(prefix, countdown + base, k + 1, nxt + 1) - 1
        end = min(over, out)
        return (end, over <= out) if end < nxt else None


def _best(fragments: list[Fragment], tokens: _Tokens) -> list[Fragment]:
    """The three best fragments by BasicFragmentScorer, in text order."""
    def score(fragment: Fragment) -> tuple[int, int]:
        # Marked tokens times distinct terms among them; Whoosh's nlargest breaks ties by
        # Fragment order, which is by start: the later fragment wins.
        picked = fragment[2]
        return len(picked) * len({tokens.term(i) for i in picked}), fragment[0]

    return sorted(nlargest(MAX_FRAGMENTS, fragments, key=score))


def _formatted(text: str, tokens: _Tokens, fragments: list[Fragment], budget: int) -> str:
    """The fragments as HTML joined by BETWEEN, stopping once `budget` characters are shown."""
    shown, used = [], 0
    for start, end, picked in fragments:
        if shown and budget and used >= budget:
            break
        shown.append(_fragment_html(text, tokens, start, end, picked))
        used += end - start
    return BETWEEN.join(shown)


def _fragment_html(text: str, tokens: _Tokens, start: int, end: int, picked: list[int]) -> str:
    """text[start:end] escaped, with <mark> around the picked tokens."""
    starts, ends = tokens.starts, tokens.ends
    out = []
    index = start
    for i in picked:
        if starts[i] > index:
            out.append(escape(text[index:starts[i]], quote=False))
        # A token is word characters and dots, nothing to escape; escaped all the same, so
        # that no change of the token pattern can let markup through.
        out.append(f"<mark>{escape(text[starts[i]:ends[i]], quote=False)}</mark>")
        index = ends[i]
    out.append(escape(text[index:end], quote=False))
    return "".join(out)


def opening(text: str, length: int = 200) -> str:
    """The start of a text, escaped, cut at a word, for a hit with no match in its text."""
    head = text[:length]
    if len(text) > length:
        head = head.rsplit(" ", 1)[0] + " …"
    return escape(" ".join(head.split()), quote=False)
