"""ParsedQuery → Whoosh queries: ranking tiers, exclusions, filters and expansions.

Loose words are optional: documents with all of them form the first tier, documents with
some the second (tiers are searched in turn, each masking the ones before it). Phrases and
field scopes are required in every tier; exclusions are taken out of every tier. Words are
ranked by BM25 over title + text with the title again at TITLE_WEIGHT, function words left
out of the ranking, repeated words weighted by their count, and adjacent words rewarded
(ranking.py). Prefixes and fuzzy words expand to at most MAX_EXPANSIONS index words, the
most frequent first, so that no query can make Whoosh walk thousands of terms.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.matching import AndNotMatcher

from .analysis import ANALYZER, terms
from .indexer import RANK_FIELD, SEARCH_FIELDS, TITLE_WEIGHT
from .query import Clause, ParsedQuery
from .ranking import Optional, proximity_query, ranking_words

MAX_EXPANSIONS = 64  # index words a prefix or fuzzy word may stand for
# A prefix is expanded over at most this many candidate words before picking the most
# frequent: bounds the work on huge vocabularies ("th*").
MAX_EXPANSION_SCAN = 20_000
# Phrases and scoped words are matched in these fields.
SCOPE_FIELDS = {None: SEARCH_FIELDS, "title": ("title",), "author": ("author",)}


def analyse(text: str) -> list[str]:
    """The index terms of text, as the indexer produced them."""
    return terms(text)


def fold(text: str) -> str:
    """Lowercase and accent-fold without stemming: the form of a prefix or fuzzy word."""
    return "".join(t.text for t in ANALYZER(text, no_morph=True)) if text else ""


@dataclass
class Filters:
    """Restrictions from request parameters, applied to every tier and to the facets."""

    site: str | None = None
    author: str | None = None
    date_from: str | None = None  # YYYY-MM-DD, inclusive
    date_to: str | None = None

    def query(self) -> wq.Query | None:
        parts: list[wq.Query] = []
        if self.site:
            parts.append(wq.Term("site", normalize_site(self.site)))
        if self.author:
            terms = analyse(self.author)
            # An author of no words (only symbols) matches no one.
            parts.append(_phrase_or_term("author", terms) if terms else wq.NullQuery)
        if self.date_from or self.date_to:
            parts.append(wq.TermRange("published", self.date_from, self.date_to))
        return wq.And(parts) if len(parts) > 1 else (parts[0] if parts else None)


def normalize_site(site: str) -> str:
    """A site as the index stores it: the host, lowercased, without "www."."""
    site = site.strip().lower()
    site = site.split("//", 1)[-1].split("/", 1)[0]
    return site.removeprefix("www.")


@dataclass
class Plan:
    """The Whoosh queries for one parsed query, and what building them had to leave out."""

    tiers: list[wq.Query]
    notes: list[str] = field(default_factory=list)
    truncated: bool = False  # a prefix or fuzzy word stood for more than MAX_EXPANSIONS words
    # What snippets and titles mark: the index words the query looks for, and its phrases
    # as (words, slop) — a phrase query marks its phrases, not each of their words.
    marks: frozenset[str] = frozenset()
    phrases: list[tuple[list[str], int]] = field(default_factory=list)
    # The ranking words of a query of loose words alone, each as often as the query has it:
    # what pseudo-relevance feedback starts from (empty for other queries).
    feedback_words: list[str] = field(default_factory=list)

    @property
    def words_only(self) -> bool:
        """A query of loose words alone: no phrase, prefix, fuzzy word, OR, scope or exclusion."""
        return bool(self.feedback_words)

    @property
    def broadest(self) -> wq.Query:
        """The tier that matches every document any tier matches."""
        return self.tiers[-1]


class _Builder:
    def __init__(self, reader) -> None:
        self.reader = reader
        self.notes: list[str] = []
        self.truncated = False
        self.words: list[str] = []  # index words the positive clauses look for, for marking
        self.phrases: list[tuple[list[str], int]] = []

    def clause(self, clause: Clause, for_marking: bool = True) -> wq.Query | None:
        """One clause as a Whoosh query over the fields its scope names."""
        if clause.field == "site":
            return wq.Term("site", normalize_site(clause.text))
        fields = SCOPE_FIELDS[clause.field]
        if clause.kind == "phrase":
            terms = analyse(clause.text)
            if len(terms) > 1:
                self.phrases.append((terms, clause.slop))
            elif terms:
                self.words.extend(terms)
            return wq.Or([_phrase_or_term(f, terms, clause.slop) for f in fields]) if terms else None
        if clause.kind == "word":
            terms = analyse(clause.text)
            if not terms:
                return None
            self.words.extend(terms)
            if clause.field is None:
                return wq.And([_word(t) for t in terms]) if len(terms) > 1 else _word(terms[0])
            return wq.Or([_phrase_or_term(f, terms) for f in fields])
        words = self.expand(clause, "title" if clause.field == "title" else RANK_FIELD if clause.field is None else clause.field)
        if not words:
            return None
        self.words.extend(words)
        if clause.field is None:
            return wq.Or([_word(w) for w in words])
        return wq.Or([wq.Term(f, w) for f in fields for w in words])

    def expand(self, clause: Clause, fieldname: str) -> list[str]:
        """The index words a prefix or fuzzy clause stands for, most frequent first, bounded."""
        stem = fold(clause.text)
        if clause.kind == "prefix":
            candidates = []
            for n, word in enumerate(self.reader.expand_prefix(fieldname, stem)):
                if n >= MAX_EXPANSION_SCAN:
                    break
                candidates.append(word)
        else:
            candidates = _terms_within(self.reader, fieldname, stem, clause.edits)
        if len(candidates) > MAX_EXPANSIONS:
            self.truncated = True
            self.notes.append(f"{clause} matched more than {MAX_EXPANSIONS} words; the {MAX_EXPANSIONS} "
                              "most frequent were searched")
            candidates.sort(key=lambda w: -self.reader.doc_frequency(fieldname, w))
            candidates = candidates[:MAX_EXPANSIONS]
        if not candidates:
            self.notes.append(f"no word in the index matches {clause}")
        return [w if isinstance(w, str) else w.decode("utf-8") for w in candidates]


def _terms_within(reader, fieldname: str, text: str, edits: int) -> list:
    """The field's words within `edits` edits of text (the first letter kept), segment by segment.

    Whoosh's reader of several segments counts two letters swapped as one edit, where the
    reader of one segment counts two: asked of each segment, an answer does not depend on
    how many segments the index was written in.
    """
    words = (word for segment, _ in reader.leaf_readers()
             for word in segment.terms_within(fieldname, text, edits, prefix=1))
    return list(dict.fromkeys(words))


def plan(parsed: ParsedQuery, reader, feedback: dict[str, float] | None = None) -> Plan:
    """The ranking tiers of a parsed query, best first, with exclusions applied.

    `feedback` (ranking.feedback_weights) reweights the query's words and adds words of its
    top documents; those only add to the score of documents the query's words match.
    """
    builder = _Builder(reader)
    loose: list[str] = []
    counts: Counter[str] = Counter()
    units: list[wq.Query] = []
    for group in parsed.optional:
        if len(group) == 1 and group[0].kind == "word":
            for term in analyse(group[0].text):
                counts[term] += 1
                if term not in loose:
                    loose.append(term)
        else:
            alternatives = [q for q in (builder.clause(c) for c in group) if q is not None]
            if alternatives:
                units.append(alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives))
    required = [q for q in (_group(builder, g) for g in parsed.required) if q is not None]
    if parsed.required and len(required) < len(parsed.required):
        required.append(wq.NullQuery)  # a required part that cannot match: nothing matches
    words = ranking_words(loose)
    weights = feedback or counts
    per_word = [_word(t, weights.get(t, counts[t])) for t in words] + units
    tiers = _tiers(per_word, required)
    # The adjacency bonus and the feedback words never change which documents match, only
    # their order.
    bonus = [_word(t, w) for t, w in (feedback or {}).items() if t not in counts]
    adjacency = proximity_query(RANK_FIELD, words)
    bonus += [adjacency] if adjacency is not None else []
    if bonus:
        tiers = [Optional(t, bonus[0] if len(bonus) == 1 else wq.Or(bonus)) for t in tiers]
    marked_words, marked_phrases = len(builder.words), len(builder.phrases)
    excluded = [q for q in (builder.clause(c) for c in parsed.excluded) if q is not None]
    del builder.words[marked_words:], builder.phrases[marked_phrases:]  # excluded words are not marked
    if excluded:
        out = excluded[0] if len(excluded) == 1 else wq.Or(excluded)
        tiers = [Excluding(t, out) for t in tiers]
    # Marks: the words that carry meaning, unless the query has no others.
    marked = set(words) | set(ranking_words(builder.words))
    words_only = not units and not required and not excluded
    return Plan(tiers, builder.notes, builder.truncated, frozenset(marked), builder.phrases,
                feedback_words=[t for t in words for _ in range(counts[t])] if words_only else [])


class Excluding(wq.AndNot):
    """AndNot (documents of the first query that the second does not match) that never
    lets an excluded document through.

    whoosh's AndNotMatcher skips the excluded documents only from where both queries'
    matches stand at the same document: where, in a segment, the excluded query's first
    match comes before the other's, the other's first match was kept even when excluded
    ("quick brown -fox" gave a page with "fox" in a test index of three segments).
    """

    def matcher(self, searcher, context=None):
        return _ExcludingMatcher(self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context()))


class _ExcludingMatcher(AndNotMatcher):
    def _find_first(self):
        if self.a.is_active() and self.b.is_active() and self.b.id() <= self.a.id():
            self._find_next()


def _tiers(per_word: list[wq.Query], required: list[wq.Query]) -> list[wq.Query]:
    if not per_word:
        return [required[0] if len(required) == 1 else wq.And(required)]
    any_word = per_word[0] if len(per_word) == 1 else wq.Or(per_word)
    tiers = [wq.And(per_word)] if len(per_word) > 1 else []
    tiers.append(any_word)
    if required:
        must = required[0] if len(required) == 1 else wq.And(required)
        tiers = [Optional(must, t) if t is any_word else wq.And([must, t]) for t in tiers]
    return tiers


def _group(builder: _Builder, group: list[Clause]) -> wq.Query | None:
    alternatives = [q for q in (builder.clause(c) for c in group) if q is not None]
    if not alternatives:
        return None
    return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)


def _word(term: str, weight: float = 1.0) -> wq.Query:
    """A loose word: BM25 on title + text, plus the title again at TITLE_WEIGHT."""
    return wq.Or([wq.Term(RANK_FIELD, term, boost=weight), wq.Term("title", term, boost=weight * TITLE_WEIGHT)])


def _phrase_or_term(fieldname: str, terms: list[str], slop: int = 0) -> wq.Query:
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0])
    # Whoosh's slop counts positions from one word to the next: 1 is side by side.
    return wq.Phrase(fieldname, terms, slop=1 + slop)
