"""Searching: how user text becomes a query, ranking tiers, paging and snippets."""
from __future__ import annotations

import pytest

from search_service.cleaning import document_id
from search_service.indexer import build_index
from search_service.models import Document, SearchRequest
from search_service.query import QueryError, parse
from search_service.search import SearchIndex


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-index")
    texts = {
        "all": "The quick brown fox jumps over the lazy dog near the river bank.",
        "fox": "A fox was seen. " * 20 + "Nothing else happened that day.",
        "dog": "The dog slept all afternoon in the sun by the old farm house.",
        "who": "Fans of the who filled the stadium; the band played for three hours.",
        "html": "Authors write <script>alert(1)</script> in examples about the fox & the hound.",
    }
    build_index([Document(id=document_id(k), source=k, text=v, title=k.title()) for k, v in texts.items()], root)
    return SearchIndex(root)


def sources(results):
    return [h.source for h in results.hits]


def test_documents_with_all_words_rank_first(index):
    results = index.search(SearchRequest("fox dog"))
    # "fox" alone is far more frequent in its page, but "all" has both words.
    assert sources(results)[0] == "all"
    assert set(sources(results)) == {"all", "fox", "dog", "html"}


def test_a_missing_word_does_not_empty_the_results(index):
    assert sources(index.search(SearchRequest("fox zebra")))[0] in {"fox", "all", "html"}


def test_quoted_phrase_is_exact(index):
    assert sources(index.search(SearchRequest('"the who"'))) == ["who"]
    assert sources(index.search(SearchRequest('"lazy dog"'))) == ["all"]
    # A phrase no page has: the pages with its words, and a note that says so.
    relaxed = index.search(SearchRequest('"dog lazy"'))
    assert sources(relaxed)[0] == "all" and relaxed.interpreted_as == "dog lazy"
    assert "no page has the exact phrase" in relaxed.notes[-1]
    assert set(sources(index.search(SearchRequest('"dog zebra"')))) == {"all", "dog"}  # the pages with "dog"


def test_syntax_characters_are_literal(index):
    for q in ["fox?", "fox^2", "(fox", 'fox "', "fox AND", "NOT fox", "fox:", "[fox]"]:
        assert "all" in sources(index.search(SearchRequest(q))), q


def test_lowercase_operators_are_words(index):
    assert parse("cats and dogs or not").interpreted_as == "cats and dogs or not"
    assert index.search(SearchRequest("fox and hound")).hits[0].source == "html"


def test_unbalanced_quote_closes_at_the_end(index):
    results = index.search(SearchRequest('"lazy dog'))
    assert sources(results) == ["all"]
    assert results.interpreted_as == '"lazy dog"'


@pytest.mark.parametrize("q,code", [("", "empty_query"), ("   ", "empty_query"), ("*", "no_search_terms"),
                                    ("?", "no_search_terms"), ("x" * 4001, "query_too_long")])
def test_meaningless_queries_are_refused(index, q, code):
    with pytest.raises(QueryError) as info:
        index.search(SearchRequest(q))
    assert info.value.code == code


def test_paging_covers_every_hit_once(index):
    everything = sources(index.search(SearchRequest("the fox dog", per_page=50)))
    paged = []
    for page in range(1, 5):
        paged += sources(index.search(SearchRequest("the fox dog", page=page, per_page=2)))
    assert paged == everything
    assert index.search(SearchRequest("the fox dog", page=99, per_page=2)).hits == []


def test_snippets_mark_matches_and_escape_everything_else(index):
    hit = index.search(SearchRequest("script hound")).hits[0]
    assert "<mark>hound</mark>" in hit.snippet
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet
    assert "&amp;" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_phrase_snippets_mark_the_phrase_not_stray_words(index):
    snippet = index.search(SearchRequest('"the who"')).hits[0].snippet
    assert "<mark>the</mark> <mark>who</mark>" in snippet
    assert "<mark>the</mark> stadium" not in snippet
