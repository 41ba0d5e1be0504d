"""Ranking: BM25 over the combined field, query cleaning, query term frequency, proximity,
and the AndMaybe replacement that keeps top-N results exact."""
from __future__ import annotations

import math

import pytest
from whoosh import query as wq

from search_service.cleaning import document_id
from search_service.indexer import RANK_FIELD, build_index
from search_service.models import Document, SearchRequest
from search_service.ranking import BM25, DELTA, FEEDBACK_WEIGHT, Optional, feedback_terms, feedback_weights, ranking_words
from search_service.search import SearchIndex


def make_index(root, docs: dict[str, tuple[str, str]]) -> SearchIndex:
    build_index([Document(id=document_id(k), source=k, title=t, text=x) for k, (t, x) in docs.items()], root)
    return SearchIndex(root)


def sources(results):
    return [h.source for h in results.hits]


FILLER = "Some unrelated words about weather, markets and gardens fill the rest of this page. "


def test_adjacent_words_rank_above_scattered_ones(tmp_path):
    index = make_index(tmp_path, {
        "scattered": ("Report", "The heat was high. Later, transfer of staff took place. " + FILLER),
        "adjacent": ("Report", "The heat transfer was high. Later, the staff took place. " + FILLER),
    })
    assert sources(index.search(SearchRequest("heat transfer"))) == ["adjacent", "scattered"]


def test_function_words_do_not_decide_the_all_words_tier(tmp_path):
    # Only "content" has both words that carry meaning; "stopwords" has more of the query's
    # words, but they are "of" and "the".
    index = make_index(tmp_path, {
        "stopwords": ("Notes", "The theory of the boundary of the field of the art."),
        "content": ("Notes", "Boundary layers on flat plates."),
    })
    assert sources(index.search(SearchRequest("of the boundary layers"))) == ["content", "stopwords"]


def test_a_query_of_function_words_only_still_searches_them():
    assert ranking_words(["the", "who"]) == ["the", "who"]
    assert ranking_words(["what", "are", "boundari", "layer"]) == ["boundari", "layer"]


def test_documents_with_only_function_words_do_not_match(tmp_path):
    index = make_index(tmp_path, {
        "only-the": ("Notes", "The the the of of of. " + FILLER),
        "fox": ("Notes", "A fox ran. " + FILLER),
    })
    assert sources(index.search(SearchRequest("the fox"))) == ["fox"]


def test_a_word_the_query_repeats_weighs_more(tmp_path):
    index = make_index(tmp_path, {
        "alpha": ("Notes", "alpha gamma " + FILLER),
        "beta": ("Notes", "beta gamma " + FILLER),
    })
    assert sources(index.search(SearchRequest("alpha beta beta")))[0] == "beta"
    assert sources(index.search(SearchRequest("alpha alpha beta")))[0] == "alpha"


def test_title_and_text_are_ranked_as_one_field(tmp_path):
    # The same words, once in the title and once in the text: one combined field gives the
    # two pages the same length and frequencies, the title weight puts the title first.
    index = make_index(tmp_path, {
        "in-text": ("Notes", "Supersonic flutter of panels. " + FILLER),
        "in-title": ("Supersonic flutter", "Notes of panels. " + FILLER),
    })
    hits = index.search(SearchRequest("supersonic flutter")).hits
    assert [h.source for h in hits] == ["in-title", "in-text"]
    searcher = index.searcher()
    assert searcher.doc_frequency(RANK_FIELD, "flutter") == 2


def test_bm25_idf_is_robertson_so_a_word_in_every_document_weighs_almost_nothing(tmp_path):
    docs = {f"d{i}": ("Notes", f"common word{i} " + FILLER) for i in range(20)}
    index = make_index(tmp_path, docs)
    searcher = index.searcher()
    scorer = BM25().scorer(searcher, RANK_FIELD, "common")
    assert scorer.formula.idf == pytest.approx(math.log(1 + 0.5 / 20.5))
    rare = BM25().scorer(searcher, RANK_FIELD, "word3")
    assert rare.formula.idf == pytest.approx(math.log(1 + 19.5 / 1.5))


def test_bm25_plus_a_word_in_a_very_long_document_still_counts_for_something(tmp_path):
    docs = {"short": ("Notes", "rare " + FILLER), "long": ("Notes", "rare " + FILLER * 1000),
            **{f"d{i}": ("Notes", FILLER) for i in range(40)}}
    index = make_index(tmp_path, docs)
    searcher = index.searcher()
    formula = BM25().scorer(searcher, RANK_FIELD, "rare").formula
    long_length = searcher.doc_field_length(_docnum(searcher, "long"), RANK_FIELD)
    # Plain BM25 (delta 0) scores the long document's one "rare" near nothing; BM25+ keeps
    # DELTA × idf of it.
    plain = BM25(delta=0).scorer(searcher, RANK_FIELD, "rare").formula
    assert plain._score(1, long_length) < 0.1 * formula.idf
    assert formula._score(1, long_length) >= DELTA * formula.idf
    hits = index.search(SearchRequest("rare")).hits
    assert [h.source for h in hits] == ["short", "long"]
    assert hits[1].score >= DELTA * formula.idf


def _docnum(searcher, source: str) -> int:
    return next(iter(searcher.document_numbers(source=source)))


