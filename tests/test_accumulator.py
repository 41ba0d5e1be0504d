"""The accumulator (numpy first stage) against Whoosh's walk: the same pages, in the same
order with the same scores, the same totals and the same facets, on a real index of several
segments with deleted documents."""
from __future__ import annotations

import gc
import random
import time
import weakref
from dataclasses import replace

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import scoring
from whoosh import sorting

from search_service import accumulator as accumulator_module
from search_service import search
from search_service import segment_columns
from search_service.accumulator import Unreadable, _best, accumulator
from search_service.array_rankings import Phrase, PhraseBonus, arrays_ranking, one_phrase, loose_words
from search_service.cleaning import document_id
from search_service.indexer import RANK_FIELD, TITLE_WEIGHT, build_index, current_generation
from search_service.models import Document, SearchRequest
from search_service.query import parse
from search_service.query_builder import Filters, plan
from search_service.ranking import BM25, Optional, proximity_query
from search_service.search import FACETS, SearchIndex, _accumulated_page, _dated_page, _ranked_page, _walked_page

# A small vocabulary, so that documents share words and many scores tie (ties go to the
# lower document number, in both stages).
WORDS = ("harbour dredging river bank fox lazy dog quick brown market price oil wheat grain ship "
         "port tide storm coast barley").split()
FILLER = "the a of and in to was".split()
SITES = ("a.example.org", "b.example.com", "c.example.net", None)
AUTHORS = ("Jane Doe", "John Roe", None)

QUERIES = ["harbour", "fox dog", "quick brown fox", "the dog", "dog dog fox", "oil price wheat grain",
           "zebra", "zebra fox", "the", "storm coast ship port tide", "barley"]
FILTERS = [Filters(), Filters(site="a.example.org"), Filters(date_from="2005-01-01", date_to="2012-12-31"),
           Filters(author="Jane Doe"), Filters(site="b.example.com", date_from="2000-01-01")]


def document(rng: random.Random, n: int) -> Document:
    year = rng.choice((1999, 2005, 2012, 2020, None))
    return Document(
        id=document_id(f"doc-{n}"),
        source=f"src-{n % 10}",
        title=" ".join(rng.choices(WORDS, k=rng.randint(0, 3))),
        text=" ".join(rng.choices(WORDS + FILLER * 2, k=rng.randint(3, 80))),
        site=rng.choice(SITES),
        author=rng.choice(AUTHORS),
        published=f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}" if year else None,
    )


def add_segment(root, documents: list[Document], delete_sources: tuple[str, ...] = ()) -> None:
    """Documents added to the served generation as a segment of their own (no merge), after
    deleting those of delete_sources from the segments before."""
    writer = whoosh_index.open_dir(str(root / current_generation(root))).writer()
    for source in delete_sources:
        writer.delete_by_term("source", source)
    for doc in documents:
        writer.add_document(id=doc.id, source=doc.source, site=doc.site, title=doc.title, author=doc.author,
                            published=doc.published, year=doc.published[:4] if doc.published else None,
                            text=doc.text, content=f"{doc.title}\n{doc.text}")
    writer.commit(merge=False)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> SearchIndex:
    root = tmp_path_factory.mktemp("segments")
    rng = random.Random(5)
    docs = [document(rng, n) for n in range(700)]
    build_index(docs[:300], root)
    add_segment(root, docs[300:500], delete_sources=("src-3",))
    add_segment(root, docs[500:], delete_sources=("src-5",))
    served = SearchIndex(root)
    reader = served.searcher().reader()
    assert len(reader.leaf_readers()) == 3 and reader.has_deletions()
    return served


def both(searcher, tiers, filters, start: int, count: int):
    """(the accumulator's page, the walk's page) of tiers."""
    ranking = arrays_ranking(tiers)
    assert ranking is not None
    deadline = time.perf_counter() + 60
    return (_accumulated_page(searcher, tiers, ranking, filters, start, count, deadline),
            _walked_page(searcher, tiers, filters, start, count, deadline))


