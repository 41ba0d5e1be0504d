"""The query language, filters, facets, suggestions and snippets, through the HTTP API.

Runs against the `server` fixture: a real gunicorn over the five sample pages.
"""
from __future__ import annotations

import re

import pytest

AMLO_INVITES = "President AMLO invites US special forces to train troops in Mexico"
ACCUSES = "AMLO accuses US of meddling in Mexico"


def search(server, **params) -> dict:
    response = server.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def titles(body: dict) -> list[str]:
    return [hit["title"] for hit in body["results"]]


def marks(body: dict, key: str = "snippet") -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", " ".join(hit[key] for hit in body["results"]))


# ------------------------------------------------------------------ the syntax


def test_exact_phrase_and_proximity(server):
    assert titles(search(server, q='"special forces"')) == [AMLO_INVITES]
    assert titles(search(server, q='"invites forces"~2')) == [AMLO_INVITES]
    # No page has the exact phrase "invites forces": the answer says so and gives the pages
    # with its words instead of nothing.
    relaxed = search(server, q='"invites forces"')
    assert relaxed["interpreted_as"] == "invites forces" and relaxed["results"][0]["title"] == AMLO_INVITES
    assert any("no page has the exact phrase" in note for note in relaxed["notes"])


def test_exclusions(server):
    everything = search(server, q="mexico")["total"]
    without = search(server, q="mexico -trump")
    assert 0 < without["total"] < everything
    assert all("Trump" not in hit["snippet"] for hit in without["results"])
    assert AMLO_INVITES not in titles(search(server, q='mexico -"special forces"'))


def test_or(server):
    either = search(server, q="fentanyl OR tariffs")
    assert either["interpreted_as"] == "(fentanyl OR tariffs)"
    assert either["total"] == search(server, q="fentanyl")["total"] + search(server, q="tariffs")["total"]


def test_field_scopes(server):
    assert set(titles(search(server, q="title:amlo"))) == {AMLO_INVITES, ACCUSES, titles(search(server, q='"Re-Colonization"'))[0]}
    assert set(titles(search(server, q='author:"andrea lobo"'))) == {AMLO_INVITES, ACCUSES}
    assert search(server, q="site:wsws.org")["total"] == 2
    assert search(server, q="site:example.org mexico")["total"] == 0


def test_prefix_and_fuzzy(server):
    assert search(server, q="migra*")["total"] == search(server, q="migrant OR migration OR migrate OR migrants")["total"]
    assert search(server, q="m*")["interpreted_as"] == "m"  # one letter is too short for a prefix
    assert search(server, q="obrador~")["total"] == 5
    assert search(server, q="obradr~")["total"] == 5
    assert search(server, q="obradro~")["total"] == 0  # a swap is two edits
    assert search(server, q="obradro~2")["total"] == 5


@pytest.mark.parametrize("q,reading,note", [
    ('"special forces', '"special forces"', "unbalanced quote"),
    ("mexico - border", "mexico border", 'lone "-"'),
    ("colour:blue mexico", "colour blue mexico", "not a field"),
])
def test_mistakes_are_read_as_meant_and_said(server, q, reading, note):
    body = search(server, q=q)
    assert body["interpreted_as"] == reading
    assert any(note in n for n in body["notes"])
    assert body["total"] > 0


def test_quotes_in_a_pasted_sentence_rank_but_do_not_filter(server):
    # Twelve words or more read as prose: a quoted word no page has does not empty the answer.
    q = 'Why did the Mexican president invite US "special forces" to the "zyzzyva" border region'
    body = search(server, q=q)
    assert body["total"] > 1
    assert body["results"][0]["title"] == AMLO_INVITES  # the page with the quoted phrase leads
    assert '"' not in body["interpreted_as"]
    assert any("read as prose" in note for note in body["notes"])


