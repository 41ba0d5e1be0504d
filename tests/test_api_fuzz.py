"""Hostile input: schemathesis against the live server's own OpenAPI description, and
hypothesis feeding arbitrary Unicode to the search function and to the endpoints.

Everything talks to a real gunicorn (the `server` fixture) or to a real index on disk.
"""
from __future__ import annotations

import re
from urllib.parse import quote, quote_from_bytes

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from search_service.models import SearchRequest
from search_service.search import QueryError, SearchIndex
from search_service.web.gunicorn_settings import SETTINGS
from search_service.web.openapi import PATHS

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
GUNICORN_LINE_LIMIT = SETTINGS["limit_request_line"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
API_FUZZ = settings(FUZZ, max_examples=100)
LOCAL_FUZZ = settings(FUZZ, max_examples=300)  # no HTTP: cheap


@pytest.fixture(scope="module")
def api_schema(server):
    """The description the server serves, as schemathesis reads it."""
    return schemathesis.openapi.from_url(server.url + "/api/openapi.json")


# Every operation with valid data; with invalid data, those whose parameters have a type or
# bounds to break (a plain string path parameter has none).
RUNS = [(path, GenerationMode.POSITIVE) for path in sorted(PATHS)] + [("/api/search", GenerationMode.NEGATIVE)]


# schemathesis's own pytest integration (schema.parametrize / from_fixture) does not run
# under pytest 9 yet, so each operation is driven through its hypothesis strategy.
@pytest.mark.parametrize("path,mode", RUNS, ids=[f"{p}-{m.value}" for p, m in RUNS])
def test_api_conforms_to_its_openapi_description(api_schema, server, path, mode):
    operation = api_schema[path]["GET"]

    @API_FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(base_url=server.url)
        # A request line over gunicorn's limit never reaches the app (gunicorn answers it
        # in HTML): outside what the description covers, and tested on its own below.
        assume(len(response.request.path_url) + len("GET  HTTP/1.1") <= GUNICORN_LINE_LIMIT)
        case.validate_response(response, checks=CHECKS)

    check()


# ---------------------------------------------------------------- arbitrary Unicode

# Every code point, surrogates and control characters included, weighted towards the odd ones.
ODD = "\x00\x01\x07\x1b\x7f\x85\xa0\u200b\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\ufffd\ud800\udfff\U0001f600"
ANY_CHAR = st.one_of(st.characters(exclude_categories=()), st.sampled_from(ODD),
                     st.sampled_from('"*?~^:()[]{}!&|-+\\/ '))
WORDS = st.sampled_from(["mexico", "lopez", "obrador", "special", "forces", "AND", "OR", "NOT", "the"])
TEXT = st.one_of(st.text(ANY_CHAR, max_size=80),
                 st.lists(st.one_of(WORDS, st.text(ANY_CHAR, max_size=6)), max_size=12).map(" ".join))
HUGE = st.builds(lambda s, n: (s or "x") * n, st.text(ANY_CHAR, min_size=1, max_size=4),
                 st.sampled_from([1000, 1001, 25_000, 100_000]))


@pytest.fixture(scope="module")
def index(built_index):
    idx = SearchIndex(built_index)
    yield idx
    idx.close()


@LOCAL_FUZZ
@given(q=st.one_of(TEXT, HUGE))
@example(q="\x00")
@example(q="mexico\x00forces")
@example(q="\ud800")
@example(q='"special\udfff forces"')
@example(q="\u202emexico\u202c")
@example(q="x" * 100_000)
@example(q="mexico " * 14_000)
def test_search_function_answers_or_raises_query_error(index, q):
    try:
        results = index.search(SearchRequest(q=q))
    except QueryError as exc:
        assert exc.code in {"empty_query", "query_too_long", "no_search_terms", "only_exclusions", "too_many_terms"}
        return
    data = results.as_dict()
    assert data["total"] >= len(data["results"])
    for hit in data["results"]:
        # escaped text and <mark> only
        assert not re.search(r"<(?!/?mark>)", hit["snippet"]), hit["snippet"]


def _json_answer(response: requests.Response) -> dict:
    """The JSON body of an API answer, checked to be a result or a 4xx error."""
    assert response.status_code < 500, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    body = response.json()
    if response.status_code == 200:
        assert "results" in body or "text" in body
    else:
        assert 400 <= response.status_code < 500
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return body


# URL-encoded bytes, including invalid UTF-8 and the UTF-8 form of lone surrogates.
RAW = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xff\xfe", b"\xc0\xaf", b"\x00", b"%", b"%%41",
                     b"\xe2\x80\xae", b"a\x00b", b"\xf4\x90\x80\x80"]),
    st.text(ANY_CHAR, max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@FUZZ
@given(q=TEXT, raw=RAW, extra=st.sampled_from(["", "&page=2", "&per_page=1", "&pretty", "&format=json"]))
@example(q="", raw=b"\xed\xa0\x80", extra="")
@example(q="mexico", raw=b"\x00", extra="&pretty")
def test_search_endpoint_answers_json_for_any_query(server, q, raw, extra):
    encoded = quote(q.encode("utf-8", "surrogatepass"), safe="") + quote_from_bytes(raw, safe="")
    _json_answer(requests.get(f"{server.url}/api/search?q={encoded}{extra}", timeout=10))


@FUZZ
@given(raw=RAW)
@example(raw=b"..")
@example(raw=b"../../etc/passwd")
@example(raw=b"\xed\xa0\x80")
def test_document_endpoint_answers_json_for_any_id(server, raw):
    response = requests.get(f"{server.url}/api/documents/{quote_from_bytes(raw, safe='')}", timeout=10)
    body = _json_answer(response)
    assert response.status_code == 404 and body["error"]["code"] == "not_found"


@FUZZ
@given(q=TEXT, raw=RAW)
def test_search_page_answers_html_for_any_query(server, q, raw):
    encoded = quote(q.encode("utf-8", "surrogatepass"), safe="") + quote_from_bytes(raw, safe="")
    response = requests.get(f"{server.url}/?q={encoded}", timeout=10)
    assert response.status_code in (200, 400), response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in response.headers


def test_a_request_line_over_gunicorns_limit_is_refused_and_the_server_lives_on(server):
    # 100 KB of query cannot reach the app: gunicorn refuses request lines over 4094 bytes
    # (its default limit_request_line) with its own 4xx (414 or 400, by version) before the
    # app is called, so that answer is gunicorn's, not JSON.
    response = requests.get(f"{server.url}/api/search?q={'x' * 100_000}", timeout=10)
    assert response.status_code in (400, 414)
    assert server.get("/healthz").status_code == 200