def assert_same(fast, walk) -> None:
    # The arrays add a document's scores in another order than Whoosh: the last bits may differ.
    assert [h.docnum for h in fast.hits] == [h.docnum for h in walk.hits]
    assert [h.score for h in fast.hits] == pytest.approx([h.score for h in walk.hits], rel=1e-12)
    assert (fast.total, fast.facets, fast.partial) == (walk.total, walk.facets, walk.partial)


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f.query()))
def test_every_hit_ranks_as_whoosh_ranks_it(index, q, filters):
    searcher = index.searcher()
    tiers = plan(parse(q), searcher.reader()).tiers
    fast, walk = both(searcher, tiers, filters.query(), 0, 1000)  # the whole ranking
    assert_same(fast, walk)


@pytest.mark.parametrize("q", ["fox dog", "quick brown fox", "the"])
@pytest.mark.parametrize("start", [0, 10, 37, 400])
def test_pages_are_the_walks_pages(index, q, start):
    searcher = index.searcher()
    tiers = plan(parse(q), searcher.reader()).tiers
    assert_same(*both(searcher, tiers, None, start, 10))


def word(term: str, weight: float) -> wq.Query:
    return wq.Or([wq.Term(RANK_FIELD, term, boost=weight), wq.Term("title", term, boost=weight * TITLE_WEIGHT)])


def test_words_that_only_reorder_are_scored_too(index):
    """A bonus of words and phrases (as pseudo-relevance feedback builds it): the words
    change the order, never which documents match."""
    words = [word("fox", 1.0), word("dog", 1.5)]
    bonus = wq.Or([word("river", 0.3), word("bank", 0.1), proximity_query(RANK_FIELD, ["fox", "dog"])])
    tiers = [Optional(wq.And(words), bonus), Optional(wq.Or(words), bonus)]
    shape = loose_words(tiers)
    assert [t.text for w in shape.extra for t in w] == ["river", "river", "bank", "bank"]
    assert [p.words for p in shape.phrases] == [("fox", "dog")]
    for filters in FILTERS:
        assert_same(*both(index.searcher(), tiers, filters.query(), 0, 1000))


def feedback_tiers(weights: dict[str, float]) -> list[wq.Query]:
    """Tiers of "fox dog" as feedback's final round builds them: reweighted, with words that only reorder."""
    words = [word("fox", weights["fox"]), word("dog", weights["dog"])]
    bonus = wq.Or([word(t, w) for t, w in weights.items() if t not in ("fox", "dog")]
                  + [proximity_query(RANK_FIELD, ["fox", "dog"])])
    return [Optional(wq.And(words), bonus), Optional(wq.Or(words), bonus)]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f.query()))
def test_a_second_round_re_ranking_every_match_ranks_as_whoosh(index, filters, monkeypatch):
    """Feedback's final round ranks the first round's pool: when the pool holds every
    match, its pages are the walk's pages of the reweighted query, total and facets too."""
    monkeypatch.setattr(accumulator_module, "RERANK_FROM", 0)  # a pool however few the matches
    searcher = index.searcher()
    first_tiers = plan(parse("fox dog"), searcher.reader()).tiers
    deadline = time.perf_counter() + 60
    first = _accumulated_page(searcher, first_tiers, arrays_ranking(first_tiers), filters.query(), 0, 5,
                              deadline, pool=10_000)
    assert len(first.stage.pool) == first.total
    tiers = feedback_tiers({"fox": 1.2, "dog": 1.0, "river": 0.3, "bank": 0.2})
    for start in (0, 10, 50):
        fast = _accumulated_page(searcher, tiers, arrays_ranking(tiers), filters.query(), start, 10, deadline,
                                 rerank=first.stage)
        walk = _walked_page(searcher, tiers, filters.query(), start, 10, deadline)
        assert_same(fast, walk)


