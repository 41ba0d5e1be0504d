"""Search stage: SearchRequest → SearchResults with highlighted snippets.

User text never fails on syntax: "quoted phrases" are exact phrases (required), every other
word is optional, and documents that contain all the words rank above those that contain
some. Characters other engines treat as operators are plain text here.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from whoosh import highlight
from whoosh import query as wq

from .indexer import ANALYZER, RANK_FIELD, SEARCH_FIELDS, TITLE_WEIGHT, current_generation, open_index
from .models import Hit, SearchRequest, SearchResults
from .ranking import BM25, Optional, proximity_query, ranking_words

MAX_QUERY_CHARS = 1000
MAX_TERMS = 64
SNIPPET_CHARS = 220
MAX_PAGE_DEPTH = 10_000  # hits a request may page through

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_PHRASE = re.compile(r'"([^"]*)"')


class QueryError(ValueError):
    """A query that cannot mean anything; `code` names the problem for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class ParsedQuery:
    """What the user asked for: analysed terms of loose words and of exact phrases."""

    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # how often the query says each word

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases


def analyse(text: str) -> list[str]:
    """The index terms of text, as the indexer produced them."""
    return [token.text for token in ANALYZER(text)]


def parse_query(q: str) -> ParsedQuery:
    """Split user text into exact phrases and loose words; an unbalanced quote is ignored."""
    text = q.translate(_QUOTES)
    parsed = ParsedQuery()
    for phrase in _PHRASE.findall(text):
        terms = analyse(phrase)
        if len(terms) == 1:
            parsed.counts[terms[0]] += 1
            if terms[0] not in parsed.words:
                parsed.words.append(terms[0])
        elif terms:
            parsed.phrases.append(terms)
    loose = _PHRASE.sub(" ", text).replace('"', " ")
    for term in analyse(loose):
        parsed.counts[term] += 1
        if term not in parsed.words:
            parsed.words.append(term)
    return parsed


def tier_queries(parsed: ParsedQuery) -> list[wq.Query]:
    """Queries for the ranking tiers, best first: all the words, then any of them.

    Phrases are required in every tier. Each tier is searched with the ones before it
    masked out, so a document that matches every word always ranks above one that does not.

    "All the words" and "any of them" count the words that carry meaning: function words
    ("what", "of", "the") are left out when the query has other words (ranking.STOPWORDS).
    Within a tier, documents are ranked by BM25 over title + text (indexer.RANK_FIELD) plus
    the title at TITLE_WEIGHT, each word weighted by how often the query repeats it, with a
    bonus where consecutive words stand side by side (search_service/ranking.py).
    """
    phrases = [wq.Or([wq.Phrase(f, terms) for f in SEARCH_FIELDS]) for terms in parsed.phrases]
    if not parsed.words:
        return [wq.And(phrases)]
    words = ranking_words(parsed.words)
    per_word = [_word_query(t, max(1, parsed.counts.get(t, 1))) for t in words]
    any_word = per_word[0] if len(per_word) == 1 else wq.Or(per_word)
    tiers = [wq.And(per_word)] if len(per_word) > 1 else []
    tiers.append(any_word)
    if phrases:
        required = wq.And(phrases)
        tiers = [Optional(required, t) if t is any_word else wq.And([required, t]) for t in tiers]
    # Optional parts, which never change which documents match: the proximity bonus, and
    # every word of the query on the text field at weight 0, so that snippets mark them.
    bonus = [q for q in [proximity_query(RANK_FIELD, words)] if q is not None]
    bonus += [wq.Term("text", t, boost=0.0) for t in parsed.words]
    extra = bonus[0] if len(bonus) == 1 else wq.Or(bonus)
    return [Optional(t, extra) for t in tiers]


def _word_query(term: str, weight: float) -> wq.Query:
    return wq.Or([wq.Term(RANK_FIELD, term, boost=weight), wq.Term("title", term, boost=weight * TITLE_WEIGHT)])