def test_optional_returns_the_same_top_documents_as_an_exhaustive_search(tmp_path):
    words = ["alpha", "beta", "gamma", "delta", "omega"]
    docs = {}
    for i in range(300):
        text = " ".join(words[j] for j in range(5) if (i * (j + 3)) % (j + 2) == 0) or "none"
        docs[f"d{i}"] = ("Notes", f"{text} {'gamma ' * (i % 7)}{FILLER * (1 + i % 5)}")
    index = make_index(tmp_path, docs)
    searcher = index.searcher()
    required = wq.Or([wq.Term(RANK_FIELD, w) for w in ["alpha", "beta"]])
    optional = wq.Or([wq.Term(RANK_FIELD, w, boost=0.5) for w in ["gamma", "delta", "omega"]])
    query = Optional(required, optional)
    top = [round(h.score, 6) for h in searcher.search(query, limit=10)]
    everything = [round(h.score, 6) for h in searcher.search(query, limit=None)][:10]
    assert top == everything
    matched = {h.docnum for h in searcher.search(query, limit=None)}
    assert matched == {h.docnum for h in searcher.search(required, limit=None)}


def test_snippets_mark_the_words_that_carry_meaning(tmp_path):
    index = make_index(tmp_path, {"fox": ("Notes", "The quick fox of the hills. " + FILLER),
                                  "who": ("Band", "Fans of the who filled the hall. " + FILLER)})
    snippet = index.search(SearchRequest("the fox")).hits[0].snippet
    assert "<mark>fox</mark>" in snippet and "<mark>The</mark>" not in snippet
    # A query of function words only still searches, and marks, them.
    snippet = index.search(SearchRequest("the who")).hits[0].snippet
    assert "<mark>the</mark> <mark>who</mark>" in snippet


def test_top_hits_on_a_large_index_match_an_exhaustive_ranking(tmp_path):
    # Enough documents for Whoosh to prune by score (block-max) when only the top 10 are
    # asked for: pruning must neither fail nor change the top 10.
    import random

    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(60)]
    docs = {f"d{n}": (" ".join(rng.choices(vocabulary, k=3)), " ".join(rng.choices(vocabulary, k=80)) + ".")
            for n in range(1500)}
    index = make_index(tmp_path, docs)
    for q in ("w18", "w1 w2", "w3 w4 w5", "w6 migra* w7", '"w8 w9" w10', "w11 -w12", "w13 OR w14 w15", "title:w16 w17"):
        top = index.search(SearchRequest(q, per_page=10))
        everything = index.search(SearchRequest(q, per_page=100))
        assert [h.id for h in top.hits] == [h.id for h in everything.hits[:10]], q
        assert top.total == everything.total


def test_feedback_keeps_the_query_words_and_adds_the_top_documents_words():
    weights = feedback_weights(
        ["glacier", "melt", "glacier"],
        [(3.0, "the glacier runoff of 2019 glacier runoff sheet".split()), (1.0, "runoff sheet".split())],
    )
    assert weights["glacier"] > 2 and weights["melt"] == 1  # a query word keeps its count
    assert weights["runoff"] == pytest.approx(FEEDBACK_WEIGHT)  # the strongest added word
    assert 0 < weights["sheet"] < weights["runoff"]
    assert "the" not in weights and "2019" not in weights  # function words and numbers are not topics
    assert feedback_weights(["glacier"], []) == {"glacier": 1}


def test_a_short_feedback_document_does_not_outweigh_a_long_one():
    abstract = ("moraine " * 20 + " ".join(f"filler{i}" for i in range(180))).split()
    title_alone = "lake outburst flood".split()
    weights = feedback_weights(["glacier"], [(1.0, abstract), (1.0, title_alone)])
    # "moraine" is a tenth of the abstract; each title word, a third of three words.
    assert weights["moraine"] == pytest.approx(FEEDBACK_WEIGHT)
    assert weights["lake"] < weights["moraine"] / 2


def test_feedback_reorders_by_the_top_documents_topic_but_adds_no_matches(tmp_path):
    topic = "ice sheet runoff meltwater crevasse "
    index = make_index(tmp_path, {
        "top-1": ("Glacier melt", "Glacier melt: " + topic * 3),
        "top-2": ("Glacier melt", "The glacier melt season. " + topic * 2),
        # One query word each, same length: only the words around it tell them apart.
        # (Added first, so that it would come first on a tie.)
        "off-topic": ("Notes", "A glacier. weather markets gardens prices fields stocks"),
        "on-topic": ("Notes", "A glacier. " + topic + "gardens"),
        "no-query-word": ("Notes", topic * 2),
    })
    results = index.search(SearchRequest("glacier melt", per_page=10))
    assert sources(results)[-2:] == ["on-topic", "off-topic"]
    assert results.total == 4  # the feedback words matched nothing by themselves


def test_feedback_from_a_documents_terms_is_feedback_from_its_words():
    words = "the glacier runoff of 2019 glacier runoff sheet".split()
    assert feedback_terms(words).words == ("glacier", "runoff", "sheet")  # in order of first use
    from_words = feedback_weights(["glacier"], [(3.0, words), (1.0, ["runoff", "sheet"])])
    from_terms = feedback_weights(["glacier"], [(3.0, feedback_terms(words)), (1.0, feedback_terms(["runoff", "sheet"]))])
    assert from_terms == from_words
