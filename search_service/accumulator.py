"""The first stage of ranking loose words: BM25 summed over numpy arrays, every document at once.

Whoosh ranks a query of loose words by walking the union of their posting lists one document
at a time in Python, which was 98% of the search time at 100k documents (issue 5). For those
queries (and the other shapes array_rankings.py reads) search.py asks this module first. Each term's postings are read once per index
generation into arrays (document numbers, BM25 scores from the searcher's own scorer applied
to whole arrays) and summed per document; the same arrays give the total and the facet counts.
Phrases (the proximity bonus) need positions, which the arrays do not hold: they bound what
each document's phrases can add, and only the documents whose bound could put them on the
page (the candidates, a few dozen) are scored exactly, their phrases looked for in their
positions alone (Accumulator.scores).

A query of one phrase is read the same way: the documents with all its words come from
the postings arrays, their positions (each as one int64, document << 32 | position) are
decoded for those documents alone, and the phrase's documents are an intersection of sorted
arrays (for a loose phrase, "words"~3, a search of each word's positions among the ones
before), kept per generation, not a walk that decodes every posting's positions again for
every query (the slowest queries at 100k documents were phrases).

What the arrays hold is what Whoosh would use: postings of every segment at its document
offset, field lengths as the one-byte lengths Whoosh stores, deleted documents masked out,
facet values as Whoosh's categorizers name them. Anything this module cannot read that way
(another codec, another kind of scorer) raises Unreadable, and search.py walks with Whoosh.
"""
from __future__ import annotations

import threading
import weakref
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import WeightLengthScorer

from .array_rankings import Phrase, LooseWords, PhraseBonus, ScoredTerm
from .postings_file import PostingsFile, Unreadable, term_arrays
from .sized_lru import SizedLRU
from .ranking import BM25
from .document_keys import FACETS, SORTS, DocumentKeys, read_document_keys
from .segment_columns import facet_values, segment_lengths, sort_places

# Postings kept per generation (12 bytes each with their scores: ~60 MB; the starts of their
# positions, kept by the same budget, 4 bytes each: ~20 MB). A query's terms are read from
# the index again only when they fell out of this.
POSTINGS_BUDGET = 5_000_000
# Filter masks kept per generation, in bytes (one byte per document each).
MASKS_BUDGET = 16_000_000
# Positions of a term in a document read from Whoosh's blocks (a generation without a
# positions file), kept per generation, for phrases (~200 bytes each).
POSITIONS_BUDGET = 50_000
# A word's positions in a few documents are picked from one read of the stretch that holds
# them, unless it is longer than this many positions and this many times those wanted.
MAX_STRETCH = 65_536
STRETCH_PER_POSITION = 64
# Documents of phrases kept per generation (4 bytes each).
PHRASES_BUDGET = 2_000_000
# Documents scored exactly at the most: this many, or four pages' worth of the page
# asked if more (beyond them the page may differ from a walk's: see _candidates). 50, not
# 200: reading the candidates' positions for the adjacency bonus was a third of a cold
# query at 100k, and on the four ranking collections (701 queries, with feedback) no top 10
# differed, from each other or from the walk's.
MIN_CANDIDATES = 50
PAGES_OF_CANDIDATES = 4
# Whoosh adds a document's term scores in another order than the arrays: bounds allow for
# the last bits of a sum to differ.
TOLERANCE = 1e-9
# Feedback's final round re-ranks the best this many documents of its first round (or
# PAGES_OF_CANDIDATES pages' worth, if more), not every match again: feedback words only
# reorder what the query's words match (ranking.py), and pseudo-relevance feedback is
# usually applied that way (RM3 over a first ranking's top 1,000). Summing ten feedback
# words over every match was a fifth of a query at 100k documents.
RERANK_POOL = 1000
# Only a query with this many times the pool in matches is re-ranked so: over fewer, one pass
# of the arrays over every match costs less than looking the pool up term by term (at 10k
# documents re-ranking every query made a miss 10-15% slower; at 100k, 9% faster).
RERANK_FROM = 5
# _Pool looks a posting list up in a table of the pool up to this many times the pool's
# length, in it by binary search beyond (measured with numpy: the table costs ~3 ns a
# posting, the search ~30 us a list of any length for a pool of 1,000).
SLOTS_UP_TO = 8


# ---------------------------------------------------------------------- the first stage


@dataclass
class Candidates:
    """The documents of one tier (sorted numbers) that may be among its `wanted` best, and
    the scores of their words (without their phrases) as the stage summed them."""

    docs: np.ndarray
    wanted: int
    words: np.ndarray | None = None


@dataclass
class FirstStage:
    """What the arrays say about one query: its total, the documents it matches (for their
    facet counts, Accumulator.facet_counts), and per tier the documents worth scoring exactly."""

    total: int
    docs: np.ndarray
    candidates: list[Candidates]
    # The best documents (sorted numbers), when asked for and RERANK_FROM times as many
    # match: what a second round re-ranks.
    pool: np.ndarray | None = None