def test_only_exclusions_is_a_400_naming_the_problem(server):
    response = server.get("/api/search", params={"q": "-mexico"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "only_exclusions"


# ------------------------------------------------------------------ filters, sort, facets


def test_filters(server):
    assert set(titles(search(server, q="mexico", site="wsws.org"))) == {AMLO_INVITES, ACCUSES}
    assert set(titles(search(server, q="mexico", site="https://www.wsws.org/en/"))) == {AMLO_INVITES, ACCUSES}
    assert titles(search(server, q="mexico", author="Andrea Lobo", **{"from": "2023-06-01"})) == [AMLO_INVITES]
    assert titles(search(server, q="mexico", to="2023-06-01")) == [ACCUSES]


def test_sort_by_date_puts_newest_first_and_undated_last(server):
    dates = [hit["published"] for hit in search(server, q="mexico", sort="date")["results"]]
    assert dates[:2] == ["2023-12-01", "2023-05-08"] and dates[2:] == [None, None, None]


@pytest.mark.parametrize("params", [{"sort": "random"}, {"from": "2023-13-01"}, {"to": "yesterday"},
                                    {"from": "2024-01-01", "to": "2023-01-01"}, {"snippet_length": "5"},
                                    {"site": "x" * 300}])
def test_bad_filters_are_400(server, params):
    response = server.get("/api/search", params={"q": "mexico", **params})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"


def test_facet_counts_equal_the_counts_of_filtered_searches(server):
    for q in ("mexico", "border", '"united states"'):
        body = search(server, q=q)
        assert body["facets"]["site"] and body["facets"]["year"]
        for facet in body["facets"]["site"]:
            assert search(server, q=q, site=facet["value"])["total"] == facet["count"]
        for facet in body["facets"]["year"]:
            year = facet["value"]
            assert search(server, q=q, **{"from": f"{year}-01-01", "to": f"{year}-12-31"})["total"] == facet["count"]


# ------------------------------------------------------------------ did you mean, more like this, completions


def test_did_you_mean(server):
    body = search(server, q="obradorr")
    assert body["total"] == 0 and body["suggestion"] == "obrador"
    assert search(server, q=body["suggestion"])["total"] == 5
    assert search(server, q="migrnts border")["suggestion"] == "migrants border"
    assert search(server, q="lopez obrador")["suggestion"] is None


def test_more_like_this(server):
    doc_id = search(server, q='"special forces"')["results"][0]["id"]
    similar = server.get(f"/api/documents/{doc_id}/similar").json()
    assert similar["id"] == doc_id
    assert 0 < len(similar["results"]) <= 4
    assert doc_id not in {hit["id"] for hit in similar["results"]}
    assert server.get("/api/documents/0000000000000000/similar").status_code == 404
    assert server.get("/api/documents/..%2Fx/similar").status_code == 404


def test_autocomplete(server):
    body = server.get("/api/suggest", params={"q": "lopez obr"}).json()
    assert body["suggestions"][0] == {"text": "lopez obrador", "kind": "word"}
    words = [s["text"] for s in server.get("/api/suggest", params={"q": "migr"}).json()["suggestions"]
             if s["kind"] == "word"]
    assert {"migrant", "migrants", "migration"} <= set(words)
    titles_ = [s for s in server.get("/api/suggest", params={"q": "amlo acc"}).json()["suggestions"]
               if s["kind"] == "title"]
    assert titles_[0]["text"] == ACCUSES
    assert server.get("/api/suggest", params={"q": ""}).json()["suggestions"] == []
    assert server.get("/api/suggest", params={"q": "x" * 500}).status_code == 400


# ------------------------------------------------------------------ snippets


def test_stemmed_and_folded_forms_are_marked(server):
    assert {"migrant", "migrants"} <= {m.lower() for m in marks(search(server, q="migrants"))}
    assert "López" in marks(search(server, q="lopez"))


def test_a_phrase_query_marks_the_phrase_only(server):
    body = search(server, q='"national guard"')
    snippets = " ".join(hit["snippet"] for hit in body["results"])
    assert re.search(r"<mark>National</mark> <mark>Guard</mark>", snippets)
    # Every marked "national" is followed by a marked "guard": no stray words are marked.
    assert not re.search(r"<mark>National</mark>(?! <mark>Guard</mark>)", snippets, re.I)


def test_snippet_length_and_fragments(server):
    short = search(server, q="mexico", snippet_length=60)["results"][0]["snippet"]
    long = search(server, q="mexico", snippet_length=600)["results"][0]["snippet"]
    plain = lambda s: re.sub(r"<[^>]+>", "", s)  # noqa: E731
    assert len(plain(short)) < len(plain(long))
    assert long.count(" … ") <= 2  # at most three fragments


def test_titles_are_highlighted(server):
    hit = search(server, q="accuses meddling")["results"][0]
    assert hit["title_highlighted"] == "AMLO <mark>accuses</mark> US of <mark>meddling</mark> in Mexico"


def test_an_author_filter_of_symbols_matches_nothing(server):
    assert search(server, q="mexico", author="%$#")["total"] == 0


def test_long_queries_are_answered_or_refused_with_the_limit(server):
    words = [f"w{n}" for n in range(1000)]
    refused = server.get("/api/search", params={"q": " ".join(words[:600])})
    assert refused.status_code == 400 and "512" in refused.json()["error"]["message"]
    answered = search(server, q="mexico " + " ".join(words[:400]))
    assert answered["total"] == 5 and answered["partial"] is False


def test_expensive_expansions_are_bounded_and_flagged(tmp_path):
    from search_service.cleaning import document_id
    from search_service.indexer import build_index
    from search_service.models import Document, SearchRequest
    from search_service.query_builder import MAX_EXPANSIONS
    from search_service.search import SearchIndex

    # 300 distinct words starting with "ab": "ab*" stands for more than the bound.
    build_index([Document(id=document_id(str(n)), source=str(n), title=f"t{n}", text=f"ab{n:03d}x words here.")
                 for n in range(300)], tmp_path)
    results = SearchIndex(tmp_path).search(SearchRequest("ab*"))
    assert results.partial is True and results.total == MAX_EXPANSIONS
    assert any("most frequent were searched" in note for note in results.notes)
