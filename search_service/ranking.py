"""Ranking helpers for the search stage: BM25 weighting, query cleaning, optional clauses.

Measured on four test collections with relevance judgements (benchmarks/ranking.py and
benchmarks/README.md); each piece here is kept because it raised nDCG@10 there:

* BM25 with the Robertson/Lucene idf, log(1 + (N - df + 0.5) / (df + 0.5)), over one combined
  title + body field. Whoosh's BM25F uses a tf-idf idf, log(N / (df + 1)) + 1, which gives a
  word found in every document a weight of 1 next to 5-8 for a rare one; with the
  Robertson idf such words weigh close to nothing.
* BM25+'s lower bound (Lv and Zhai, 2011): a word a document has adds at least DELTA × its
  idf, however long the document.
* Query cleaning: function words ("what", "are", "of"…) are left out of the ranking query
  and of the all-words tier, unless the query has nothing else. The index keeps them, so
  quoted phrases stay exact.
* Query term frequency: a word the query repeats weighs that many times (BM25's qtf).
* Proximity: documents where two consecutive query words stand side by side get a bonus.
* Pseudo-relevance feedback (Rocchio): the words that weigh most in the first ranking's top
  FEEDBACK_DOCS documents join the ranking query at up to FEEDBACK_WEIGHT of a query word.
  They only reorder: the documents that match stay those the user's words match, and when
  5,000 or more match, the final round re-ranks the first ranking's best 1,000 rather than
  every match again (accumulator.RERANK_POOL; the four collections are too small for that
  to happen, but re-ranking every query so, even over a pool of only the 100 hits asked
  for, gave the same nDCG@10 on each of them). The query's own words keep weight 1 each, so
  a long query is moved less than a short one.
  Each document's words count as their share of it, smoothed by FEEDBACK_SMOOTHING words
  (Dirichlet): unsmoothed, a record of a title alone gave each of its five words a fifth of
  its weight and drowned the abstracts beside it (CACM, half of it titles: 0.490 → 0.510).
"""
from __future__ import annotations

import math
import struct
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from heapq import nlargest
from operator import itemgetter

from whoosh import query as wq
from whoosh.matching import NullMatcher
from whoosh.matching.binary import AndMaybeMatcher
from whoosh.scoring import WeightingModel, WeightLengthScorer, WeightScorer

from .analysis import ANALYZER, content, terms

# BM25's free parameters, the textbook defaults (k1=0.9, b=0.4 measured worse here).
K1 = 1.2
B = 0.75
# BM25+'s delta: without it, a long document that has a word once scores it near nothing,
# barely above a document without it. Swept over 0-1 on the four collections
# (benchmarks/README.md): 0.25 has the best mean nDCG@10, 0.2 and 0.3 are as good; 1, the
# paper's value, is worse than none here.
DELTA = 0.25

# Weight of a pair of consecutive query words found side by side, next to 1 for a word.
# Swept over 0-0.45 on the four collections (benchmarks/README.md): 0.25 has the best mean
# nDCG@10 and is better than 0.3 on each of them; 0.2 and 0.3 are as good on the mean.
PROXIMITY_WEIGHT = 0.25

# Pseudo-relevance feedback: documents read, words added, weight of the strongest added word.
FEEDBACK_DOCS = 5
FEEDBACK_TERMS = 10
FEEDBACK_WEIGHT = 0.3
# Pseudo-words added to each feedback document's length, so that a short one (a title alone)
# does not weigh its few words more than a long one weighs its main words.
FEEDBACK_SMOOTHING = 50
# Feedback reads the start of each top document: the part a page's topic shows in, at a
# bounded cost for long pages.
FEEDBACK_CHARS = 20_000