@pytest.mark.parametrize("slots_up_to", [0, 8, 10**9], ids=["binary search", "both", "table"])
def test_a_second_round_ranks_the_first_rounds_best_documents_alone(index, slots_up_to, monkeypatch):
    """With a pool of 40 of the matches, the final round ranks those 40 and keeps the first
    round's total and facets, however it looks the posting lists up in the pool."""
    monkeypatch.setattr(accumulator_module, "SLOTS_UP_TO", slots_up_to)
    searcher = index.searcher()
    arrays = accumulator(searcher, FACETS)
    first_tiers = plan(parse("fox dog"), searcher.reader()).tiers
    first = arrays.stage(arrays_ranking(first_tiers), None, 5, pool=40)
    assert len(first.pool) == 40 and first.total >= accumulator_module.RERANK_FROM * 40
    # The pool comes from the tier of documents with both words, the first on the page.
    both_words = _walked_page(searcher, first_tiers[:1], None, 0, 1000, time.perf_counter() + 60)
    assert set(first.pool.tolist()) < {h.docnum for h in both_words.hits}
    best = _accumulated_page(searcher, first_tiers, arrays_ranking(first_tiers), None, 0, 10,
                             time.perf_counter() + 60)
    tiers = feedback_tiers({"fox": 1.0, "dog": 1.0, "storm": 0.3})
    page = _accumulated_page(searcher, tiers, arrays_ranking(tiers), None, 0, 40, time.perf_counter() + 60,
                             rerank=first)
    assert {h.docnum for h in page.hits} == set(first.pool.tolist())
    assert (page.total, page.facets) == (best.total, best.facets)
    # Reordered by the words that only reorder: as the walk orders those 40 documents.
    walk = _walked_page(searcher, tiers, set(first.pool.tolist()), 0, 40, time.perf_counter() + 60)
    assert [h.docnum for h in page.hits] == [h.docnum for h in walk.hits]
    # The table of places in the pool is handed back clean for the next query.
    assert (arrays._pool_table() == -1).all()


def test_a_first_round_of_few_matches_keeps_no_pool(index):
    """Under RERANK_FROM times the pool in matches, the final round ranks every match again."""
    searcher = index.searcher()
    first_tiers = plan(parse("fox dog"), searcher.reader()).tiers
    first = accumulator(searcher, FACETS).stage(arrays_ranking(first_tiers), None, 5, pool=1000)
    assert first.total < accumulator_module.RERANK_FROM * 1000 and first.pool is None


def test_a_field_the_index_lacks_matches_nothing(index):
    words = [wq.Or([wq.Term(RANK_FIELD, "fox"), wq.Term("no_such_field", "fox")]), word("dog", 1.0)]
    tiers = [wq.And(words), wq.Or(words)]
    assert_same(*both(index.searcher(), tiers, None, 0, 1000))


PHRASES = ['"lazy dog"', 'title:"lazy dog"', '"the dog"', '"dog dog"', '"quick brown fox"', '"of the"', '"harbour zebra"', '"fox fox fox"',
           '"lazy dog" -fox', '"the dog" -title:lazy -harbour',
           # loose phrases: each word within n positions after the one before
           '"lazy dog"~2', '"quick fox"~3', '"dog dog"~4', '"the dog fox"~1', 'title:"fox dog"~2', '"quick brown fox"~5 -harbour']


@pytest.mark.parametrize("q", PHRASES)
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f.query()))
def test_an_exact_phrase_ranks_as_whoosh_ranks_it(index, q, filters):
    searcher = index.searcher()
    tiers = plan(parse(q), searcher.reader()).tiers
    assert isinstance(one_phrase(tiers), Phrase)
    fast, walk = both(searcher, tiers, filters.query(), 0, 1000)
    assert_same(fast, walk)
    if q in ('"lazy dog"', '"the dog"') and filters.query() is None:
        assert fast.total > 0  # phrases that are there to be found


@pytest.mark.parametrize("q", ['"lazy dog"', '"the dog"'])
@pytest.mark.parametrize("start", [0, 10, 37])
def test_phrase_pages_are_the_walks_pages(index, q, start):
    searcher = index.searcher()
    assert_same(*both(searcher, plan(parse(q), searcher.reader()).tiers, None, start, 10))


def test_a_phrase_is_found_only_where_its_words_stand_side_by_side(index):
    searcher = index.searcher()
    arrays = accumulator(searcher, FACETS)
    found = set(arrays.phrase_docs(RANK_FIELD, ("lazi", "dog")).tolist())
    both_words = set(arrays.postings(RANK_FIELD, "lazi").docs.tolist()) & set(arrays.postings(RANK_FIELD, "dog").docs.tolist())
    assert found and found < both_words  # some documents have both words apart
    walked = {d for d in searcher.docs_for_query(wq.Phrase(RANK_FIELD, ["lazi", "dog"]))}
    assert found - walked <= {d for d in found if not arrays.live()[d]}  # deleted ones aside, Whoosh's set


