"""Searching: how user text becomes a query, ranking tiers, paging and snippets."""
from __future__ import annotations

import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import TEXT, Schema

from search_service.array_rankings import loose_words
from search_service.cleaning import document_id
from search_service.analysis import ANALYZER
from search_service.indexer import CURRENT, SCHEMA, build_index, current_generation, write_generation_in_parts, writer_lock
from search_service.models import Document, SearchRequest
from search_service.query import QueryError, parse
from search_service.query_builder import Filters, plan
from search_service.search import SearchIndex, _accumulated_page, _replace_word, _walked_page
from search_service.vocabulary import VOCABULARY_FILE, Vocabulary


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


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory):
    """An index written in two parts (two segments): dated pages, then undated ones."""
    root = tmp_path_factory.mktemp("two-segments")
    dated = [Document(id=document_id(f"d{n}"), source=f"d{n}", text=f"Obrador spoke of the harbour, day {n}.",
                      title=f"Dated {n}", published=f"2024-0{n}-01") for n in range(1, 4)]
    undated = [Document(id=document_id(f"u{n}"), source=f"u{n}", text="Obrador and the harbour again.",
                        title=f"Undated {n}") for n in range(2)]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool, writer_lock(root):
        write_generation_in_parts([dated, undated], root, pool)
    return SearchIndex(root)


def test_date_order_holds_in_an_index_of_segments_one_of_which_has_no_dates(two_segments):
    results = two_segments.search(SearchRequest("harbour", sort="date"))
    assert [h.published for h in results.hits] == ["2024-03-01", "2024-02-01", "2024-01-01", None, None]
    assert {h.score for h in results.hits} == {0.0}  # date order does not rank


def test_date_order_of_an_index_where_no_page_has_a_date(index):
    """Every page undated: they keep the order of the index (Whoosh's sort key was then a
    number, not a date, and sorting failed)."""
    results = index.search(SearchRequest("fox", sort="date"))
    assert results.total == 3 and all(h.published is None for h in results.hits)
    assert sources(results) == sorted(sources(results), key=["all", "fox", "dog", "who", "html"].index)


def test_words_a_stemmer_must_not_run_together_stay_apart(tmp_path):
    """Snowball's English stemmer as it is now: an older edition (Whoosh's own port) stemmed
    "added" as "ad", "international" and "internal" as "intern", "evening" as "even"."""
    pages = {"added": "The bank added two branches.", "ads": "The ads ran all week.",
             "international": "An international treaty.", "intern": "The intern filed the report.",
             "evening": "An evening of music.", "even": "Even so, the vote passed."}
    build_index([Document(id=document_id(k), source=k, text=v) for k, v in pages.items()], tmp_path)
    index = SearchIndex(tmp_path)
    for query, page in [("ad", "ads"), ("intern", "intern"), ("even", "even"), ("adding", "added"),
                        ("internationally", "international"), ("evenings", "evening")]:
        assert sources(index.search(SearchRequest(query))) == [page], query


def test_a_fuzzy_word_finds_the_same_words_however_many_segments(two_segments, index):
    assert two_segments.search(SearchRequest("obradr~")).total == 5  # one letter left out: one edit
    assert two_segments.search(SearchRequest("obradro~")).total == 0  # two letters swapped: two edits


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


# ------------------------------------------------------------------ did you mean and completions


def vocabulary(**uses: int) -> Vocabulary:
    return Vocabulary(sorted(uses), [uses[w] for w in sorted(uses)])


def test_correction_is_the_closest_word_then_the_most_used():
    assert vocabulary(fort=1, forty=1000).correction("forr") == "fort"
    assert vocabulary(fort=1, form=50).correction("forr") == "form"
    assert vocabulary(form=5, fort=5).correction("forr") == "form"  # then alphabetical
    assert vocabulary(obrador=1).correction("obradro", maxdist=1) == "obrador"  # a swap is one edit
    assert vocabulary(house=9).correction("mouse") is None  # the first letter is kept
    assert vocabulary(house=9).correction("house") is None
    assert vocabulary(elephant=9).correction("elefunt") is None  # three edits


