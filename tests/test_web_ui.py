"""What people and scripts meet besides the JSON: text output, pretty JSON, CORS, OpenSearch,
the document page, static caching, the page's URL state, and the README's examples.

HTTP tests run against a real gunicorn (the `server` fixture); template and helper tests use
the app in-process.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import render_template

from search_service.config import Config
from search_service.web import create_app
from search_service.web.cors import allowed_origin
from search_service.web.formats import plain_snippet, render_results
from search_service.web.ui import marked, search_url

from .conftest import ROOT, Server

README = (ROOT / "README.md").read_text(encoding="utf-8")
STATIC = ROOT / "search_service" / "web" / "static"


def readme_block(name: str) -> str:
    """The fenced code block after `<!-- test: name -->` in the README."""
    match = re.search(rf"<!-- test: {name} -->\n```\w*\n(.*?)```", README, re.S)
    assert match, f"README has no block marked {name}"
    return match.group(1)


def start_server(index_dir: Path, **env: str) -> Server:
    """A gunicorn like conftest's, with settings from extra environment variables."""
    return Server(index_dir, workers=1, **env)


# Text output for curl.

def test_text_format_lists_ranked_hits_with_bracketed_matches(server):
    response = server.get("/api/search", params={"q": '"special forces"', "format": "text"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    header, hit = response.text.rstrip("\n").split("\n\n")
    assert header.startswith("1 result for '\"special forces\"' (page 1 of 1, ")
    lines = hit.split("\n")
    assert lines[0] == "1. President AMLO invites US special forces to train troops in Mexico"
    assert lines[1] == "   000_e9e9c30c44cf0606.txt"
    assert lines[2] == "   2023-12-01 · wsws.org · Andrea Lobo"
    assert "[Special] [Forces]" in lines[3] and "<mark>" not in response.text


def test_accept_text_plain_gets_text_and_hits_are_one_blank_line_apart(server):
    response = server.get("/api/search", params={"q": "mexico", "per_page": 3},
                          headers={"Accept": "text/plain"})
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Accept" in response.headers["Vary"]
    blocks = response.text.rstrip("\n").split("\n\n")
    assert len(blocks) == 4 and [b[:3] for b in blocks[1:]] == ["1. ", "2. ", "3. "]
    assert "\n\n\n" not in response.text
    assert server.get("/api/search", params={"q": "mexico"}).headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("params", [{"format": "ansi"}, {"color": "1"}, {"format": "text", "color": "1"}])
def test_ansi_bold_matches(server, params):
    text = server.get("/api/search", params={"q": "lopez obrador", **params}).text
    assert "\x1b[1mObrador\x1b[22m" in text or "\x1b[1mLópez\x1b[22m" in text
    assert "[López]" not in text and "[Obrador]" not in text


@pytest.mark.parametrize("params,headers,code", [
    ({"q": "*", "format": "text"}, {}, "no_search_terms"),
    ({"q": ""}, {"Accept": "text/plain"}, "empty_query"),
    ({"q": "mexico", "per_page": "abc", "format": "ansi"}, {}, "invalid_parameter"),
])
def test_text_errors_are_text_with_the_same_status(server, params, headers, code):
    response = server.get("/api/search", params=params, headers=headers)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text.startswith(f"error: {code}: ")


def test_text_output_strips_terminal_control_characters():
    data = {"query": "x\x1b[31m", "total": 1, "page": 1, "per_page": 10, "took_ms": 1.0,
            "results": [{"title": "Evil\x1b]0;pwned\x07 title", "url": "http://e.test/\x1b[2J", "source": "s",
                         "published": None, "site": None, "author": None,
                         "snippet": "a <mark>b&amp;c</mark> \x1b[5m d"}], "suggestion": None}
    text = render_results(data)
    assert "\x1b" not in text and "\x07" not in text
    assert "[b&c]" in text
    assert "\x1b[5m" not in render_results(data, ansi=True)
    assert plain_snippet("x <mark>y</mark>", ansi=True) == "x \x1b[1my\x1b[22m"


# Pretty JSON.

@pytest.mark.parametrize("path", ["/api/search?q=mexico&pretty", "/healthz?pretty=1",
                                  "/api/documents/9eee6b74c3809504?pretty", "/api/search?q=*&pretty"])
def test_pretty_json(server, path):
    response = server.get(path)
    assert response.headers["Content-Type"] == "application/json"
    assert response.text.startswith("{\n  \"") and response.text.endswith("}\n")
    compact = server.get(path.replace("pretty", "x"))
    assert json.loads(response.text) .keys() == json.loads(compact.text).keys()
    assert "\n" not in compact.text.strip()


# CORS.

@pytest.fixture(scope="module")
def cors_server(built_index):
    srv = start_server(built_index, SEARCH_CORS_ORIGINS="https://blog.example.org, https://b.example")
    yield srv
    srv.stop()


def test_cors_echoes_an_allowed_origin(cors_server):
    response = cors_server.get("/api/search", params={"q": "mexico"}, headers={"Origin": "https://blog.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://blog.example.org"
    assert "Origin" in response.headers["Vary"]
    error = cors_server.get("/api/search", params={"q": ""}, headers={"Origin": "https://b.example"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "https://b.example"


def test_cors_ignores_other_origins_and_other_paths(cors_server, server):
    other = cors_server.get("/api/search", params={"q": "mexico"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers and "Origin" in other.headers["Vary"]
    page = cors_server.get("/", headers={"Origin": "https://blog.example.org"})
    assert "Access-Control-Allow-Origin" not in page.headers
    # The default (no SEARCH_CORS_ORIGINS) is same origin only.
    default = server.get("/api/search", params={"q": "mexico"}, headers={"Origin": "https://blog.example.org"})
    assert "Access-Control-Allow-Origin" not in default.headers


def test_cors_preflight(cors_server):
    import requests
    response = requests.options(cors_server.url + "/api/search?q=x", timeout=10, headers={
        "Origin": "https://blog.example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-requested-with"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://blog.example.org"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "x-requested-with"
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_cors_setting_parsing():
    assert Config.from_env({}).cors_origins == ()
    config = Config.from_env({"SEARCH_CORS_ORIGINS": " https://a.example/ ,,https://b.example:8080"})
    assert config.cors_origins == ("https://a.example", "https://b.example:8080")
    assert allowed_origin("https://a.example", config.cors_origins) == "https://a.example"
    assert allowed_origin("https://c.example", config.cors_origins) is None
    assert allowed_origin("https://c.example", ("*",)) == "*"
    assert allowed_origin(None, ("*",)) is None


# OpenSearch, the document page, static files.

def test_opensearch_description_is_linked_and_valid(server):
    response = server.get("/opensearch.xml")
    assert response.headers["Content-Type"].startswith("application/opensearchdescription+xml")
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    root = ET.fromstring(response.content)
    templates = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    assert templates["text/html"] == server.url + "/?q={searchTerms}"
    assert templates["application/json"] == server.url + "/api/search?q={searchTerms}"
    assert len(root.find("os:ShortName", ns).text) <= 16
    page = server.get("/").text
    assert re.search(r'<link rel="search" type="application/opensearchdescription\+xml"[^>]*\s+href="/opensearch.xml">', page)


def test_document_page(server):
    doc = server.get("/api/documents/9eee6b74c3809504").json()
    response = server.get("/documents/9eee6b74c3809504")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert f"<h1>{doc['title']}</h1>" in page
    assert "Andrea Lobo" in page and '<time datetime="2023-12-01">' in page
    paragraphs = [p for p in doc["text"].split("\n\n") if p.strip()]
    assert page.count("\n  <p>") == len(paragraphs)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("doc_id", ["0000000000000000", "zz", "9EEE6B74C3809504", "..%2Fetc"])
def test_document_page_404(server, doc_id):
    response = server.get(f"/documents/{doc_id}")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<h1>Not found</h1>" in response.text


def test_static_files_are_versioned_and_cached(server):
    page = server.get("/").text
    for name in ("style.css", "app.js"):
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:8]
        url = f"/static/{name}?v={digest}"
        assert f'"{url}"' in page
        response = server.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "max-age=3600" in server.get(f"/static/{name}?v=old").headers["Cache-Control"]
    embed = server.get("/embed.js")
    assert embed.headers["Content-Type"].startswith("text/javascript")
    assert "max-age=3600" in embed.headers["Cache-Control"]
    assert server.get("/embed?q=mexico").headers["Content-Security-Policy"].endswith("frame-ancestors *")


# The page's URL state and the fields the API will add.

@pytest.fixture(scope="module")
def app(built_index):
    return create_app(Config(index_dir=built_index))


def test_search_url_keeps_filters_and_resets_the_page(app):
    with app.test_request_context("/?q=mexico&page=3&per_page=2&site=wsws.org&from=2023-01-01&to=2023-12-31&sort=date&junk=1"):
        assert search_url(page=4) == "/?q=mexico&page=4&per_page=2&site=wsws.org&from=2023-01-01&to=2023-12-31&sort=date"
        assert search_url(site=None) == "/?q=mexico&per_page=2&from=2023-01-01&to=2023-12-31&sort=date"
        assert search_url({"from": None, "to": None}, q="mexiko") == "/?q=mexiko&per_page=2&site=wsws.org&sort=date"
    with app.test_request_context("/embed?q=a&site=x"):
        assert search_url(page=2) == "/embed?q=a&page=2&site=x"


def test_page_renders_facets_suggestion_and_highlighted_titles(app):
    data = {"query": "mexco", "total": 12, "page": 1, "per_page": 10, "took_ms": 2.0,
            "interpreted_as": "mexco (all words)", "suggestion": "mexico",
            "facets": {"site": [{"value": "wsws.org", "count": 2}], "year": [{"value": "2023", "count": 2}]},
            "results": [{"id": "9eee6b74c3809504", "title": "T <b>", "url": "javascript:alert(1)",
                         "source": "s.txt", "site": "wsws.org", "author": "A", "published": "2023-12-01",
                         "score": 1.0, "snippet": "x <mark>y</mark> <script>z</script>",
                         "title_highlighted": "T <mark>mexico</mark> <img src=x onerror=alert(1)>"}]}
    with app.test_request_context("/?q=mexco&site=wsws.org"):
        page = render_template("search.html", q="mexco", data=data, error=None)
    assert 'Did you mean <a href="/?q=mexico&amp;site=wsws.org">mexico</a>?' in page
    assert "Searched for <q>mexco (all words)</q>" in page
    assert '<a href="/?q=mexco" aria-current="true">wsws.org</a>' in page  # active: the link removes it
    assert '<a href="/?q=mexco&amp;site=wsws.org&amp;from=2023-01-01&amp;to=2023-12-31">2023</a>' in page
    # Tags other than <mark> (which the API never sends) are dropped, their text kept as text.
    assert "T <mark>mexico</mark> </a>" in page
    assert "x <mark>y</mark> z</p>" in page
    assert "javascript:" not in page and "<img" not in page
    assert 'rel="next" href="/?q=mexco&amp;page=2&amp;site=wsws.org"' in page
    assert 'aria-label="Remove filter: site wsws.org"' in page


def test_marked_keeps_only_mark():
    assert marked("a &amp; <mark>b</mark> <em>c</em> <mark onclick=x>d</mark>") == \
        "a &amp; <mark>b</mark> c d"
    assert marked(None) == ""


def test_no_inline_script_or_style_in_pages(server):
    for path in ("/", "/?q=mexico", "/documents/9eee6b74c3809504", "/embed?q=mexico"):
        page = server.get(path).text
        assert not re.search(r"<script(?![^>]*\ssrc=)", page), path
        assert "<style" not in page and " style=" not in page and " on" + "click=" not in page


# The README's examples, run for real.

def _with_server(text: str, server) -> str:
    return text.replace("http://127.0.0.1:8000", server.url)


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_readme_curl_examples(server):
    lines = [line for line in readme_block("curl-examples").splitlines() if line.startswith("curl ")]
    assert len(lines) == 4
    for line in lines:
        result = subprocess.run(["bash", "-c", _with_server(line, server) + " -sf"], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0 and result.stdout.strip(), line
    expected = readme_block("text-output")
    actual = server.get("/api/search", params={"q": '"special forces"', "format": "text"}).text
    assert re.sub(r"\d+ ms", "N ms", actual) == re.sub(r"\d+ ms", "N ms", expected)


def _run_loop(script: str, tmp_path: Path, env: dict | None = None) -> list[list[str]]:
    (tmp_path / "queries.txt").write_text('mexico\n"special forces"\nzeppelin\n')
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()]


@pytest.mark.skipif(not (shutil.which("jq") and shutil.which("curl")), reason="needs jq and curl")
def test_readme_lookup_loop(server, tmp_path):
    rows = _run_loop(_with_server(readme_block("lookup-loop"), server), tmp_path)
    assert [r[:2] for r in rows] == [["mexico", "1"], ["mexico", "2"], ["mexico", "3"], ['"special forces"', "1"]]
    assert rows[3][2:] == ["2023-12-01", "President AMLO invites US special forces to train troops in Mexico"]


@pytest.mark.skipif(not shutil.which("jq"), reason="needs jq")
def test_readme_cli_loop_gives_the_same_rows(server, built_index, tmp_path):
    script = readme_block("cli-loop").replace("index/", str(built_index))
    bin_dir = str(Path(sys.executable).parent)
    cli_rows = _run_loop(script, tmp_path, {"PATH": bin_dir + os.pathsep + os.environ["PATH"]})
    api_rows = _run_loop(_with_server(readme_block("lookup-loop"), server), tmp_path)
    assert cli_rows == api_rows


def test_readme_embed_snippet_and_screenshot(server):
    snippet = readme_block("embed-snippet")
    src = re.search(r'<script src="https://search\.example\.org(/embed\.js)" data-target="(#\w+)" async></script>', snippet)
    assert src and f'id="{src.group(2)[1:]}"' in snippet
    assert server.get(src.group(1)).status_code == 200
    assert "SEARCH_CORS_ORIGINS" in README and "/embed" in README
    png = ROOT / "docs" / "screenshot.png"
    assert "](docs/screenshot.png)" in README
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size < 300_000