@pytest.mark.parametrize("words", [("lazi", "dog"), ("dog", "lazi"), ("dog", "dog"), ("quick", "brown", "fox"),
                                   ("fox", "the", "dog", "fox")])
@pytest.mark.parametrize("slop", [2, 3, 7])
def test_a_loose_phrase_is_found_where_whoosh_finds_it(index, words, slop):
    """Each word 1 to `slop` positions after the one before, as Whoosh's Phrase(slop=...)
    (SpanNear2, ordered) matches: a word repeated is another position of it."""
    searcher = index.searcher()
    arrays = accumulator(searcher, FACETS)
    found = arrays.phrase_docs(RANK_FIELD, words, slop)
    walked = set(searcher.docs_for_query(wq.Phrase(RANK_FIELD, list(words), slop=slop)))
    assert {d for d in found.tolist() if arrays.live()[d]} == walked  # deleted ones aside
    assert set(arrays.phrase_docs(RANK_FIELD, words).tolist()) <= set(found.tolist())
    if slop == 7:
        assert walked and len(found) > len(arrays.phrase_docs(RANK_FIELD, words))


# Words that stand for several (OR, a prefix, a fuzzy word), exclusions, and parts every
# match must have (exact phrases, scoped words), alone and with other words: the arrays read
# them as loose words.
SHAPES = ["fox OR dog", "harbour OR zebra", "quick fox OR dog", "dred*", "b*", "harbor~", "quick bro*", "fox -dog",
          "quick brown -fox", "oil price -wheat -grain", "b* -dog", "dog -\"lazy dog\"", "fox -title:dog",
          "harbour -site:a.example.org", "zebra OR quagga", "title:fox", "title:fox -dog",
          '"lazy dog" fox', '"lazy dog" quick brown', '"the dog" "lazy dog"', "title:fox dog", '"lazy dog" fox -harbour',
          'title:"lazy dog" fox', '"the dog" fox OR harbour', "title:fox quick brown", "site:a.example.org fox dog",
          '"lazy dog" "harbour zebra" fox', '"of the" b*', '"lazy dog" quick b* OR dog', '"lazy dog" OR fox',
          '"lazy dog" OR "quick brown" harbour', 'fox "the dog" OR river -tide', 'fox (dog OR "lazy dog")',
          '"lazy dog"~3 fox', '"lazy dog"~2 OR fox', '"dog fox"~4 "the dog" harbour']


@pytest.mark.parametrize("q", SHAPES)
@pytest.mark.parametrize("filters", FILTERS[:3], ids=lambda f: repr(f.query()))
def test_words_standing_for_several_and_exclusions_rank_as_whoosh_ranks_them(index, q, filters):
    searcher = index.searcher()
    tiers = plan(parse(q), searcher.reader()).tiers
    assert loose_words(tiers) is not None
    fast, walk = both(searcher, tiers, filters.query(), 0, 1000)
    assert_same(fast, walk)
    if q in ("fox OR dog", "dred*", "fox -dog") and filters.query() is None:
        assert fast.total > 0  # words that are there to be found


@pytest.mark.parametrize("q", [q for q in SHAPES if " -" in q and q != "b* -dog"])  # that one has no hit
def test_the_walk_lets_no_excluded_document_through(index, q):
    """Whoosh's AndNot did, where a segment's first excluded document came before its first
    match (query_builder.Excluding)."""
    searcher = index.searcher()
    tiers = plan(parse(q), searcher.reader()).tiers
    excluded = set(searcher.docs_for_query(tiers[0].b))
    walk = _walked_page(searcher, tiers, None, 0, 1000, time.perf_counter() + 60)
    assert walk.hits and not {h.docnum for h in walk.hits} & excluded


@pytest.mark.parametrize("q", QUERIES + PHRASES + SHAPES)
@pytest.mark.parametrize("filters", FILTERS[:3], ids=lambda f: repr(f.query()))
def test_pages_newest_first_are_the_walks_pages(index, q, filters):
    """Dates tie (and some documents have none): ties go to the lower document number."""
    searcher = index.searcher()
    tiers = plan(parse(q), searcher.reader()).tiers
    deadline = time.perf_counter() + 60
    for start in (0, 10, 30):
        fast, walk = (_dated_page(searcher, tiers, filters.query(), start, 10, deadline, accumulate=accumulate)
                      for accumulate in (True, False))
        assert [h.fields()["id"] for h in fast.hits] == [h.fields()["id"] for h in walk.hits]
        assert (fast.total, fast.facets, fast.partial) == (walk.total, walk.facets, walk.partial)
    if q == "harbour" and filters.query() is None:
        first = _dated_page(searcher, tiers, None, 0, 10, deadline, accumulate=True)
        published = [h.fields().get("published") for h in first.hits]
        assert first.total > 40 and None not in published and published == sorted(published, reverse=True)