def osa_distance(a: str, b: str) -> int:
    """Edit distance with swaps of adjacent letters, the plain full-table way."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def test_correction_agrees_with_the_full_edit_distance_table():
    rng = random.Random(5)
    words = {"".join(rng.choices("abcde", k=rng.randint(2, 7))): rng.randint(1, 9) for _ in range(500)}
    vocab = vocabulary(**words)
    for _ in range(100):
        typed = "".join(rng.choices("abcde", k=rng.randint(2, 7)))
        near = [(osa_distance(typed, w), -n, w) for w, n in words.items() if w[0] == typed[0] and w != typed]
        near = [candidate for candidate in near if candidate[0] <= 2]
        assert vocab.correction(typed) == (min(near)[2] if near else None), typed


def test_completions_are_the_most_used_words_with_the_prefix():
    vocab = vocabulary(migrant=5, migrants=9, migration=2, mile=20, mig=1)
    assert vocab.completions("migr", 2) == ["migrants", "migrant"]
    assert vocab.completions("zz", 5) == []


def test_suggestions_and_completions_come_from_the_vocabulary_file(index):
    assert (index.root / index.generation / VOCABULARY_FILE).is_file()
    assert index.search(SearchRequest("quikc fox")).suggestion == "quick fox"
    assert [c["text"] for c in index.complete("the sta") if c["kind"] == "word"] == ["the stadium"]


def write_old_generation(root, texts: dict[str, str]) -> None:
    """A generation as written before vocabulary files: a spelling field, and no file."""
    fields = {name: SCHEMA[name] for name in SCHEMA.names() if name != "content"}
    schema = Schema(content=TEXT(analyzer=ANALYZER, phrase=True, spelling=True), **fields)
    folder = root / "gen-old"
    folder.mkdir()
    writer = whoosh_index.create_in(str(folder), schema).writer()
    for key, text in texts.items():
        writer.add_document(id=document_id(key), source=key, title=key.title(), text=text, content=text)
    writer.commit()
    (root / CURRENT).write_text("gen-old\n")


def test_an_old_generation_without_a_vocabulary_file_still_serves(tmp_path):
    write_old_generation(tmp_path, {"a": "The harbour authority approved the dredging plan.",
                                    "b": "Dredging resumed in the harbour."})
    old = SearchIndex(tmp_path)
    assert "spell_content" in old.searcher().schema
    assert old.search(SearchRequest("harbour")).total == 2
    assert old.search(SearchRequest("harbor dredging")).suggestion == "harbour dredging"  # its spelling field
    assert [c["text"] for c in old.complete("dre")] == ["dredging"]


@pytest.mark.parametrize("q, word, replacement, corrected", [
    ('dog* (tide "tide"', "tide", "the", 'dog* (the "tide"'),  # not inside the phrase
    ('"foxx hunt" foxx', "foxx", "fox", '"foxx hunt" fox'),
    ("foxxy foxx", "foxx", "fox", "foxxy fox"),  # a whole word
    ("-foxx title:foxx Foxx", "foxx", "fox", "-foxx title:foxx fox"),  # not an exclusion or a scoped word
    ('"foxx"', "foxx", "fox", '"foxx"'),
])
def test_a_suggestion_replaces_the_loose_word_alone(q, word, replacement, corrected):
    assert _replace_word(q, word, replacement) == corrected


def test_a_generation_with_no_vocabulary_at_all_searches_without_suggestions(tmp_path):
    build_index([Document(id=document_id("a"), source="a", text="The harbour authority.", title="A")], tmp_path)
    (tmp_path / current_generation(tmp_path) / VOCABULARY_FILE).unlink()
    bare = SearchIndex(tmp_path)
    results = bare.search(SearchRequest("harbor authority"))
    assert results.total == 1 and results.suggestion is None
    assert bare.complete("harb") == []


# ------------------------------------------------------------------ the accumulator


@pytest.mark.parametrize("q", ["mexico", "amlo president", "us border patrol mexico", "the", "drug cartels cartels",
                               "zebra mexico", "national guard troops"])
def test_the_accumulator_pages_as_whoosh_walks(built_index, q):
    """On the sample corpus, a query of words gets the same hits in the same order, the same
    total and the same facets from the accumulator's arrays as from Whoosh's walk."""
    searcher = SearchIndex(built_index).searcher()
    query_plan = plan(parse(q), searcher.reader())
    assert query_plan.words_only
    tiers = query_plan.tiers
    words = loose_words(tiers)
    for filters in (Filters(), Filters(site="wsws.org"), Filters(date_from="2023-06-01"), Filters(author="Andrea Lobo")):
        for start, count in ((0, 10), (0, 2), (2, 2), (4, 3)):
            deadline = time.perf_counter() + 60
            pages = [_accumulated_page(searcher, tiers, words, filters.query(), start, count, deadline),
                     _walked_page(searcher, tiers, filters.query(), start, count, deadline)]
            fast, walk = ([h.docnum for h in p.hits] + [p.total, p.facets] for p in pages)
            assert fast == walk, (q, filters, start)
            # The arrays add a document's scores in another order: the last bits may differ.
            assert [h.score for h in pages[0].hits] == pytest.approx([h.score for h in pages[1].hits], rel=1e-12)


def test_a_repeated_query_is_answered_from_the_cache_as_a_copy(tmp_path):
    build_index([Document(id=document_id(k), source=k, text=f"The fox and the {k}.", title=k) for k in ("hen", "dog")],
                tmp_path)
    index = SearchIndex(tmp_path)
    first = index.search(SearchRequest("fox"))
    again = index.search(SearchRequest("fox"))
    assert not first.cached and again.cached
    assert again.as_dict() | {"took_ms": 0} == first.as_dict() | {"took_ms": 0}
    again.hits.clear()  # what a caller does to its answer does not reach the cache
    assert len(index.search(SearchRequest("fox")).hits) == 2
    assert not index.search(SearchRequest("fox", page=2)).cached  # another page is another answer
