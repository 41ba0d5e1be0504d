"""Snippets and highlighted titles: the text around a query's words, with <mark> on them.

Gives what Whoosh's highlighting gave (ContextFragmenter, BasicFragmentScorer, the three
best fragments in text order, an HtmlFormatter with bare <mark>), fragment for fragment and
mark for mark, without its Token objects and filter chain. Whoosh walks every token of a hit;
here the tokens are found by regex splits in C, and the fragmenter's state machine jumps from
one matched token to the next with prefix sums of token lengths.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cached_property
from html import escape
from itertools import accumulate, compress

from .analysis import _term

MAX_FRAGMENTS = 3
BETWEEN = " … "
# Whoosh's DEFAULT_CHARLIMIT: its fragmenters stop at the first token ending past it.
CHARLIMIT = 2 ** 15
# Tokens and the text between them, alternately (a split keeps the captured tokens). The
# pattern is _TOKEN's with possessive quantifiers, a fifth faster: `\w+(?:\.?\w+)*` never
# backtracks either, as its greedy \w+ leaves no word character for a dotless repeat, and
# its tail may match nothing.
_PIECES = re.compile(r"(\w++(?:\.\w++)*+)")
# A text this much longer than CHARLIMIT is tokenized only this far, when that is enough.
_TAIL = 4096
# Raw tokens a Snippets remembers as marked or not, at most (it serves one query: a few
# dozen hits).
_KNOWN = 100_000


class Snippets:
    """Snippets and highlighted titles for the hits of one query."""

    def __init__(self, words: frozenset[str], phrases: list[tuple[list[str], int]], snippet_length: int) -> None:
        self.words = frozenset(words)
        # Whoosh's slop counts positions: 1 is adjacent, so the query's slop is one less.
        self.phrases = [(list(phrase), 1 + slop) for phrase, slop in phrases]
        self.length = snippet_length
        self.maxchars = max(60, snippet_length // 2)
        self.surround = self.maxchars // 3
        # Phrase matching near CHARLIMIT looks this many tokens past it.
        self.lookahead = max([1] + [(len(p) - 1) * max(slop, 1) for p, slop in self.phrases])
        self._known: dict[str, bool] = {}  # raw token → whether its term is one of words

    def snippet(self, text: str) -> str:
        """Up to three fragments of text around its matches, marked, or its opening."""
        if not text:
            return ""
        tokens = _Tokens(text, self.lookahead)
        matched = self._matched(tokens)
        fragments = _context_fragments(tokens, matched, self.maxchars, self.surround) if matched else []
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
        return _fragment_html(title, tokens, 0, len(title), matched)

    def _matched(self, tokens: _Tokens) -> list[int]:
        """Indices, in order, of the tokens before CHARLIMIT that are marked."""
        found = list(compress(range(tokens.count), self._marking(tokens.words[:tokens.count])))
        if not self.phrases:
            return found
        # With phrases Whoosh marks the phrases' matches and every token of a marked word.
        matches = set(found)
        for phrase, slop in self.phrases:
            matches.update(_phrase_matches(tokens.terms, phrase, slop))
        return sorted(i for i in matches if i < tokens.count)

    def _marking(self, words: list[str]) -> list[bool]:
        """For each raw token, whether its term is one of words."""
        # Hits share most of their words: each distinct raw token is stemmed once.
        known = self._known
        flags = list(map(known.get, words))
        if None in flags:
            if len(known) > _KNOWN:
                known.clear()
            for word in {w for w, flag in zip(words, flags) if flag is None}:
                known[word] = _term(word) in self.words
            flags = list(map(known.__getitem__, words))
        return flags


class _Tokens:
    """The tokens of a text as ANALYZER finds them, as parallel lists, and how many end
    within CHARLIMIT (`count`): the ones Whoosh's fragmenters read."""

    def __init__(self, text: str, lookahead: int) -> None:
        pieces = _pieces(text, lookahead)
        bounds = list(accumulate(map(len, pieces), initial=0))
        self.words = pieces[1::2]
        self.starts = bounds[1::2]
        self.ends = bounds[2::2]
        self.count = len(self.ends) if len(text) <= CHARLIMIT else bisect_right(self.ends, CHARLIMIT)
        # Whoosh's last fragment ends at the end of the last token it read, the one past
        # CHARLIMIT included.
        self.last_end = self.ends[self.count] if self.count < len(self.ends) else self.ends[-1] if self.ends else 0

    @cached_property
    def terms(self) -> list[str]:
        """Each token's index term."""
        return list(map(_term, self.words))

    @cached_property
    def prefix(self) -> list[int]:
        """prefix[i]: the characters of tokens 0..i-1, which the fragmenter counts (not gaps)."""
        return list(accumulate(map(len, self.words), initial=0))