@pytest.mark.parametrize("q", ["oil OR lazy OR tide was", "harbour wheat OR grain OR ship", "fox OR dog OR river the"])
def test_a_walks_first_page_is_the_top_of_its_whole_ranking(index, q):
    """Whoosh's top-N collector, replacing its matcher as it went, lost the best documents of
    an Or of three words beside another word (search._collector)."""
    searcher = index.searcher()
    tiers = plan(parse(q), searcher.reader()).tiers
    deadline = time.perf_counter() + 60
    page = _walked_page(searcher, tiers, None, 0, 5, deadline)
    whole = _walked_page(searcher, tiers, None, 0, 1000, deadline)
    assert [h.docnum for h in page.hits] == [h.docnum for h in whole.hits[:5]]


@pytest.mark.parametrize("q", ['"lazy dog" -fox', '"the dog" -title:lazy -harbour'])
def test_exclusions_take_pages_out_of_an_exact_phrases(index, q):
    searcher = index.searcher()
    [with_exclusions, without] = [both(searcher, plan(parse(text), searcher.reader()).tiers, None, 0, 10)[0]
                                  for text in (q, q.split(" -")[0])]
    assert 0 < with_exclusions.total < without.total


@pytest.mark.parametrize("q", ['"lazy dog" fox', '"lazy"', '"lazy dog" OR fox'])
def test_other_phrases_are_not_read_as_one_phrase(index, q):
    assert one_phrase(plan(parse(q), index.searcher().reader()).tiers) is None


@pytest.mark.parametrize("q", ['"lazy dog"', "fox*", "fox~", "fox OR dog", "title:fox", "fox -dog", "site:a.example.org fox"])
def test_other_queries_are_walked(index, q):
    assert not plan(parse(q), index.searcher().reader()).words_only


@pytest.mark.parametrize("q", ["quick-brown OR fox"])
def test_other_shapes_are_not_read_as_loose_words(index, q):
    assert loose_words(plan(parse(q), index.searcher().reader()).tiers) is None


def test_search_answers_the_same_with_and_without_the_accumulator(index, monkeypatch):
    others = ['"lazy dog"', '"the dog" fox', "title:fox", "site:a.example.org fox", 'title:"lazy dog"', '"lazy dog"~3',
              '"lazy dog" -fox']
    requests = [SearchRequest(q, page=p, site=s) for q in QUERIES + PHRASES + SHAPES + others for p in (1, 3)
                for s in (None, "c.example.net")]
    fast = [index.search(r) for r in requests]
    monkeypatch.setattr(search, "ACCUMULATE", False)
    index._cache.clear()
    walked = [index.search(r) for r in requests]
    for f, w in zip(fast, walked):
        assert ([h.id for h in f.hits], f.total, f.facets) == ([h.id for h in w.hits], w.total, w.facets)


def test_any_weighting_of_frequency_and_length_works(index):
    """Whoosh's own BM25F is scored from the arrays as well; TF-IDF (not a function of
    frequency and length) is walked instead."""
    ix = whoosh_index.open_dir(str(index.root / index.generation))
    tiers = plan(parse("quick brown fox"), index.searcher().reader()).tiers
    with ix.searcher(weighting=scoring.BM25F()) as bm25f:
        assert_same(*both(bm25f, tiers, None, 0, 1000))
    with ix.searcher(weighting=scoring.TF_IDF()) as tf_idf:
        with pytest.raises(Unreadable):
            both(tf_idf, tiers, None, 0, 10)
        deadline = time.perf_counter() + 60
        assert_same(_ranked_page(tf_idf, tiers, None, 0, 10, deadline, accumulate=True),
                    _walked_page(tf_idf, tiers, None, 0, 10, deadline))