@dataclass
class TermPostings:
    """A term's postings over every segment (deleted documents included): document numbers
    in order and each one's BM25 score. The frequencies they were scored from are not kept:
    at the postings' budget they were 20 MB of a worker's memory, read by nothing else."""

    docs: np.ndarray  # int32
    scores: np.ndarray  # float64

    @cached_property
    def top(self) -> float:
        """The highest score (0 with none)."""
        return float(self.scores.max()) if len(self.scores) else 0.0

    def among(self, docnums: np.ndarray) -> np.ndarray:
        """The indexes of the postings of the given sorted documents."""
        return self.where(docnums)[0]

    def where(self, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the indexes of the postings of the given sorted documents, which of them have one)."""
        # In the postings' type: searchsorted would otherwise copy the whole list to theirs.
        docnums = docnums.astype(self.docs.dtype, copy=False)
        at = np.searchsorted(self.docs, docnums)
        found = at < len(self.docs)
        found[found] = self.docs[at[found]] == docnums[found]
        return at[found], found


class _Pool:
    """Where documents stand in a pool (sorted numbers), for a re-ranking that looks up one
    posting list after another in it. Used as a context: the table it borrows is handed
    back as it was lent, all -1."""

    def __init__(self, docs: np.ndarray, table: Callable[[], np.ndarray]) -> None:
        # int32 as the postings are: searchsorted would otherwise copy each long list to int64.
        self.docs = docs.astype(np.int32)
        self._table = table
        self._slots: np.ndarray | None = None

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc) -> None:
        if self._slots is not None:
            self._slots[self.docs] = -1
            self._slots = None

    def find(self, postings: TermPostings) -> tuple[np.ndarray, np.ndarray]:
        """(the indexes in the pool of the documents with a posting; those postings' scores)."""
        if not len(self.docs) or not len(postings.docs):
            return np.zeros(0, np.intp), np.zeros(0)
        if len(postings.docs) > SLOTS_UP_TO * len(self.docs):  # look the pool up in the long list
            at, has = postings.where(self.docs)
            return np.flatnonzero(has), postings.scores[at]
        # A table of each document's place in the pool: one lookup a posting, where a binary
        # search a pool document costs more up to several times the pool's length.
        if self._slots is None:
            self._slots = self._table()
            self._slots[self.docs] = np.arange(len(self.docs), dtype=np.int32)
        slots = self._slots[postings.docs]
        has = slots >= 0
        return slots[has], postings.scores[has]


def candidate_count(wanted: int) -> int:
    """How many documents to score exactly for a page that ends at hit `wanted`."""
    return max(MIN_CANDIDATES, PAGES_OF_CANDIDATES * wanted)


def pool_size(wanted: int) -> int:
    """How many of a first round's documents a second round re-ranks for a page that ends at hit `wanted`."""
    return max(RERANK_POOL, PAGES_OF_CANDIDATES * wanted)


class Accumulator:
    """Arrays of one searcher (one index generation), built as queries need them."""

    def __init__(self, searcher, facets: dict) -> None:
        # Weakly: the accumulator lives as long as its searcher (see accumulator()).
        self._searcher = weakref.ref(searcher)
        self.facets = facets
        self.doc_count = searcher.doc_count_all()
        self._terms = SizedLRU(POSTINGS_BUDGET)
        self._starts = SizedLRU(POSTINGS_BUDGET)  # (field, term) → where its postings' positions start
        self._masks = SizedLRU(MASKS_BUDGET)
        # (field, term, document) → its positions, encoded as Whoosh stores them (read from
        # its blocks when the generation has no positions file).
        self.positions = SizedLRU(POSITIONS_BUDGET)
        self._phrases = SizedLRU(PHRASES_BUDGET)  # (field, words) → the documents with the phrase
        self._lengths: dict[str, np.ndarray] = {}
        self._tables = threading.local()  # _pool_table's
        self._average_lengths: dict[str, float] = {}
        self._ordinals: dict[str, tuple[np.ndarray, list]] = {}
        self._sort_keys: dict[object, np.ndarray] = {}  # sort facet → _sort_places
        self._live: np.ndarray | None = None
        # The generation's file of long posting lists (postings_file.py), if it has one.
        storage = getattr(getattr(searcher, "_ix", None), "storage", None)
        self._folder = getattr(storage, "folder", None)
        self._file = PostingsFile.open(self._folder, searcher)
        weighting = searcher.weighting
        if getattr(weighting, "use_final", False):  # a final pass over each score: not summable
            raise Unreadable(f"{type(weighting).__name__} rescores each document")

    @property
    def searcher(self):
        searcher = self._searcher()
        if searcher is None:
            raise Unreadable("the searcher is gone")
        return searcher

    @property
    def _leaves(self) -> list:
        """(segment searcher, its first document number) of each segment."""
        return self.searcher.leaf_searchers()

    def first_stage(self, words: LooseWords, filters: wq.Query | None, wanted: int, pool: int = 0) -> FirstStage:
        """Total, matches and candidates of a page that ends at hit `wanted`, and with `pool`
        the best `pool` matches (for rerank)."""
        low = np.zeros(self.doc_count)  # each document's score without its phrases
        present = np.zeros(self.doc_count, np.int32)  # how many of the words it has
        for word in words.words:
            has = np.zeros(self.doc_count, bool)
            for term in word:
                has[self._add(low, term)] = True
            present += has
        if words.required:
            matched, scores = self._required(words.required)
            low += scores
        else:
            matched = present > 0
        matched &= self.allowed(filters, words.excluded)
        docs = np.flatnonzero(matched)
        # Words that only reorder (feedback's) count for the matched documents alone.
        low = low[docs] + self._among(words.extra, docs) if words.extra else low[docs]
        return self._staged(words, len(docs), docs, docs, low, present[docs], wanted, pool)

    def first_tier_total(self, words: LooseWords, filters: wq.Query | None) -> int:
        """How many documents (not deleted, and allowed by the filters) the first tier matches,
        counted without ranking it: with all_words_first those with every word, else every match."""
        if not words.all_words_first:
            return len(self.matching(words, filters))
        matched = self._present(words.words) == len(words.words)
        if words.required:
            matched &= self._present(words.required) == len(words.required)
        matched &= self.allowed(filters, words.excluded)
        return int(np.count_nonzero(matched))

    def matching(self, ranking: LooseWords | Phrase, filters: wq.Query | None) -> np.ndarray:
        """The documents (sorted numbers) a ranking matches, not ranked."""
        if isinstance(ranking, Phrase):
            docs = self.phrase_docs(ranking.field, ranking.words, ranking.slop)
            return docs[self.allowed(filters, ranking.excluded)[docs]]
        if ranking.required:
            matched = self._present(ranking.required) == len(ranking.required)
        else:
            matched = self._present(ranking.words) > 0
        return np.flatnonzero(matched & self.allowed(filters, ranking.excluded))

    def _required(self, parts: tuple[tuple[ScoredTerm | Phrase, ...], ...]) -> tuple[np.ndarray, np.ndarray]:
        """(whether each document has every required part, the sum of their scores in it)."""
        matched = np.ones(self.doc_count, bool)
        scores = np.zeros(self.doc_count)
        for part in parts:
            has = np.zeros(self.doc_count, bool)
            for member in part:
                has[self._add(scores, member)] = True
            matched &= has
        return matched, scores

    def _present(self, words: tuple[tuple[ScoredTerm | Phrase, ...], ...]) -> np.ndarray:
        """How many of the words (each a union of members) each document has."""
        present = np.zeros(self.doc_count, np.int32)
        for word in words:
            has = np.zeros(self.doc_count, bool)
            for term in word:
                has[self._docs_of(term)] = True
            present += has
        return present

    def _docs_of(self, term: ScoredTerm | Phrase) -> np.ndarray:
        """The documents (sorted numbers, deleted ones included) a term or a phrase is in."""
        if isinstance(term, Phrase):
            return self.phrase_docs(term.field, term.words, term.slop)
        return self.postings(term.field, term.text).docs

    def sorted_by(self, facet, docs: np.ndarray) -> np.ndarray:
        """The documents (sorted numbers) in the order a sort facet gives them: by its key,
        equal keys by document number, as Whoosh's sorting collector orders them."""
        return docs[np.lexsort((docs, self._sort_places(facet)[docs]))]

    def _sort_places(self, facet) -> np.ndarray:
        """Each document's place in the order of a sort facet's keys (equal keys, equal places):
        from the generation's keys file when it has the facet, else worked out."""
        if facet not in self._sort_keys:
            places = self._from_keys_file(SORTS, facet)
            self._sort_keys[facet] = places if places is not None else sort_places(self.searcher, repr(facet), facet)
        return self._sort_keys[facet]

    def rerank(self, words: LooseWords, first: FirstStage, wanted: int) -> FirstStage:
        """first_stage of words that match what a first round's words matched (the same
        words and filters, reweighted, with words that only reorder), over that round's pool
        alone: its total and matches are the first round's."""
        docs = first.pool
        low = np.zeros(len(docs))
        present = np.zeros(len(docs), np.int32)
        with _Pool(docs, self._pool_table) as pool:
            for word in words.words:
                has = np.zeros(len(docs), bool)
                for term in word:
                    at, scores = self._in_pool(term, pool)
                    low[at] += scores
                    has[at] = True
                present += has
            if words.extra:
                found = [self._in_pool(t, pool) for word in words.extra for t in word]
                low += np.bincount(np.concatenate([at for at, _ in found]),
                                   np.concatenate([scores for _, scores in found]), minlength=len(docs))
        if words.required:  # (feedback reweights queries of loose words alone: none yet)
            low += self._required(words.required)[1][docs]
        return self._staged(words, first.total, first.docs, docs, low, present, wanted, 0)

    def _in_pool(self, term: ScoredTerm, pool: _Pool) -> tuple[np.ndarray, np.ndarray]:
        """(the indexes in the pool of the documents with a term; their boosted scores)."""
        postings = self.postings(term.field, term.text)
        at, scores = pool.find(postings)
        return at, scores * term.boost if term.boost != 1.0 else scores

    def _pool_table(self) -> np.ndarray:
        """A -1 for each document, for _Pool to lend: one per thread, made once (filling it
        anew for each query cost more than the table saved at a million documents)."""
        table = getattr(self._tables, "table", None)
        if table is None:
            table = self._tables.table = np.full(self.doc_count, -1, np.int32)
        return table

    def _staged(self, words: LooseWords, total: int, matched: np.ndarray, docs: np.ndarray, low: np.ndarray,
                present: np.ndarray, wanted: int, pool: int) -> FirstStage:
        """The FirstStage of `docs` (sorted numbers) scored `low` without their phrases, each
        with `present` of the words, out of `total` matches (`matched`)."""
        tiers = [(docs, low, present)]
        if words.all_words_first:
            every = present == len(words.words)
            tiers = [(docs[every], low[every], present[every]), (docs[~every], low[~every], present[~every])]
        pooled = pool > 0 and total >= RERANK_FROM * pool
        candidates, best = [], []
        left = pool if pooled else 0
        for tier, tier_low, tier_present in tiers:
            # A tier fills what is left of the page after the tiers before it.
            tier_high = self._high(words, tier, tier_low, tier_present, (wanted, left))
            candidates.append(_candidates(tier, tier_low, tier_high, wanted))
            wanted -= len(tier)
            if left > 0:
                best.append(_best(tier, tier_high, left))
                left -= len(best[-1])
        chosen = np.sort(np.concatenate(best)) if pooled else None
        return FirstStage(total, matched, candidates, chosen)

    def _high(self, words: LooseWords, docs: np.ndarray, low: np.ndarray, present: np.ndarray,
              asked: tuple[int, ...]) -> np.ndarray:
        """Each document's score with the most its phrases can add (phrase_bound), for the
        documents that could be among the best `k` by it, for each k asked; `low` for the others.

        The k-th best score with phrases is at least the k-th best without: a document whose
        score without, plus the most any document's phrases add, is below that cannot be
        among the best k, nor tie with them. Nor can a phrase be in a document that lacks
        some of its words that are words of the query (`present` counts those it has). At
        100k documents a query of three words matched tens of thousands of documents, and
        bounding the phrases of every one was a fifteenth of a query.
        """
        phrases = words.phrases
        ks = [k for k in asked if 0 < k < len(docs)]  # otherwise every document is taken, or none
        if not phrases or not ks:
            return low
        k = max(ks)
        kth = np.partition(low, len(low) - k)[len(low) - k]
        keep = low >= kth - self._most_added(phrases) - 2 * abs(kth) * TOLERANCE
        keep &= present >= _fewest_query_words(words)
        high = low.copy()
        high[keep] += self.phrase_bound(phrases, docs[keep])
        return high

    def _most_added(self, phrases: tuple[PhraseBonus, ...]) -> float:
        """The most that phrase_bound can give any document."""
        return sum(max(0.0, phrase.boost * sum(self.postings(phrase.field, word).top for word in phrase.words))
                   for phrase in phrases)

    def stage(self, ranking: LooseWords | Phrase, filters: wq.Query | None, wanted: int,
              pool: int = 0) -> FirstStage:
        """Total, matches and candidates of a ranking arrays_ranking read (and for loose
        words, with `pool`, the best `pool` matches)."""
        if isinstance(ranking, Phrase):
            return self.phrase_stage(ranking, filters, wanted)
        return self.first_stage(ranking, filters, wanted, pool)

    def phrase_stage(self, phrase: Phrase, filters: wq.Query | None, wanted: int) -> FirstStage:
        """first_stage of a query of one phrase: its documents are known exactly, and so
        are their scores."""
        docs = self.phrase_docs(phrase.field, phrase.words, phrase.slop)
        docs = docs[self.allowed(filters, phrase.excluded)[docs]]
        score = self._words_score(phrase.field, phrase.words, docs) * phrase.boost
        return FirstStage(len(docs), docs, [_candidates(docs, score, score, wanted)])

    def ranked(self, ranking: LooseWords | Phrase, docs: np.ndarray,
               words: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The given documents (sorted numbers) best first, and their final scores: ties go
        to the lower document number, as in Whoosh's walk. `words`: as for scores."""
        scores = self.scores(ranking, docs, words)
        order = np.lexsort((docs, -scores))
        return docs[order], scores[order]

    def scores(self, ranking: LooseWords | Phrase, docs: np.ndarray,
               words: np.ndarray | None = None) -> np.ndarray:
        """Final scores of a few documents (sorted numbers) the ranking matches: their words'
        scores (`words`, when a stage has summed them: Candidates.words), and the phrases
        found in them, side by side, from their positions."""
        if isinstance(ranking, Phrase):
            if words is not None:  # the stage scored its documents exactly
                return words
            return self._words_score(ranking.field, ranking.words, docs) * ranking.boost
        if words is not None:
            score = words.copy()
        else:
            score = np.zeros(len(docs))
            for term in (t for word in ranking.words + ranking.extra for t in word):
                if isinstance(term, Phrase):
                    found = np.isin(docs, self.phrase_docs(term.field, term.words, term.slop))
                    score[found] += self._words_score(term.field, term.words, docs[found]) * term.boost
                    continue
                postings = self.postings(term.field, term.text)
                at, found = postings.where(docs)
                score[found] += postings.scores[at] * term.boost if term.boost != 1.0 else postings.scores[at]
            if ranking.required:
                score += self._required(ranking.required)[1][docs]
        for phrase in ranking.phrases:
            with_phrase = np.isin(docs, self._find_phrase(phrase.field, phrase.words, docs, self.positions))
            if with_phrase.any():
                score[with_phrase] += self._words_score(phrase.field, phrase.words, docs[with_phrase]) * phrase.boost
        return score

    def _words_score(self, field: str, words: tuple[str, ...], docs: np.ndarray) -> np.ndarray:
        """The sum of the words' scores in documents that have each of them (a word the
        phrase repeats, each time), as Whoosh scores a phrase."""
        score = np.zeros(len(docs))
        for word in words:
            postings = self.postings(field, word)
            score += postings.scores[postings.among(docs)]
        return score

    def phrase_docs(self, field: str, words: tuple[str, ...], slop: int = 1) -> np.ndarray:
        """The documents (sorted numbers, deleted ones included) where the words stand in
        this order, each within `slop` positions after the one before (1: side by side)."""
        cached = self._phrases.get((field, words, slop))
        if cached is None:
            cached = self._find_phrase(field, words, slop=slop)
            self._phrases.put((field, words, slop), cached, max(1, len(cached)))
        return cached

    def _find_phrase(self, field: str, words: tuple[str, ...], within: np.ndarray | None = None,
                     cache: SizedLRU | None = None, slop: int = 1) -> np.ndarray:
        """The documents (of `within`, if given: sorted numbers) where the words stand in
        order, each within `slop` positions after the one before (1: side by side);
        positions decoded from Whoosh's blocks are kept in `cache` if given."""
        # Only documents with every word can have the phrase: the postings arrays say which.
        together = within
        for word in set(words):
            docs = self.postings(field, word).docs
            together = docs if together is None else _intersection(together, docs)
        if together is None or not len(together):
            return np.zeros(0, np.int32)
        if slop > 1:
            return self._find_loose_phrase(field, words, together, cache, slop)
        # Side by side: the positions shifted by each word's place, intersected (the same as
        # _find_loose_phrase's chain with slop 1, which took ~10% longer on cold exact phrases)
        starts = None  # the phrase's possible starts so far, as document << 32 | position
        for i, word in enumerate(words):
            keys = self._positions_in(field, word, together, cache) - i
            starts = keys if starts is None else _intersection(starts, keys)
            if not len(starts):
                break
        return np.unique(starts >> 32).astype(np.int32)

    def _find_loose_phrase(self, field: str, words: tuple[str, ...], together: np.ndarray,
                           cache: SizedLRU | None, slop: int) -> np.ndarray:
        """_find_phrase of a slop over 1 in the documents `together`, as Whoosh's SpanNear2
        (ordered, mindist 1) matches it: a chain of the words' positions, each 1 to `slop`
        after the one before."""
        ends = None  # where a chain of the words so far can end, as document << 32 | position
        for word in words:
            keys = self._positions_in(field, word, together, cache)
            if ends is not None:
                # The chain's last position before each of the word's: reached when it is
                # at most `slop` before. (A position of another document is 2**32 - slop or
                # more before: never reached.)
                before = np.searchsorted(ends, keys - 1, side="right") - 1
                reached = before >= 0
                reached[reached] = ends[before[reached]] >= keys[reached] - slop
                keys = keys[reached]
            ends = keys
            if not len(ends):
                break
        return np.unique(ends >> 32).astype(np.int32)

    def _positions_in(self, field: str, word: str, docs: np.ndarray, cache: SizedLRU | None = None) -> np.ndarray:
        """A word's positions (document << 32 | position) in the documents `docs` (sorted,
        each with the word) alone: a phrase of a common word ("to") decodes the positions
        of the few documents that have every word of the phrase, not of all that have "to"."""
        key = (field, self.searcher.schema[field].to_bytes(word))
        starts = self._position_starts(*key)
        if starts is not None:  # the generation's positions file has the word
            postings = self.postings(*key)
            at, found = postings.where(docs)
            if not len(at):
                return np.zeros(0, np.int64)
            # One read of the stretch of the word's positions from the first document's to
            # the last's, and numpy picks those of the documents: document by document, a
            # read and an array each, this was a tenth of a distinct query at 100k documents
            # (22 documents a word at the median, in ~11 KB of positions).
            begins = starts[at].astype(np.int64)
            counts = starts[at + 1].astype(np.int64) - begins
            owners = np.repeat(docs[found].astype(np.int64), counts)
            first, end = int(begins[0]), int(starts[at[-1] + 1])
            runs = np.cumsum(counts)
            if end - first > max(MAX_STRETCH, STRETCH_PER_POSITION * int(runs[-1])):
                # A word in most documents, asked for a few (a query of function words
                # alone): a read per document rather than megabytes of others' positions.
                wanted = np.concatenate([self._file.positions(*key, b, b + c)
                                         for b, c in zip(begins.tolist(), counts.tolist())])
                return (owners << 32) + wanted.astype(np.int64)
            stretch = self._file.positions(*key, first, end)
            # The index in `stretch` of each position wanted: each document's run of them.
            picked = np.arange(runs[-1]) + np.repeat(begins - first - (runs - counts), counts)
            return (owners << 32) + stretch[picked].astype(np.int64)
        form = self.searcher.schema[field].format
        if not form.supports("positions"):
            raise Unreadable(f"field {field} holds no positions")
        decode = form.decode_positions
        keys: list[int] = []
        for leaf, offset in self._leaves:
            n = leaf.doc_count_all()
            mine = docs[(docs >= offset) & (docs < offset + n)]
            if len(mine):
                # Kept per document only when asked: phrase_docs keeps the phrase's documents.
                values = _Positions(leaf.reader(), offset, field, key[1], (mine - offset).tolist(), cache or SizedLRU(0))
                for i, doc in enumerate(mine.tolist()):
                    keys.extend([(doc << 32) + p for p in decode(values[i])])
        return np.asarray(keys, dtype=np.int64)

    def _position_starts(self, field: str, text: bytes) -> np.ndarray | None:
        """Where each posting's positions start in the positions file, or None when the file
        does not have the term's (kept per term, as its postings are)."""
        if self._file is None:
            return None
        cached = self._starts.get((field, text))
        if cached is None:
            cached = self._file.position_starts(field, text)
            if cached is None:
                return None
            self._starts.put((field, text), cached, len(cached))
        return cached

    def phrase_bound(self, phrases: tuple[PhraseBonus, ...], docs: np.ndarray | None = None) -> np.ndarray:
        """The most each document's phrases can add (of `docs`, sorted numbers, if given):
        each phrase's score where the document has all its words (side by side or not)."""
        docs = np.arange(self.doc_count) if docs is None else docs
        bound = np.zeros(len(docs))
        gathered: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}  # pairs share words
        for phrase in phrases:
            score = np.zeros(len(docs))
            words = np.zeros(len(docs), np.int32)
            for word in phrase.words:
                if (phrase.field, word) not in gathered:
                    gathered[phrase.field, word] = self._gather(phrase.field, word, docs)
                scores, has = gathered[phrase.field, word]
                score += scores
                words += has
            bound += np.where(words == len(phrase.words), score * phrase.boost, 0.0)
        return bound

    # ------------------------------------------------------------------ per term

    def _add(self, score: np.ndarray, term: ScoredTerm | Phrase) -> np.ndarray:
        """Add a term's (or a phrase's) boosted scores to each document's; returns the
        documents it is in."""
        if isinstance(term, Phrase):
            docs = self.phrase_docs(term.field, term.words, term.slop)
            np.add.at(score, docs, self._words_score(term.field, term.words, docs) * term.boost)
            return docs
        postings = self.postings(term.field, term.text)
        # A posting list names a document once, so adding at its documents is exact; add.at
        # rather than a fancy-indexed add, which turns the int32 numbers into indexes twice
        # (for the read and for the write): a third of the time.
        np.add.at(score, postings.docs, postings.scores * term.boost if term.boost != 1.0 else postings.scores)
        return postings.docs

    def _among(self, words: tuple[tuple[ScoredTerm, ...], ...], docs: np.ndarray) -> np.ndarray:
        """The sum of the words' boosted scores in each of `docs` (sorted numbers).

        Summed by one bincount over every term's postings: a fancy-indexed add per term made
        the feedback words a fifth of a query at 100k documents (16 words, each thousands of
        postings). The candidates' final scores start from these sums (Candidates.words):
        added in another order than term by term, they differ from those in the last bits
        at most, as the arrays' sums differ from Whoosh's.
        """
        where, values = [], []
        for term in (t for word in words for t in word):
            postings = self.postings(term.field, term.text)
            if len(postings.docs) > 4 * len(docs):  # look the few documents up in the long list
                at, has = postings.where(docs)
                found, scores = docs[has], postings.scores[at]
            else:  # take them all: documents that are not in `docs` are not read
                found, scores = postings.docs, postings.scores
            where.append(found)
            values.append(scores * term.boost if term.boost != 1.0 else scores)
        summed = np.bincount(np.concatenate(where), np.concatenate(values), minlength=self.doc_count)
        return summed[docs]

    def _gather(self, field: str, text: str, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(a term's score in each of the documents `docs`, sorted numbers; whether it is in each)."""
        postings = self.postings(field, text)
        if len(postings.docs) > 4 * len(docs):  # look the few documents up in the long list
            at, has = postings.where(docs)
            scores = np.zeros(len(docs))
            scores[has] = postings.scores[at]
            return scores, has
        scores = np.zeros(self.doc_count)
        has = np.zeros(self.doc_count, bool)
        scores[postings.docs] = postings.scores
        has[postings.docs] = True
        return scores[docs], has[docs]

    def postings(self, field: str, text: str | bytes) -> TermPostings:
        """A term's postings over every segment, with their BM25 scores (none for a field the
        index lacks or a text the field cannot hold, as Whoosh's Term finds none)."""
        try:
            key = (field, self.searcher.schema[field].to_bytes(text))
        except (KeyError, ValueError):
            return TermPostings(np.zeros(0, np.int32), np.zeros(0))
        cached = self._terms.get(key)
        if cached is None:
            cached = self._read_postings(*key)
            self._terms.put(key, cached, max(1, len(cached.docs)))
        return cached

    def _read_postings(self, field: str, text: bytes) -> TermPostings:
        found = self._file.read(field, text) if self._file is not None else None
        docs, weights = found if found is not None else term_arrays(self.searcher, field, text)
        if not len(docs):
            return TermPostings(docs, np.zeros(0))
        # Whoosh scores a frequency (stored as float32) and a length as Python floats: the
        # scorer's own arithmetic on float64 arrays gives each document the same score.
        scores = self._formula(field, text, len(docs))._score(weights.astype(np.float64), self.lengths(field)[docs])
        return TermPostings(docs, np.asarray(scores, dtype=np.float64))

    def _formula(self, field: str, text: bytes, df: int):
        """What scores a term's (frequency, length) arrays: for the product's BM25, its formula
        from the arrays' own statistics (a posting list holds each document once, deleted
        ones included, as Whoosh's document frequency counts them), saving the index's
        term lookups; else the searcher's scorer of the term."""
        weighting = self.searcher.weighting
        if type(weighting) is BM25:
            if not self.searcher.schema[field].scorable:  # a field without lengths (site:)
                return _WEIGHTS  # BM25.scorer's WeightScorer
            if field not in self._average_lengths:
                self._average_lengths[field] = self.searcher.avg_field_length(field)
            return weighting.formula(df, self.doc_count, self._average_lengths[field])
        return self._scorer(field, text)

    def _scorer(self, field: str, text: bytes):
        """The searcher's scorer of a term, if it scores by (frequency, length) arithmetic."""
        scorer = self.searcher.weighting.scorer(self.searcher, field, text)
        if not isinstance(scorer, WeightLengthScorer) or type(scorer).score is not WeightLengthScorer.score:
            raise Unreadable(f"{type(scorer).__name__} does not score by frequency and length alone")
        return scorer

    # ------------------------------------------------------------------ per document

    def lengths(self, field: str) -> np.ndarray:
        """Each document's length of a field as BM25 sees it (Whoosh's one-byte lengths)."""
        if field not in self._lengths:
            parts = []
            for leaf, _ in self._leaves:
                n = leaf.doc_count_all()
                reader = leaf.reader()
                bulk = segment_lengths(reader, field, n)
                if bulk is None:
                    length = reader.doc_field_length  # what WeightLengthScorer.dfl asks, default 1
                    bulk = np.fromiter((length(d, field, 1) or 0 for d in range(n)), np.float64, n)
                parts.append(bulk)
            self._lengths[field] = np.concatenate(parts) if parts else np.zeros(0)
        return self._lengths[field]

    def live(self) -> np.ndarray:
        """True for each document not deleted."""
        if self._live is None:
            live = np.ones(self.doc_count, bool)
            for leaf, offset in self._leaves:
                reader = leaf.reader()
                if reader.has_deletions():
                    deleted = [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]
                    live[np.asarray(deleted, dtype=np.int64) + offset] = False
            self._live = live
        return self._live

    def allowed(self, filters: wq.Query | None, excluded: wq.Query | None) -> np.ndarray:
        """True for each document not deleted, allowed by the filters and not excluded."""
        allowed = self.live()
        if filters is not None:
            allowed = allowed & self.mask(filters)
        if excluded is not None:
            allowed = allowed & ~self.mask(excluded)
        return allowed

    def mask(self, query: wq.Query) -> np.ndarray:
        """True for each document a filter query allows; the parts of an And are kept
        apart, so that a site filter is read once for all its date ranges."""
        if type(query) is wq.And and query.subqueries:
            return np.logical_and.reduce([self.mask(q) for q in query.subqueries])
        cached = self._masks.get(query)
        if cached is None:
            cached = np.zeros(self.doc_count, bool)
            cached[np.fromiter(self.searcher.docs_for_query(query), np.int64)] = True
            self._masks.put(query, cached, self.doc_count)
        return cached

    def facets_of(self, docs: np.ndarray) -> dict[str, dict]:
        """{facet: {value: documents}} over the given documents."""
        return {name: self.facet_counts(name, docs) for name in self.facets}

    def facet_counts(self, name: str, docs: np.ndarray) -> dict:
        """{value: documents} of one facet over the given documents, as Whoosh groups them."""
        ordinals, values = self._facet(name)
        counts = np.bincount(ordinals[docs], minlength=len(values))
        return {values[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def _facet(self, name: str) -> tuple[np.ndarray, list]:
        """(each document's value number, the values) of a facet, named by its categorizer:
        from the generation's keys file when it has the facet, else worked out."""
        if name not in self._ordinals:
            known = self._from_keys_file(FACETS, self.facets[name])
            self._ordinals[name] = known if known is not None else facet_values(self.searcher, name, self.facets[name])
        return self._ordinals[name]

    def _from_keys_file(self, kind: dict, facet):
        """What the generation's keys file holds of a facet of `kind` (FACETS or SORTS, found
        by identity: another facet of the same name is worked out), or None."""
        name = next((name for name, known in kind.items() if known is facet), None)
        keys = self._document_keys if name is not None else None
        if keys is None:
            return None
        return (keys.facets if kind is FACETS else keys.sorts).get(name)

    @cached_property
    def _document_keys(self) -> DocumentKeys | None:
        """The generation's facet values and sort places worked out at ingest, if written
        from these segments."""
        return read_document_keys(self._folder, self.searcher)


class _Weights:
    """The scores of a field without lengths, as Whoosh's WeightScorer gives them: each
    posting's weight."""

    @staticmethod
    def _score(weights: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        return weights


_WEIGHTS = _Weights()


def _fewest_query_words(words: LooseWords) -> int:
    """The fewest of the query's words (those its phrases are in) that a document with one
    of its phrases has: the phrase's words that are words of the query."""
    return min(sum(1 for word in words.words
                   if any(term.field == phrase.field and getattr(term, "text", None) in phrase.words for term in word))
               for phrase in words.phrases)


def _intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values of two sorted arrays of distinct values that are in both."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[at] == a]


def _candidates(docs: np.ndarray, low: np.ndarray, high: np.ndarray, wanted: int) -> Candidates:
    """The documents of a tier (sorted numbers) that may be among its `wanted` best.

    Each document's final score lies in [low, high] (its phrases add between nothing and
    their bound). The `wanted`-th best final score is at least the `wanted`-th best low
    score, so a document whose high score is below that cannot be in the top `wanted`: all
    the others are candidates, at most candidate_count(wanted) of them (the best by low score;
    beyond them the page may differ from a walk's, if phrases lift a document from further
    down than that).
    """
    if wanted <= 0:
        return Candidates(docs[:0], 0, low[:0])
    if len(docs) <= wanted:
        return Candidates(docs, wanted, low)
    threshold = np.partition(low, len(low) - wanted)[len(low) - wanted]
    maybe = high >= threshold - abs(threshold) * TOLERANCE
    docs, low = docs[maybe], low[maybe]
    chosen = _best_of(low, candidate_count(wanted))
    return Candidates(docs[chosen], wanted, low[chosen])


def _best(docs: np.ndarray, scores: np.ndarray, keep: int) -> np.ndarray:
    """The `keep` documents of highest score, ties to the lower document number (Whoosh's
    order), as sorted document numbers (docs is sorted)."""
    return docs[_best_of(scores, keep)]


def _best_of(scores: np.ndarray, keep: int) -> np.ndarray | slice:
    """Which of the scores (of sorted documents) are the `keep` highest, ties to the first."""
    if len(scores) <= keep:
        return slice(None)
    kth = np.partition(scores, len(scores) - keep)[len(scores) - keep]
    chosen = scores > kth
    ties = np.flatnonzero(scores == kth)[:keep - int(chosen.sum())]
    chosen[ties] = True
    return chosen


# Per searcher, so per index generation: an ingest's new generation gets new arrays, and the
# old ones go with the old searcher (they hold it only weakly).
_ACCUMULATORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def accumulator(searcher, facets: dict) -> Accumulator:
    """The accumulator of a searcher: made on first use, gone with the searcher."""
    found = _ACCUMULATORS.get(searcher)
    if found is None:
        found = _ACCUMULATORS[searcher] = Accumulator(searcher, facets)
    return found


# ---------------------------------------------------------------------- positions


class _Positions:
    """The encoded positions of a term in a segment's documents `ids` (the postings' values),
    each read from the index when a phrase asks for it, as most candidates never are, and
    kept in `cache` (a query's feedback round asks for the same ones as its final round)."""

    def __init__(self, reader, offset: int, fieldname: str, text, ids: list[int], cache: SizedLRU) -> None:
        self._reader = reader
        self._offset = offset
        self._fieldname = fieldname
        self._text = text
        self._ids = ids
        self._cache = cache
        self._matcher = None
        self._last = -1

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i: int):
        key = (self._fieldname, self._text, self._offset + self._ids[i])
        value = self._cache.get(key)
        if value is None:
            value = self._value_of(self._ids[i])
            self._cache.put(key, value, 1)
        return value

    def _value_of(self, docnum: int):
        if self._matcher is None or docnum < self._last:
            self._matcher = self._reader.postings(self._fieldname, self._text)
            if isinstance(self._matcher, FilterMatcher):  # deleted documents are never candidates
                self._matcher = self._matcher.child
        self._last = docnum
        _seek(self._matcher, docnum)
        return self._matcher.value()


def _seek(matcher, docnum: int) -> None:
    """Move a matcher to one of its postings: in a block of postings by bisection (a
    matcher's own skip_to steps through the block one posting at a time)."""
    if not isinstance(matcher, W3LeafMatcher):
        matcher.skip_to(docnum)
        return
    if docnum > matcher.block_max_id():
        matcher._skip_to_block(lambda: docnum > matcher.block_max_id())
    if matcher._ids is None:
        matcher._read_ids()
    matcher._i = bisect_left(matcher._ids, docnum)