# English function words (NLTK's list). They are matched through the analyser, so the
# set below holds their stems.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can did do does doing don down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own s same she should so some such t than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with you your yours yourself yourselves
""".split())


class BM25(WeightingModel):
    """Okapi BM25+ with the Robertson (Lucene) idf; k1, b and delta as above."""

    def __init__(self, k1: float = K1, b: float = B, delta: float = DELTA) -> None:
        self.k1 = k1
        self.b = b
        self.delta = delta

    def supports_block_quality(self) -> bool:
        return True

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return _BM25Scorer(searcher, fieldname, text, self.formula)


    def formula(self, df: int, n: int, avgfl: float) -> BM25Formula:
        """The score of a term from its statistics (what scorer() reads from the index)."""
        return BM25Formula(df, n, avgfl, self.k1, self.b, self.delta)


class BM25Formula:
    """BM25+ of one term from its document frequency among n documents of average length
    avgfl: `_score(frequency, length)` of a document that has the term (frequency > 0), on
    numbers or numpy arrays alike."""

    def __init__(self, df: int, n: int, avgfl: float, k1: float, b: float, delta: float = 0.0) -> None:
        self.idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        self.avgfl = avgfl or 1
        self.k1 = k1
        self.b = b
        self.delta = delta

    def _score(self, weight: float, length: int) -> float:
        norm = self.k1 * (1.0 - self.b + self.b * length / self.avgfl)
        return self.idf * (weight * (self.k1 + 1.0) / (weight + norm) + self.delta)


class _BM25Scorer(WeightLengthScorer):
    def __init__(self, searcher, fieldname, text, formula) -> None:
        parent = searcher.get_parent()  # collection-wide statistics
        self.formula = formula(parent.doc_frequency(fieldname, text), parent.doc_count_all(),
                               parent.avg_field_length(fieldname))
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: int) -> float:
        return self.formula._score(weight, length)


def ranking_words(words: list[str], stopwords: Iterable[str] = STOPWORDS) -> list[str]:
    """The query's words that carry meaning: without function words, unless that is all of them."""
    stops = _stop_stems() if stopwords is STOPWORDS else frozenset(stopwords)
    kept = [w for w in words if w not in stops]
    return kept or list(words)


_STOP_STEMS: frozenset[str] | None = None


def _stop_stems() -> frozenset[str]:
    global _STOP_STEMS
    if _STOP_STEMS is None:
        _STOP_STEMS = frozenset(t.text for w in STOPWORDS for t in ANALYZER(w))
    return _STOP_STEMS


@dataclass(frozen=True)
class FeedbackTerms:
    """What feedback reads of one document: its length in words, and the count of each word
    that can be a topic (no function words or numbers), in order of first use."""

    length: int
    words: tuple[str, ...]
    counts: tuple[int, ...]

    @classmethod
    def of_counts(cls, counts: dict[str, int], length: int) -> FeedbackTerms:
        """Those of a document whose `length` index words count `counts` (in order of first use)."""
        stops = _stop_stems()
        counted = [(word, count) for word, count in counts.items()
                   if word not in stops and len(word) > 1 and not word.isdigit()]
        return cls(length, tuple(w for w, _ in counted), tuple(c for _, c in counted))

    def to_bytes(self) -> bytes:
        """As a document's feedback column holds them: _HEADER, the counts, the words."""
        counts = array("H" if max(self.counts, default=0) < 2 ** 16 else "I", self.counts)
        if sys.byteorder == "big":
            counts.byteswap()
        return (_HEADER.pack(self.length, counts.itemsize, len(counts)) + counts.tobytes()
                + " ".join(self.words).encode("utf-8"))

    @classmethod
    def from_bytes(cls, data: bytes) -> FeedbackTerms:
        """What to_bytes wrote."""
        length, itemsize, count = _HEADER.unpack_from(data)
        counts = array("H" if itemsize == 2 else "I")
        end = _HEADER.size + count * itemsize
        counts.frombytes(data[_HEADER.size:end])
        if sys.byteorder == "big":
            counts.byteswap()
        words = data[end:].decode("utf-8").split(" ") if count else []
        return cls(length, tuple(words), tuple(counts))