def test_a_phrases_bound_is_its_score_where_it_is_found(index):
    """What makes the candidates enough: a phrase adds at most its bound, and where it is
    found it adds exactly that."""
    searcher = index.searcher()
    arrays = accumulator(searcher, FACETS)
    for words in (("quick", "brown"), ("river", "bank"), ("fox", "dog")):
        found = {h.docnum: h.score for h in searcher.search(wq.Phrase(RANK_FIELD, list(words), boost=0.3), limit=None)}
        bound = arrays.phrase_bound((PhraseBonus(RANK_FIELD, words, 0.3),))
        assert found
        assert {d: float(bound[d]) for d in found} == pytest.approx(found)


def test_phrases_are_bounded_only_where_they_could_change_the_best(index):
    """A document whose words' score plus the most any phrase adds cannot reach the k-th
    best, or that lacks a phrase's words, keeps its score without phrases: the best k by
    that are the best k by every document's full bound."""
    searcher = index.searcher()
    arrays = accumulator(searcher, FACETS)
    docs = np.flatnonzero(arrays.live())
    spared = 0
    for q in ("quick brown fox", "lazy dog", "storm coast ship port tide", "oil price wheat grain"):
        words = loose_words(plan(parse(q), searcher.reader()).tiers)
        assert words.phrases
        low = arrays.scores(replace(words, phrases=()), docs)
        present = sum(np.isin(docs, np.concatenate([arrays.postings(t.field, t.text).docs for t in word]))
                      for word in words.words).astype(np.int32)
        full = low + arrays.phrase_bound(words.phrases, docs)
        for k in (1, 10, 50):
            high = arrays._high(words, docs, low, present, (k,))
            assert _best(docs, high, k).tolist() == _best(docs, full, k).tolist()
            assert np.all(high <= full + 1e-12) and np.all(high >= low)
            spared += int(np.sum((high == low) & (full > low)))
    assert spared > 0  # some documents' phrases were not bounded


def test_exact_scores_are_whooshs_scores(index):
    """The few documents scored exactly get the score Whoosh's walk gives them, proximity
    bonus (phrases found by positions) included."""
    searcher = index.searcher()
    arrays = accumulator(searcher, FACETS)
    for q in ("quick brown fox", "lazy dog", "dog dog fox"):
        tier = plan(parse(q), searcher.reader()).tiers[-1]
        everything = {h.docnum: h.score for h in searcher.search(tier, limit=None)}
        some = np.asarray(sorted(everything)[::7])
        scores = arrays.scores(arrays_ranking([tier]) or loose_words(plan(parse(q), searcher.reader()).tiers), some)
        assert scores.tolist() == pytest.approx([everything[d] for d in some.tolist()], rel=1e-12)


def test_candidates_carry_their_words_scores_as_the_stage_summed_them(index):
    """What lets the exact scores start from the stage's sums: the candidates' words score
    what scoring them afresh gives (phrases then add the same on top)."""
    searcher = index.searcher()
    arrays = accumulator(searcher, FACETS)
    for q in ("quick brown fox", "lazy dog", '"lazy dog"', "dog dog fox"):
        ranking = arrays_ranking(plan(parse(q), searcher.reader()).tiers)
        for candidates in arrays.stage(ranking, None, 10).candidates:
            assert len(candidates.words) == len(candidates.docs)
            fresh = arrays.scores(ranking, candidates.docs)
            assert arrays.scores(ranking, candidates.docs, candidates.words).tolist() == pytest.approx(fresh.tolist(), rel=1e-12)
            assert arrays.ranked(ranking, candidates.docs, candidates.words)[0].tolist() == \
                arrays.ranked(ranking, candidates.docs)[0].tolist()


def test_a_cached_term_keeps_its_documents_and_scores_alone(index):
    """12 bytes a posting (what POSTINGS_BUDGET's memory is reckoned from): the frequencies
    the scores came from are not kept."""
    arrays = accumulator(index.searcher(), FACETS)
    for text in ("fox", "dog", "quick"):
        postings = arrays.postings("content", text)
        held = [value for value in vars(postings).values() if isinstance(value, np.ndarray)]
        assert len(postings.docs) > 0
        assert sum(array.nbytes for array in held) == 12 * len(postings.docs)