def validate_query(q: str) -> ParsedQuery:
    """Parse q, or raise QueryError when it is empty, too long or has no searchable words."""
    if not q or not q.strip():
        raise QueryError("empty_query", "the query is empty: pass some words in q")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError("query_too_long", f"the query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    parsed = parse_query(q)
    if parsed.empty:
        raise QueryError("no_search_terms", "the query has no words to search for (only punctuation or symbols)")
    if len(parsed.words) + sum(len(p) for p in parsed.phrases) > MAX_TERMS:
        raise QueryError("too_many_terms", f"the query has more than {MAX_TERMS} words")
    return parsed


class MarkFormatter(highlight.HtmlFormatter):
    """Escaped text with bare <mark> around matched terms, and nothing else."""

    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % self._text(highlight.get_text(text, token, replace))


class SearchIndex:
    """The index one worker serves: opened once, reopened when an ingest switches it."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._generation: str | None = None
        self._searcher = None

    def searcher(self):
        """A searcher on the current generation (NoIndexError when there is none)."""
        generation = current_generation(self.root)
        if self._searcher is None or generation != self._generation:
            name, ix = open_index(self.root)
            old, self._searcher, self._generation = self._searcher, ix.searcher(weighting=BM25()), name
            if old is not None:
                old.close()
        return self._searcher

    @property
    def generation(self) -> str | None:
        return self._generation

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def document_count(self) -> int:
        return self.searcher().doc_count()

    def document(self, doc_id: str) -> dict | None:
        """The stored fields of one document, or None."""
        return self.searcher().document(id=doc_id)

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a query (validated here too) and return one page of hits with snippets."""
        started = time.perf_counter()
        parsed = validate_query(request.q)
        searcher = self.searcher()
        start = (request.page - 1) * request.per_page
        total, hits = _tiered_page(searcher, tier_queries(parsed), start, request.per_page)
        return SearchResults(
            query=request.q,
            total=total,
            page=request.page,
            per_page=request.per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=[self._hit(h, parsed) for h in hits],
        )

    def _hit(self, hit, parsed: ParsedQuery) -> Hit:
        fields = hit.fields()
        return Hit(
            id=fields["id"],
            title=fields.get("title") or "",
            url=fields.get("url"),
            source=fields.get("source", ""),
            site=fields.get("site"),
            author=fields.get("author"),
            published=fields.get("published"),
            score=hit.score,
            snippet=_snippet(hit, fields, parsed),
        )


def _tiered_page(searcher, tiers: list[wq.Query], start: int, count: int):
    """Total matches and the hits at [start, start+count) of the tiers laid end to end.

    Tiers are nested (each matches a superset of the one before), so the documents a
    tier adds are its own count minus the previous tier's.
    """
    hits, previous, seen = [], [], 0
    for tier in tiers:
        mask = wq.Or(previous) if previous else None
        results = searcher.search(tier, limit=start + count, mask=mask, terms=True)
        results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
        results.formatter = MarkFormatter()
        results.order = highlight.SCORE
        lo, hi = max(0, start - seen), start + count - seen
        if hi > 0:
            hits.extend(results[lo:hi])
        # Whoosh's count of a masked search ignores the mask, so count the tier unmasked.
        seen = len(results) if mask is None else sum(1 for _ in searcher.docs_for_query(tier))
        previous.append(tier)
    return seen, hits


def _snippet(hit, fields: dict, parsed: ParsedQuery) -> str:
    """Fragments of the text around the matches, or the text's opening when none is in it."""
    text = fields.get("text") or ""
    snippet = hit.highlights("text", text=text, top=2, strict_phrase=bool(parsed.phrases))
    if snippet:
        return " ".join(snippet.split())
    opening = text[:SNIPPET_CHARS]
    if len(text) > SNIPPET_CHARS:
        opening = opening.rsplit(" ", 1)[0] + " …"
    return escape(" ".join(opening.split()), quote=False)