# FeedbackTerms.to_bytes's header: the document's length in words, the bytes of each count,
# the number of words (then the counts, then the words, one space between each two).
_HEADER = struct.Struct("<IBI")


def feedback_terms(words: Sequence[str]) -> FeedbackTerms:
    """A document's FeedbackTerms from its index words, in order."""
    return FeedbackTerms.of_counts(Counter(words), len(words))


def text_feedback_terms(title: str | None, text: str | None) -> FeedbackTerms:
    """A document's FeedbackTerms: those of its title and its text's first FEEDBACK_CHARS
    characters."""
    return feedback_terms(terms(content(title, (text or "")[:FEEDBACK_CHARS])))


def document_feedback_terms(title: str | None, text: str | None, content_terms: Sequence[str]) -> FeedbackTerms:
    """text_feedback_terms, from the terms of the document's `content` (ANALYZER's, in order)
    unless its text is longer than FEEDBACK_CHARS."""
    if text is not None and len(text) > FEEDBACK_CHARS:
        return text_feedback_terms(title, text)
    return feedback_terms(content_terms)


def feedback_weights(
    query_words: Sequence[str],
    feedback: Sequence[tuple[float, Sequence[str] | FeedbackTerms]],
    terms: int = FEEDBACK_TERMS,
    weight: float = FEEDBACK_WEIGHT,
) -> dict[str, float]:
    """Ranking weights of the query's words after feedback from its top documents, each as
    (score, its index words or their FeedbackTerms): each query word its count, plus up to
    `terms` words of those documents."""
    weights: dict[str, float] = dict(Counter(query_words))
    total = sum(score for score, _ in feedback)
    if total <= 0:
        return weights
    relevance: Counter[str] = Counter()
    for score, words in feedback:
        document = words if isinstance(words, FeedbackTerms) else feedback_terms(words)
        if not document.length:
            continue
        # A word's (smoothed) share of the document, weighted by the document's share of the scores.
        share = score / total / (document.length + FEEDBACK_SMOOTHING)
        for word, count in zip(document.words, document.counts):
            relevance[word] += share * count
    top = nlargest(terms, relevance.items(), key=itemgetter(1))  # as a stable sort, ties in first-seen order
    for word, value in top:
        weights[word] = weights.get(word, 0.0) + weight * value / top[0][1]
    return weights


def proximity_query(field: str, words: list[str], weight: float = PROXIMITY_WEIGHT) -> wq.Query | None:
    """Optional bonus for each pair of consecutive words found side by side, or None."""
    pairs = [wq.Phrase(field, [a, b], boost=weight) for a, b in zip(words, words[1:]) if a != b]
    if not pairs:
        return None
    return pairs[0] if len(pairs) == 1 else wq.Or(pairs)


class Optional(wq.AndMaybe):
    """`AndMaybe` (documents must match the first query; the second only adds to the score)
    with correct top-N results.

    whoosh3 3.54's AndMaybe matcher returns wrong top-N documents when the collector prunes
    by score (its `replace`/`skip_to_quality`): on Cranfield 38 of 40 queries of the form
    AndMaybe(words, other words) had a different top 10 with `limit=10` than with
    `limit=None`. This matcher never prunes, so it scores every document the first query
    matches.
    """

    def matcher(self, searcher, context=None):
        m = super().matcher(searcher, context)
        return _ExactAndMaybeMatcher(m.a, m.b) if isinstance(m, AndMaybeMatcher) else m


class _ExactAndMaybeMatcher(AndMaybeMatcher):
    def replace(self, minquality=0):
        if not self.a.is_active():
            return NullMatcher()
        if not self.b.is_active():
            return self.a.replace(0)
        return self

    def supports_block_quality(self) -> bool:
        return False

    def skip_to_quality(self, minquality) -> int:
        return 0