def test_the_first_stage_counts_what_whoosh_counts(index):
    searcher = index.searcher()
    arrays = accumulator(searcher, FACETS)
    stage = arrays.first_stage(loose_words([word("fox", 1.0)]), None, 10)
    results = searcher.search(word("fox", 1.0), limit=None, groupedby=FACETS)
    assert stage.total == len(results)
    for name in FACETS:
        assert {k: len(v) for k, v in results.groups(name).items()} == arrays.facets_of(stage.docs)[name]


@pytest.mark.parametrize("q", QUERIES + SHAPES)
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f.query()))
def test_the_first_tier_is_counted_as_whoosh_counts_it(index, q, filters):
    searcher = index.searcher()
    tiers = plan(parse(q), searcher.reader()).tiers
    counted = accumulator(searcher, FACETS).first_tier_total(loose_words(tiers), filters.query())
    assert counted == search._count(searcher, tiers[0], filters.query())


def test_lengths_facets_and_date_order_read_in_one_piece_are_those_read_document_by_document(index, monkeypatch):
    searcher = index.searcher()
    for leaf, offset in searcher.leaf_searchers():  # the index's segments are read in one piece
        assert segment_columns.segment_lengths(leaf.reader(), RANK_FIELD, leaf.doc_count_all()) is not None
        categorizer = FACETS["site"].categorizer(searcher)
        categorizer.set_searcher(leaf, offset)
        assert segment_columns.column_keys(categorizer, leaf.doc_count_all()) is not None
    bulk = accumulator_module.Accumulator(searcher, FACETS)
    read = (lambda arrays: ([arrays.lengths(f) for f in (RANK_FIELD, "title", "author")],
                            [arrays._facet(name) for name in FACETS], arrays._sort_places(search.NEWEST_FIRST)))
    fast = read(bulk)
    monkeypatch.setattr(accumulator_module, "segment_lengths", lambda reader, field, n: None)
    monkeypatch.setattr(segment_columns, "column_keys", lambda categorizer, n: None)
    slow = read(accumulator_module.Accumulator(searcher, FACETS))
    assert all(np.array_equal(a, b) for a, b in zip(fast[0], slow[0]))
    assert all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(fast[1], slow[1]))
    assert np.array_equal(fast[2], slow[2])
    assert fast[0][0].any() and len(fast[1][0][1]) > 2 and len(set(fast[2].tolist())) > 50  # real values


def test_facet_values_and_date_places_are_those_whoosh_gives_document_by_document(index):
    """Worked out once a distinct key (segment_codes), each document's facet value and
    place in the date order are what Whoosh's categorizers give a document at a time; the
    values are numbered in the order the documents first have them."""
    searcher = index.searcher()
    arrays = accumulator_module.Accumulator(searcher, FACETS)

    def keys_of(facet):
        categorizer = facet.categorizer(searcher)
        keys = []
        for leaf, offset in searcher.leaf_searchers():
            categorizer.set_searcher(leaf, offset)
            keys += [(categorizer.key_for(None, d), categorizer.key_to_name(categorizer.key_for(None, d)))
                     for d in range(leaf.doc_count_all())]
        return keys

    for name, facet in FACETS.items():
        values = [value for _, value in keys_of(facet)]
        ordinals, names = arrays._facet(name)
        assert names == list(dict.fromkeys(values)) and len(names) > 2
        assert [names[o] for o in ordinals] == values
    for facet in (search.NEWEST_FIRST, sorting.TranslateFacet(lambda key: key[:4], sorting.FieldFacet("published"))):
        # (a translation of many keys into one: a date's year)
        keys = [key for key, _ in keys_of(facet)]
        order = sorted(set(keys))
        assert arrays._sort_places(facet).tolist() == [order.index(key) for key in keys]
        assert 1 < len(order) < len(keys)


def test_the_arrays_go_with_their_searcher(index):
    """A worker that switches to a new generation does not keep the old one's arrays."""
    searcher = whoosh_index.open_dir(str(index.root / index.generation)).searcher(weighting=BM25())
    arrays = weakref.ref(accumulator(searcher, FACETS))
    tiers = plan(parse("quick brown fox"), searcher.reader()).tiers
    both(searcher, tiers, Filters(site="a.example.org").query(), 0, 10)
    assert arrays() is accumulator(searcher, FACETS)
    searcher.close()
    del searcher
    gc.collect()
    assert arrays() is None
