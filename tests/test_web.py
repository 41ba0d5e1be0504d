"""The service over HTTP: a real gunicorn on 127.0.0.1 serving an index of the sample corpus."""
from __future__ import annotations

import html
import re

import pytest

from search_service.indexer import build_index
from search_service.ingest import ingest
from search_service.models import Document

from .conftest import Server


def test_healthz(server):
    body = server.get("/healthz").json()
    assert body["status"] == "ok" and body["documents"] == 5


def test_keyword_query_finds_all_five_sample_pages(server):
    body = server.get("/api/search", params={"q": "lopez obrador"}).json()
    assert body["total"] == 5 and len(body["results"]) == 5
    assert set(body) >= {"query", "total", "page", "per_page", "took_ms", "results", "suggestion"}
    hit = body["results"][0]
    assert set(hit) == {"id", "title", "title_highlighted", "url", "source", "site", "author", "published",
                        "score", "snippet"}


def test_quoted_phrase_finds_exactly_its_page(server):
    body = server.get("/api/search", params={"q": '"special forces"'}).json()
    assert body["total"] == 1
    hit = body["results"][0]
    assert hit["title"] == "President AMLO invites US special forces to train troops in Mexico"
    assert "<mark>Special</mark> <mark>Forces</mark>" in hit["snippet"]


@pytest.mark.parametrize("word", ["instagram", "mailing", "diplomatique", "tatarova", "militant", "pendants"])
def test_words_only_in_boilerplate_find_nothing(server, word):
    assert server.get("/api/search", params={"q": word}).json()["total"] == 0


def test_document_has_rejoined_sentence_in_one_paragraph(server):
    hit = server.get("/api/search", params={"q": '"accuses US of meddling"'}).json()["results"][0]
    doc = server.get(f"/api/documents/{hit['id']}").json()
    assert doc["author"] == "Andrea Lobo" and doc["published"] == "2023-05-08"
    paragraphs = doc["text"].split("\n\n")
    assert any("let them reach the US border unimpeded if they dissolved" in p for p in paragraphs)


def test_pagination(server):
    first = server.get("/api/search", params={"q": "mexico", "per_page": 2}).json()
    second = server.get("/api/search", params={"q": "mexico", "per_page": 2, "page": 2}).json()
    assert first["total"] == second["total"] == 5
    assert not {h["id"] for h in first["results"]} & {h["id"] for h in second["results"]}


@pytest.mark.parametrize("params,code", [
    ({"q": ""}, "empty_query"),
    ({}, "empty_query"),
    ({"q": "word " * 600}, "too_many_terms"),
    ({"q": "mexico", "per_page": "0"}, "invalid_parameter"),
    ({"q": "mexico", "per_page": "1000"}, "invalid_parameter"),
    ({"q": "mexico", "per_page": "abc"}, "invalid_parameter"),
    ({"q": "mexico", "page": "-1"}, "invalid_parameter"),
    ({"q": "mexico", "page": "1e9"}, "invalid_parameter"),
    ({"q": "*"}, "no_search_terms"),
    ({"q": "?"}, "no_search_terms"),
])
def test_bad_input_is_a_json_4xx(server, params, code):
    response = server.get("/api/search", params=params)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code


def test_a_3000_character_query_is_answered(server):
    response = server.get("/api/search", params={"q": "x" * 3000})
    assert response.status_code == 200 and response.json()["total"] == 0


@pytest.mark.parametrize("q", ['"unbalanced', "NOT", "<script>alert(1)</script>", "AND OR", "a:b", "((("])
def test_odd_queries_are_answered(server, q):
    response = server.get("/api/search", params={"q": q})
    assert response.status_code in (200, 400)
    assert "results" in response.json() or "error" in response.json()


def test_unknown_document_and_route_are_404(server):
    assert server.get("/api/documents/0000000000000000").json()["error"]["code"] == "not_found"
    assert server.get("/api/documents/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert server.get("/api/nothing").json()["error"]["code"] == "not_found"


def test_search_page_renders_results_without_javascript(server):
    page = server.get("/", params={"q": "lopez obrador"}).text
    assert "5 results" in page
    assert page.count('class="hit"') == 5
    assert "<mark>" in page
    assert "President AMLO invites US special forces" in page


def test_search_page_escapes_the_query(server):
    q = '<script>alert("x")</script>'
    page = server.get("/", params={"q": q}).text
    assert q not in page
    assert "<script>" not in page
    # Jinja writes quotes as &#34;: the query is shown, as text.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert html.unescape("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") == q


def test_search_page_shows_errors_as_text(server):
    response = server.get("/", params={"q": "mexico", "per_page": "abc"})
    assert response.status_code == 400
    assert re.search(r'role="alert">per_page must be a whole number', response.text)


def test_home_page_is_a_form(server):
    page = server.get("/").text
    assert '<form role="search"' in page and 'name="q"' in page


def test_server_switches_to_a_new_index_without_restart(tmp_path, corpus_dir):
    ingest(corpus_dir, tmp_path)
    srv = Server(tmp_path, workers=1)
    try:
        assert srv.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 0
        build_index([Document(id="a" * 16, source="z.txt", text="A zeppelin flew over.", title="Z")], tmp_path)
        assert srv.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 1
        assert srv.get("/healthz").json()["documents"] == 1
    finally:
        srv.stop()


def test_no_index_is_a_503_not_a_500(tmp_path):
    srv = Server(tmp_path / "empty", workers=1)
    try:
        response = srv.get("/api/search", params={"q": "x"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "no_index"
        assert srv.get("/healthz").status_code == 503
    finally:
        srv.stop()


def test_api_answers_carry_an_etag_and_revalidate(server):
    first = server.get("/api/search", params={"q": "mexico"})
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    again = server.get("/api/search", params={"q": "mexico"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = server.get("/api/search", params={"q": "border"})
    assert other.headers["ETag"] != etag
    assert "ETag" not in server.get("/api/search", params={"q": ""}).headers  # errors are not cached


def test_a_new_generation_changes_the_etag(tmp_path, corpus_dir):
    ingest(corpus_dir, tmp_path)
    srv = Server(tmp_path, workers=1)
    try:
        before = srv.get("/api/search", params={"q": "mexico"}).headers["ETag"]
        ingest(corpus_dir, tmp_path, full=True)
        response = srv.get("/api/search", params={"q": "mexico"}, headers={"If-None-Match": before})
        assert response.status_code == 200 and response.headers["ETag"] != before
    finally:
        srv.stop()
