"""Search stage: SearchRequest → SearchResults with highlighted snippets and facets.

The query language is read by query.py and turned into Whoosh queries by query_builder.py;
this module runs them against the index one worker keeps open, within a time budget, and
dresses the hits: snippets and titles with <mark>, facet counts, a spelling suggestion.
Also here: documents like a given one, and completions of a prefix.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from html import escape
from pathlib import Path

from whoosh import sorting
from whoosh import query as wq
from whoosh.collectors import ScoredCollector, TimeLimit, TimeLimitCollector

from .accumulator import FirstStage, Unreadable, accumulator, pool_size
from .array_rankings import Phrase, LooseWords, arrays_ranking, loose_words
from .analysis import content
from .answer_cache import AnswerCache, SharedAnswers
from .document_keys import FACETS, NEWEST_FIRST
from .indexer import RANK_FIELD, CurrentPointer, open_index
from .models import Hit, SearchRequest, SearchResults
from .query import ParsedQuery, QueryError, parse
from .query_builder import Filters, Plan, analyse, fold, plan
from .ranking import BM25, FEEDBACK_DOCS, feedback_weights
from .snippets import Snippets, opening
from .stored_documents import stored_documents
from .vocabulary import Vocabulary

__all__ = ["SearchIndex", "QueryError", "parse"]

# Ids are 16 hex digits (cleaning.document_id); anything else names no document.
DOCUMENT_ID = re.compile(r"[0-9a-f]{16}")
TIME_BUDGET = 2.0  # seconds a search may take before it answers with what it has
MAX_FACET_VALUES = 20
MIN_TITLE_PREFIX = 3  # characters typed before titles are offered as completions
CACHE_SIZE = 2048  # answers kept per worker (pickled, ~6 KB each: ~13 MB)
# Rank queries of loose words, and of one exact phrase, from the accumulator's arrays
# (False: walk them with Whoosh).
ACCUMULATE = True


@dataclass
class _Page:
    total: int
    hits: list
    partial: bool
    facets: dict
    stage: FirstStage | None = None  # the accumulator's, when a later round re-ranks its pool


class SearchIndex:
    """The index one worker serves: opened once, reopened when an ingest switches it."""

    def __init__(self, root: str | Path, time_budget: float = TIME_BUDGET, cache_size: int = CACHE_SIZE,
                 shared_answers: SharedAnswers | None = None) -> None:
        self.root = Path(root)
        self.time_budget = time_budget
        self._current = CurrentPointer(self.root)
        self._generation: str | None = None
        self._searcher = None
        self._cache = AnswerCache(cache_size, shared_answers)
        self._vocab: tuple[str, Vocabulary] | None = None  # (generation, its vocabulary)

    def searcher(self):
        """A searcher on the current generation (NoIndexError when there is none)."""
        generation = self._current.generation()
        if self._searcher is None or generation != self._generation:
            name, ix = open_index(self.root)
            old, self._searcher, self._generation = self._searcher, ix.searcher(weighting=BM25()), name
            self._cache.clear()
            if old is not None:
                old.close()
        return self._searcher

    @property
    def generation(self) -> str | None:
        """The generation this object has open: None until searcher() first opens one (the
        index's current one is indexer.current_generation)."""
        return self._generation

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def document_count(self) -> int:
        return self.searcher().doc_count()

    def document(self, doc_id: str) -> dict | None:
        """The stored fields of one document, or None (also for an id of the wrong shape)."""
        return self.searcher().document(id=doc_id) if DOCUMENT_ID.fullmatch(doc_id) else None

    # ------------------------------------------------------------------ search

    def search(self, request: SearchRequest) -> SearchResults:
        """One page of hits for a query (QueryError when it cannot mean anything).

        Answers are cached per index generation: search traffic repeats itself.
        """
        started = time.perf_counter()
        searcher = self.searcher()
        key = (self._generation, request)
        cached = self._cache.get(key)
        if cached is not None:
            return replace(cached, took_ms=(time.perf_counter() - started) * 1000, cached=True)
        results = self._search(searcher, request, started)
        if not results.partial:  # a cut-short answer may be whole next time
            self._cache.put(key, results)
        return results

    def _search(self, searcher, request: SearchRequest, started: float) -> SearchResults:
        parsed = parse(request.q)
        filters = Filters(request.site, request.author, request.date_from, request.date_to).query()
        deadline = started + self.time_budget
        query_plan, page = self._run_plan(searcher, parsed, request, filters, deadline)
        notes = parsed.notes + query_plan.notes
        if page.total == 0 and parsed.has_phrases and not page.partial:
            # No page has the exact phrase: rather than nothing, the pages with its words.
            relaxed = parsed.without_phrases()
            relaxed_plan, relaxed_page = self._run_plan(searcher, relaxed, request, filters, deadline)
            if relaxed_page.total:
                parsed, query_plan, page = relaxed, relaxed_plan, relaxed_page
                notes.append("no page has the exact phrase; these pages have its words")
        highlighter = Snippets(query_plan.marks, query_plan.phrases, request.snippet_length)
        results = SearchResults(
            query=request.q,
            interpreted_as=parsed.interpreted_as,
            notes=notes,
            total=page.total,
            page=request.page,
            per_page=request.per_page,
            took_ms=0.0,
            hits=[_hit(h, highlighter) for h in page.hits],
            facets=page.facets,
            partial=page.partial or query_plan.truncated,
        )
        if page.partial:
            results.notes.append(f"the search took longer than {self.time_budget:g} s; these are the results found by then")
        # The vocabulary is loaded only when a word of the query is unknown.
        vocabulary = partial(self._vocabulary, searcher)
        results.suggestion = _suggestion(searcher, vocabulary, request.q, parsed, query_plan, filters)
        results.took_ms = (time.perf_counter() - started) * 1000
        return results

    @staticmethod
    def _run_plan(searcher, parsed: ParsedQuery, request: SearchRequest, filters, deadline: float):
        query_plan = plan(parsed, searcher.reader())
        start = (request.page - 1) * request.per_page
        first = None
        if request.sort != "date" and query_plan.words_only:
            query_plan, first = _with_feedback(searcher, parsed, query_plan, filters, deadline,
                                               start + request.per_page)
        if request.sort == "date":
            page = _dated_page(searcher, query_plan.tiers, filters, start, request.per_page, deadline,
                               accumulate=ACCUMULATE)
        else:
            page = _ranked_page(searcher, query_plan.tiers, filters, start, request.per_page, deadline,
                                accumulate=ACCUMULATE, rerank=first)
        return query_plan, page

    # ------------------------------------------------------------------ more like this

    def similar(self, doc_id: str, count: int = 10) -> list[Hit] | None:
        """Documents about the same things as doc_id, best first; None for an unknown id."""
        searcher = self.searcher()
        docnum = searcher.document_number(id=doc_id) if DOCUMENT_ID.fullmatch(doc_id) else None
        if docnum is None:
            return None
        fields = searcher.stored_fields(docnum)
        text = content(fields.get("title"), fields.get("text"))
        results = searcher.more_like(docnum, RANK_FIELD, text=text, top=count, numterms=12)
        return [_hit(h, None) for h in results]

    # ------------------------------------------------------------------ completions

    def complete(self, text: str, limit: int = 8) -> list[dict]:
        """Completions of the last word of text: frequent index words, then matching titles."""
        head, _, last = text.rpartition(" ")
        stem = fold(last)
        if not stem:
            return []
        searcher = self.searcher()
        best = self._vocabulary(searcher).completions(stem, limit)
        prefix = (head + " ") if head else ""
        out = [{"text": prefix + word, "kind": "word"} for word in best]
        if len(stem) >= MIN_TITLE_PREFIX and best:
            # Titles with one of the completed words (and the words typed before it).
            completed = wq.Or([wq.Term("title", t) for word in best for t in analyse(word)])
            title_query = wq.And([completed] + [wq.Term("title", t) for t in analyse(head)])
            for hit in searcher.search(title_query, limit=max(1, limit // 2)):
                out.append({"text": hit.get("title") or "", "kind": "title", "id": hit["id"]})
        return out

    def _vocabulary(self, searcher) -> Vocabulary:
        """The generation's words and how many documents use each, loaded once per
        generation: completions then cost a binary search, not a walk of the lexicon."""
        if self._vocab is None or self._vocab[0] != self._generation:
            vocabulary = Vocabulary.load(self.root / self._generation) or _lexicon_vocabulary(searcher)
            self._vocab = (self._generation, vocabulary)
        return self._vocab[1]


def _with_feedback(searcher, parsed: ParsedQuery, query_plan: Plan, filters, deadline: float,
                   wanted: int) -> tuple[Plan, FirstStage | None]:
    """The plan again, its words reweighted by pseudo-relevance feedback from its top
    documents, and the first round's stage for the final round to re-rank (None when the
    arrays did not rank it) for a page that ends at hit `wanted`."""
    top = _ranked_page(searcher, query_plan.tiers, filters, 0, FEEDBACK_DOCS, deadline, accumulate=ACCUMULATE,
                       facets=False, pool=pool_size(wanted))
    if top.partial or not top.hits:
        return query_plan, None
    documents = stored_documents(searcher)
    feedback = [(hit.score or 0.0, documents.feedback_terms(hit.docnum)) for hit in top.hits]
    weights = feedback_weights(query_plan.feedback_words, feedback)
    return plan(parsed, searcher.reader(), feedback=weights), top.stage


def _lexicon_vocabulary(searcher) -> Vocabulary:
    """The vocabulary of a generation written before vocabulary files: the words of its
    spelling field, if it has one (else none)."""
    reader = searcher.reader()
    field = "spell_" + RANK_FIELD
    words, uses = [], []
    if field in searcher.schema:
        for term in reader.lexicon(field):
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            if word.isalpha():
                words.append(word)
                uses.append(reader.doc_frequency(field, term))
    return Vocabulary(words, uses)


# ---------------------------------------------------------------------- running queries


def _run(searcher, query: wq.Query, limit: int, deadline: float, **options):
    """Results of a query, and whether the time budget cut it short."""
    collector = _collector(searcher, limit=limit, **options)
    remaining = max(0.001, deadline - time.perf_counter())
    timed = TimeLimitCollector(collector, timelimit=remaining, use_alarm=False)
    try:
        searcher.search_with_collector(query, timed)
    except TimeLimit:
        return timed.results(), True
    return timed.results(), False


def _collector(searcher, **options):
    """searcher.collector(**options) whose top-N collector never replaces its matcher as its
    lowest score rises: whoosh's UnionMatcher.replace turns an Or whose parts cannot reach
    that score alone into an AndMaybeMatcher, whose pruning loses top documents
    (ranking.Optional): the first page of "oil OR lazy OR tide was" missed its best
    documents, with or without block quality."""
    collector = outer = searcher.collector(**options)
    while collector is not None:
        if isinstance(collector, ScoredCollector):
            collector.replace = 0
        collector = getattr(collector, "child", None)
    return outer


def _ranked_page(searcher, tiers, filters, start: int, count: int, deadline: float,
                 accumulate: bool = False, facets: bool = True, pool: int = 0,
                 rerank: FirstStage | None = None) -> _Page:
    """Hits at [start, start+count) of the tiers laid end to end, the total and the facets.

    With `accumulate`, tiers the accumulator reads (loose words, one exact phrase) are ranked
    from its arrays (_accumulated_page); tiers of another shape, or an index the arrays cannot
    read, are walked with Whoosh (_walked_page), within the time budget. Without `facets`,
    the accumulator does not count them (a walk counts them anyway). `pool` and `rerank`
    are for feedback's two rounds (_accumulated_page).
    """
    ranking = arrays_ranking(tiers) if accumulate else None
    if ranking is not None:
        try:
            return _accumulated_page(searcher, tiers, ranking, filters, start, count, deadline, facets, pool, rerank)
        except Unreadable:
            pass
    return _walked_page(searcher, tiers, filters, start, count, deadline)


def _accumulated_page(searcher, tiers, ranking: LooseWords | Phrase, filters, start: int, count: int,
                      deadline: float, facets: bool = True, pool: int = 0,
                      rerank: FirstStage | None = None) -> _Page:
    """_walked_page's answer from the accumulator: its arrays count the total and the facets
    and bound each document's score; only the documents whose bound could put them on the
    page are scored exactly (with the positions of their phrases), and ranked. Its work is
    bounded by the arrays' sizes, so it never answers partially (`deadline` is for the walk).

    With `pool`, the page keeps its stage with the best `pool` matches; with `rerank` (such
    a stage of the same words, before feedback reweighted them), only that stage's pool is
    ranked, and its total and facets are that stage's."""
    wanted = start + count
    arrays = accumulator(searcher, FACETS)
    if rerank is not None and rerank.pool is not None and isinstance(ranking, LooseWords):
        stage = arrays.rerank(ranking, rerank, wanted)
    else:
        stage = arrays.stage(ranking, filters, wanted, pool)
    hits = []
    for candidates in stage.candidates:
        if len(candidates.docs):
            docs, scores = arrays.ranked(ranking, candidates.docs, candidates.words)
            hits += [_Scored(searcher, d, s) for d, s in zip(docs[:candidates.wanted].tolist(),
                                                             scores[:candidates.wanted].tolist())]
    counted = _listed_facets(arrays.facets_of(stage.docs)) if facets else {}
    return _Page(stage.total, hits[start:wanted], False, counted, stage if pool else None)


@dataclass(frozen=True)
class _Scored:
    """A hit the accumulator ranked: what _hit reads of a Whoosh hit."""

    searcher: object
    docnum: int
    score: float

    def fields(self) -> dict:
        return stored_documents(self.searcher).fields(self.docnum)


def _walked_page(searcher, tiers, filters, start: int, count: int, deadline: float) -> _Page:
    """_ranked_page by Whoosh alone: the tiers' matchers walk every matching document.

    Tiers are nested: the last matches every document any of them matches, so one pass over
    it counts the total and the facets and ranks the documents the first tier lacks. That
    pass only needs the first tier's top documents when the first tier has fewer than a
    page's worth, and then it has them all.
    """
    wanted = start + count
    first, partial = (None, False) if len(tiers) == 1 else _run(searcher, tiers[0], wanted, deadline, filter=filters)
    # The first tier's documents before this page: all of them when it has fewer than
    # `wanted` (then it was read to the end), else enough to fill the page (its exact size
    # is never needed, and counting it would mean a second walk over its matches).
    ahead = 0 if first is None else first.scored_length()
    hits = [] if first is None else list(first[start:wanted])
    # The broad pass visits every match anyway (for the total and the facets), so it may
    # as well count them as it goes rather than prune and walk them again for the count.
    broad, cut = _run(searcher, tiers[-1], wanted + ahead, deadline, filter=filters,
                      groupedby=FACETS, maptype=sorting.Count, optimize=False)
    if len(hits) < count:
        seen = {h.docnum for h in first} if first is not None else set()
        rest = [h for h in broad if h.docnum not in seen]
        skip = max(0, start - ahead)
        hits += rest[skip:skip + count - len(hits)]
    return _Page(len(broad), hits, partial or cut, _facet_counts(broad))


def _dated_page(searcher, tiers, filters, start: int, count: int, deadline: float,
                accumulate: bool = False) -> _Page:
    """Hits newest first (undated last): from the accumulator's arrays when they read the
    tiers (matches sorted by a date order kept per generation), else by a walk that sorts."""
    ranking = arrays_ranking(tiers) if accumulate else None
    if ranking is not None:
        try:
            arrays = accumulator(searcher, FACETS)
            docs = arrays.matching(ranking, filters)
            page = arrays.sorted_by(NEWEST_FIRST, docs)[start:start + count]
            return _Page(len(docs), [_Scored(searcher, d, 0.0) for d in page.tolist()], False,
                         _listed_facets(arrays.facets_of(docs)))
        except Unreadable:
            pass
    results, cut = _run(searcher, tiers[-1], start + count, deadline, filter=filters,
                        sortedby=NEWEST_FIRST,
                        groupedby=FACETS, maptype=sorting.Count, optimize=False)
    return _Page(len(results), [_DatedHit(hit) for hit in results[start:start + count]], cut, _facet_counts(results))


@dataclass
class _DatedHit:
    """A hit of a page in date order: not ranked, so its score is 0 (Whoosh's hit holds the
    sort key there)."""

    hit: object
    score: float = 0.0

    def fields(self) -> dict:
        return self.hit.fields()


def _count(searcher, query, filters) -> int:
    """How many documents a query matches, by a walk that visits them all (with block quality
    or matcher replacement, Whoosh's count leaves some out)."""
    collector = _collector(searcher, limit=1, filter=filters, optimize=False)
    searcher.search_with_collector(query, collector)
    return len(collector.results())


def _facet_counts(results) -> dict[str, list[dict]]:
    """Counts per site and per year over every document the query matched."""
    return _listed_facets({name: results.groups(name) for name in FACETS})


def _listed_facets(groups: dict[str, dict]) -> dict[str, list[dict]]:
    """The facets' {value: count} as the answer lists them: sites by count, years newest first."""
    out = {}
    for name in FACETS:
        counts = [(value, n) for value, n in groups[name].items() if value]
        counts.sort(key=lambda vn: (-vn[1], vn[0]) if name == "site" else (vn[0],), reverse=name == "year")
        out[name] = [{"value": v, "count": n} for v, n in counts[:MAX_FACET_VALUES]]
    return out


# ---------------------------------------------------------------------- did you mean


def _suggestion(searcher, vocabulary: Callable[[], Vocabulary], q: str, parsed: ParsedQuery,
                query_plan: Plan, filters) -> str | None:
    """q with its unknown words spelled as the index spells them, when that finds more.

    "More" is counted in the first tier: documents with every word of the query.
    """
    reader = searcher.reader()
    corrected = q
    for clause in (c for g in parsed.groups for c in g if c.kind == "word" and c.field is None):
        stems = analyse(clause.text)
        if len(stems) != 1 or _known(searcher, stems[0]):
            continue
        # The closest spelling reads as what was meant; of equally close ones, the most used.
        best = vocabulary().correction(fold(clause.text), maxdist=2, prefix=1)
        if best:
            corrected = _replace_word(corrected, clause.text, best)
    if corrected == q:
        return None
    try:
        better = plan(parse(corrected), reader).tiers
    except QueryError:
        return None
    return corrected if _first_tier_count(searcher, better, filters) > _first_tier_count(searcher, query_plan.tiers, filters) \
        else None


def _known(searcher, term: str) -> bool:
    """Whether the ranking field has the term: from the accumulator's postings of it, which
    the ranking of a query's words has read already, else from the lexicon."""
    if ACCUMULATE:
        try:
            return len(accumulator(searcher, FACETS).postings(RANK_FIELD, term).docs) > 0
        except Unreadable:
            pass
    # A lookup, where doc_frequency also unpickles the term's info.
    return (RANK_FIELD, term) in searcher.reader()


def _first_tier_count(searcher, tiers: list[wq.Query], filters) -> int:
    """How many documents the first tier matches: counted in the accumulator's arrays when
    they read the tiers (a walk that scores every match took ~0.1 s at 100k documents)."""
    words = loose_words(tiers) if ACCUMULATE else None
    if words is not None:
        try:
            return accumulator(searcher, FACETS).first_tier_total(words, filters)
        except Unreadable:
            pass
    return _count(searcher, tiers[0], filters)


def _replace_word(text: str, word: str, replacement: str) -> str:
    """text with its first loose use of word replaced: a whole word, outside quotes, not
    excluded (-word) or scoped (field:word)."""
    for found in re.finditer(rf"(?<![\w\-:]){re.escape(word)}(?!\w)", text, re.IGNORECASE):
        if text.count('"', 0, found.start()) % 2 == 0:
            return text[:found.start()] + replacement + text[found.end():]
    return text


# ---------------------------------------------------------------------- hits


def _hit(hit, highlighter: Snippets | None) -> Hit:
    fields = hit.fields()
    title = fields.get("title") or ""
    text = fields.get("text") or ""
    return Hit(
        id=fields["id"],
        title=title,
        url=fields.get("url"),
        source=fields.get("source", ""),
        site=fields.get("site"),
        author=fields.get("author"),
        published=fields.get("published"),
        score=hit.score or 0.0,
        snippet=highlighter.snippet(text, fields.get("spans")) if highlighter else opening(text),
        title_highlighted=highlighter.title(title) if highlighter else escape(title, quote=False),
    )