def _pieces(text: str, lookahead: int) -> list[str]:
    """Gaps and tokens of text, alternately, to at least `lookahead` tokens past CHARLIMIT."""
    cut = CHARLIMIT + _TAIL
    if len(text) > cut:
        pieces = _PIECES.split(text[:cut])
        ends = list(accumulate(map(len, pieces)))  # token t ends at ends[2t + 1]
        kept = len(pieces) // 2
        # A token ending at the cut may be cut short, and one ending a character before
        # it may go on past a dot.
        while kept and ends[2 * kept - 1] >= cut - 1:
            kept -= 1
        past = sum(1 for t in range(kept) if ends[2 * t + 1] > CHARLIMIT)
        if past > lookahead:
            return pieces[:2 * kept + 1]
    return _PIECES.split(text)


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


def _context_fragments(tokens: _Tokens, matched: list[int], maxchars: int, surround: int) -> list[tuple[int, int, list[int]]]:
    """ContextFragmenter's fragments that have matches, as (startchar, endchar, matched tokens).

    Whoosh steps through every token; between matched tokens nothing happens but a countdown
    and a length that grow by token lengths, so this jumps there with the prefix sums.
    """
    starts, ends, prefix, count = tokens.starts, tokens.ends, tokens.prefix, tokens.count
    fragments = []
    nmatched = len(matched)
    mi = 0  # the next matched token, as an index into matched
    run = 0  # the first token after the last fragment: context comes from run on
    while mi < nmatched:
        m = matched[mi]
        mi += 1
        length = ends[m] - starts[m]
        if length > maxchars:  # Whoosh ends an empty fragment on it, dropping the context
            run = m + 1
            continue
        # Context: the unmatched tokens before m within surround of the last one's end.
        j = bisect_left(starts, ends[m - 1] - surround, run, m) if m > run else m
        first, countdown = (starts[j], surround) if j < m else (starts[m], 2 * surround)
        picked, used, countdown = [m], length, countdown - length
        k = m + 1  # the next token to read
        if countdown <= 0:
            fragments.append((first, ends[m], picked))
        while countdown > 0:
            nxt = matched[mi] if mi < nmatched else count
            base = prefix[k]
            # The first unmatched token that would pass maxchars, and the first that ends the
            # countdown; maxchars is checked first.
            over = bisect_right(prefix, maxchars - used + base, k + 1, nxt + 1) - 1
            out = bisect_left(prefix, countdown + base, k + 1, nxt + 1) - 1
            end = min(over, out)
            if end < nxt:
                fragments.append((first, ends[end], picked))
                countdown = -1 if over <= out else countdown - (prefix[end + 1] - base)
                k = end + 1
                break
            if nxt == count:  # the text's end: the fragment so far
                fragments.append((first, tokens.last_end, picked))
                return fragments
            used += prefix[nxt] - base
            countdown -= prefix[nxt] - base
            length = ends[nxt] - starts[nxt]
            mi += 1
            k = nxt + 1
            if used + length > maxchars:  # the fragment ends with the match left out
                fragments.append((first, ends[nxt], picked))
                countdown = -1
                break
            picked.append(nxt)
            used += length
            countdown = surround - length
            if countdown <= 0:
                fragments.append((first, ends[nxt], picked))
        # A countdown ended at exactly 0 makes Whoosh take the next token, unless matched,
        # into an empty fragment of its own.
        run = k + 1 if countdown == 0 and not (mi < nmatched and matched[mi] == k) else k
    return fragments


def _best(fragments: list[tuple[int, int, list[int]]], tokens: _Tokens) -> list[tuple[int, int, list[int]]]:
    """The three best fragments by BasicFragmentScorer, in text order.

    Whoosh's nlargest breaks ties by Fragment order, which is by start: the later wins.
    """
    words = tokens.words

    def score(fragment):
        picked = fragment[2]
        return len(picked) * len({_term(words[i]) for i in picked}) * 100, fragment[0]

    return sorted(sorted(fragments, key=score, reverse=True)[:MAX_FRAGMENTS])


def _formatted(text: str, tokens: _Tokens, fragments: list[tuple[int, int, list[int]]], budget: int) -> str:
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
        # A token is word characters and dots: nothing in it to escape.
        out.append(f"<mark>{text[starts[i]:ends[i]]}</mark>")
        index = ends[i]
    out.append(escape(text[index:end], quote=False))
    return "".join(out)


def opening(text: str, length: int = 200) -> str:
    """The start of a text, escaped, cut at a word, for a hit with no match in its text."""
    head = text[:length]
    if len(text) > length:
        head = head.rsplit(" ", 1)[0] + " …"
    return escape(" ".join(head.split()), quote=False)
