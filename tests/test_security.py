"""No injection, security headers, ids that cannot leave the index, request size limits,
no debug mode, and the optional rate limit: against a real gunicorn (tests.conftest.Server).
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from search_service.config import Config, parse_rate
from search_service.indexer import build_index
from search_service.models import Document
from search_service.web import create_app
from search_service.web.limits import MAX_URL_BYTES
from search_service.web.ratelimit import RateLimiter

from .conftest import ROOT, Server, free_port


def serving(index_dir: Path, workers: int = 1, **env: str) -> Server:
    """A gunicorn like conftest's `server`, with settings from extra environment variables."""
    return Server(index_dir, workers=workers, **env)


@contextmanager
def serve_command(index_dir: Path, tmp_path: Path, workers: int = 1, **env: str):
    """`search-service serve` in a subprocess on a free port; yields its base URL."""
    port = free_port()
    full_env = {**os.environ, "TMPDIR": str(tmp_path), "SEARCH_INDEX": str(index_dir), **env}
    full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "search_service.cli", "serve", "--port", str(port), "--workers", str(workers),
         "--index", str(index_dir)], cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            assert process.poll() is None, "search-service serve exited"
            try:
                requests.get(url + "/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def raw_get(srv: Server, target: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET exactly this request target (no client-side normalisation of `..` or `%2F`)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- 7. no injection

HOSTILE_ID = "0123456789abcdef"
HOSTILE = Document(
    id=HOSTILE_ID,
    source='evil/<script>alert("source")</script>.html',
    url="javascript:alert('url')",
    site='"><script>alert("site")</script>',
    title='<script>alert("title")</script> zeppelin <img src=x onerror=alert(1)>',
    author='<svg onload=alert("author")>',
    published="2024-01-02",
    lang='en" onmouseover="alert(1)',
    text='A zeppelin <script>alert("text")</script> flew over <b onclick="alert(2)">the</b> town.\n\n'
         "Second paragraph about the zeppelin &amp; &lt;mark&gt;.",
)
SNEAKY_URL_ID = "fedcba9876543210"
SNEAKY = Document(id=SNEAKY_URL_ID, source="sneaky.txt", title="Sneaky zeppelin",
                  url='https://example.org/" onmouseover="alert(3)', text="The zeppelin again.")
OTHER_SCHEMES = [("1111111111111111", " JaVaScRiPt:alert(4)"), ("2222222222222222", "data:text/html,<script>alert(5)</script>"),
                 ("3333333333333333", "java\tscript:alert(6)"), ("4444444444444444", "vbscript:msgbox(7)")]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    index = tmp_path_factory.mktemp("hostile")
    others = [Document(id=i, source=f"{i}.txt", title=f"Zeppelin {i}", url=u, text="zeppelin") for i, u in OTHER_SCHEMES]
    build_index([HOSTILE, SNEAKY, *others], index)
    with serving(index) as srv:
        yield srv


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(page: str) -> None:
    """No markup, script or script URL from the documents made it into the page as markup."""
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in ("img", "svg", "b", "iframe", "object", "embed"), (tag, attrs)
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if tag == "script":
            assert re.fullmatch(r"/static/app\.js\?v=[0-9a-f]{8}", attrs.get("src") or ""), attrs
        if (tag, attrs) == ("link", {"rel": "icon", "href": "data:,"}):
            continue  # our own empty favicon
        for name in ("href", "src", "action", "formaction"):
            value = re.sub(r"[\s\x00-\x1f]", "", attrs.get(name) or "")
            assert not re.match(r"(javascript|data|vbscript):", value, re.I), (tag, attrs)


def test_hostile_fields_render_inert_on_the_search_page(hostile_server):
    response = hostile_server.get("/", params={"q": "zeppelin"})
    assert response.status_code == 200
    page = response.text
    assert page.count('class="hit"') == 6
    assert_inert(page)
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page  # shown, as text
    assert "&lt;svg onload=alert(&#34;author&#34;)&gt;" in page
    # The javascript: URL is not linked: the title links to the clean text instead.
    assert f'href="/documents/{HOSTILE_ID}"' in page
    # An http URL with a quote in it stays one attribute value.
    assert 'href="https://example.org/&#34; onmouseover=&#34;alert(3)"' in page


def test_hostile_fields_render_inert_on_the_document_page(hostile_server):
    page = hostile_server.get(f"/documents/{HOSTILE_ID}").text
    assert_inert(page)
    assert "&lt;script&gt;alert(&#34;text&#34;)&lt;/script&gt;" in page
    assert "&lt;b onclick=&#34;alert(2)&#34;&gt;" in page
    assert "javascript:alert(&#39;url&#39;)" in page  # shown as text, not as a link
    assert '<article class="document" lang="en&#34; onmouseover=&#34;alert(1)">' in page
    for doc_id, _ in OTHER_SCHEMES:
        assert_inert(hostile_server.get(f"/documents/{doc_id}").text)


def test_hostile_fields_render_inert_in_the_embed_page(hostile_server):
    assert_inert(hostile_server.get("/embed", params={"q": "zeppelin"}).text)


def test_snippets_are_escaped_text_and_mark_only(hostile_server):
    for q in ("zeppelin", "script alert", '"flew over"', "mark", "onclick"):
        for hit in hostile_server.get("/api/search", params={"q": q}).json()["results"]:
            tags = re.findall(r"<[^>]*>", hit["snippet"])
            assert set(tags) <= {"<mark>", "</mark>"}, (q, hit["snippet"])
            assert "<script" not in hit["snippet"]


# ---------------------------------------------------------------- headers

PAGES = ["/", "/?q=mexico", "/documents/9eee6b74c3809504", "/?q=mexico&per_page=abc", "/documents/zz", "/nothing"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_security_headers_and_may_not_be_framed(server, path):
    response = server.get(path)
    assert response.headers["Content-Type"].startswith("text/html")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/embed", "/embed?q=mexico", "/embed?q=*"])
def test_embed_may_be_framed_by_any_site_and_keeps_the_other_headers(server, path):
    response = server.get(path)
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/api/search?q=mexico", "/api/search?q=", "/healthz", "/api/openapi.json",
                                  "/metrics", "/static/style.css", "/embed.js"])
def test_other_answers_are_nosniff(server, path):
    assert server.get(path).headers["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- ids that cannot leave the index

TRAVERSALS = [
    "..", "%2e%2e", "..%2F..%2F..%2Fetc%2Fpasswd", "..%2f..%2fCURRENT", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "..%5C..%5Cwindows", "....%2F%2F", "%252e%252e%252fetc", "..;", "%00", "9eee6b74c3809504%00",
    "9eee6b74c3809504%2F..%2F9eee6b74c3809504", "CURRENT", ".lock", "_MAIN_1.toc", "%2Fetc%2Fpasswd",
    "9eee6b74c3809504.json", "9EEE6B74C3809504", "%ED%A0%80", "x" * 300,
]


@pytest.mark.parametrize("doc_id", TRAVERSALS)
def test_document_ids_cannot_read_outside_the_index(server, doc_id):
    status, headers, body = raw_get(server, f"/api/documents/{doc_id}")
    assert status == 404
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "not_found"
    assert b"root:" not in body


@pytest.mark.parametrize("target", ["/api/documents/../../../etc/passwd", "/api/documents/..//..//etc/passwd",
                                   "/api/documents//etc/passwd", "/api/documents/./CURRENT",
                                   "/documents/../../etc/passwd", "/static/../../../../etc/passwd",
                                   "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/static/%2e%2e/__init__.py"])
def test_paths_with_dot_segments_find_nothing(server, target):
    status, _, body = raw_get(server, target)
    assert status in (400, 404)
    assert b"root:" not in body and b"import" not in body


def test_a_real_id_is_found(server):
    assert server.get("/api/documents/9eee6b74c3809504").status_code == 200


# ---------------------------------------------------------------- request size

def test_a_large_request_body_is_refused_with_413(server):
    for method in ("GET", "POST"):
        response = requests.request(method, server.url + "/api/search?q=mexico", data=b"x" * 64_000, timeout=10)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "request_entity_too_large"


def test_other_methods_are_405_with_allow(server):
    response = requests.post(server.url + "/api/search?q=mexico", timeout=10)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_a_url_over_gunicorns_line_limit_never_reaches_the_app(server):
    status, _, _ = raw_get(server, "/api/search?q=" + "a" * 5000)
    assert status in (400, 414)
    assert server.get("/healthz").status_code == 200


def test_a_url_over_the_apps_limit_gets_its_json_414_under_gunicorn(server):
    response = server.get("/api/search", params={"q": "a" * 6000})
    assert response.status_code == 414
    assert response.json()["error"]["code"] == "request_uri_too_long"


def test_the_app_refuses_long_urls_itself(built_index):
    # For servers without gunicorn's request-line limit (in-process: Flask's own client).
    client = create_app(Config(index_dir=built_index)).test_client()
    response = client.get("/api/search?q=" + "a" * MAX_URL_BYTES)
    assert response.status_code == 414
    assert response.get_json()["error"]["code"] == "request_uri_too_long"
    assert client.get("/api/search?q=" + "a" * 900).status_code == 200


# ---------------------------------------------------------------- no debug mode

def test_the_wsgi_app_is_never_in_debug_mode():
    env = dict(os.environ, FLASK_DEBUG="1", FLASK_ENV="development")
    code = "import wsgi; print(wsgi.app.debug, wsgi.app.config['DEBUG'])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False"], out.stderr


def switch_to_a_corrupt_generation(built_index: Path, root: Path, damaged: str = ".seg") -> None:
    """Put a copy of built_index's generation with one kind of file damaged in root and point
    root/CURRENT at it. A damaged segment (.seg) opens, then fails in a way the service does
    not expect; a damaged table of contents (.toc) does not open."""
    source = built_index / (built_index / "CURRENT").read_text().strip()
    target = root / "gen-corrupt"
    target.mkdir(parents=True)
    for path in source.iterdir():
        data = path.read_bytes()
        if path.suffix == damaged:
            data = data[: len(data) // 2] + b"\0" * (len(data) - len(data) // 2)
        (target / path.name).write_bytes(data)
    (root / "CURRENT.tmp").write_text(target.name)
    (root / "CURRENT.tmp").replace(root / "CURRENT")


@pytest.fixture
def corrupt_index(built_index, tmp_path):
    switch_to_a_corrupt_generation(built_index, tmp_path / "index")
    return tmp_path / "index"


def test_an_unexpected_error_is_a_plain_500_even_with_flask_debug_set(corrupt_index):
    with serving(corrupt_index, FLASK_DEBUG="1") as srv:
        response = srv.get("/api/search", params={"q": "mexico"})
        assert response.status_code == 500
        assert response.json() == {"error": {"code": "internal_error",
                                             "message": "the server failed to answer; the error is logged"}}
        page = srv.get("/", params={"q": "mexico"})
        assert page.status_code == 500 and page.headers["Content-Type"].startswith("text/html")
        for body in (response.text, page.text):
            assert "Traceback" not in body and "whoosh" not in body.lower() and "Werkzeug Debugger" not in body
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        # /metrics still answers, saying the index is unavailable.
        metrics = srv.get("/metrics")
        assert metrics.status_code == 200 and "search_index_available 0.0" in metrics.text


def test_an_unreadable_index_is_a_503_and_a_clear_message(built_index, tmp_path):
    index = tmp_path / "index"
    switch_to_a_corrupt_generation(built_index, index, damaged=".toc")
    with serving(index) as srv:
        for path in ("/api/search?q=mexico", "/healthz"):
            response = srv.get(path)
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "index_unreadable"
            assert "ingest --full" in response.json()["error"]["message"]
    stats = subprocess.run([sys.executable, "-m", "search_service.cli", "stats", "--index", str(index)],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert stats.returncode == 2 and "cannot be read" in stats.stderr and "Traceback" not in stats.stderr


def test_search_service_serve_never_runs_in_debug_mode(built_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(built_index, index)
    with serve_command(index, tmp_path, FLASK_DEBUG="1") as url:
        switch_to_a_corrupt_generation(built_index, index)  # after start-up, which checks the index
        response = requests.get(url + "/api/search", params={"q": "mexico"}, timeout=10)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error" and "Traceback" not in response.text


# ---------------------------------------------------------------- 8. rate limit

def test_rate_limit_setting_parsing():
    assert Config.from_env({}).rate_limit is None
    assert Config.from_env({"SEARCH_RATE_LIMIT": "60/minute"}).rate_limit == (60, 60.0)
    assert parse_rate("10/second") == (10, 1.0) and parse_rate("1000/hour") == (1000, 3600.0)
    assert parse_rate("5/10s") == (5, 10.0) and parse_rate("off") is None
    for bad in ("lots", "0/minute", "5/fortnight", "-1/minute"):
        with pytest.raises(ValueError):
            parse_rate(bad)
    assert Config.from_env({"SEARCH_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    with pytest.raises(ValueError):
        Config.from_env({"SEARCH_TRUSTED_PROXIES": "yes"})


def test_token_bucket_refills_at_the_rate():
    now = [100.0]
    limiter = RateLimiter(3, 60.0, clock=lambda: now[0])
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(20.0)  # one token every 20 s
    assert limiter.acquire("b") == 0.0  # another client has its own bucket
    now[0] += 20.0
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0


def test_no_rate_limit_by_default(server, built_index):
    assert all(server.get("/healthz").status_code == 200 for _ in range(5))
    assert "rate_limiter" not in create_app(Config(index_dir=built_index)).extensions


def test_rate_limit_answers_429_with_retry_after(built_index):
    with serving(built_index, SEARCH_RATE_LIMIT="3/hour") as srv:
        assert [srv.get("/api/search", params={"q": "mexico"}).status_code for _ in range(3)] == [200] * 3
        response = srv.get("/api/search", params={"q": "mexico"})
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["error"]["code"] == "rate_limited"
        page = srv.get("/")  # pages count too, and say it as a page
        assert page.status_code == 429 and page.headers["Content-Type"].startswith("text/html")
        assert "Retry-After" in page.headers
        # X-Forwarded-For is not believed unless SEARCH_TRUSTED_PROXIES says so.
        assert srv.get("/api/search", params={"q": "x"}, headers={"X-Forwarded-For": "10.9.8.7"}).status_code == 429
        # Health checks, metrics and static files are never limited.
        assert srv.get("/healthz").status_code == 200
        assert srv.get("/metrics").status_code == 200
        assert srv.get("/static/style.css").status_code == 200


def test_rate_limit_per_forwarded_client_behind_a_trusted_proxy(built_index):
    with serving(built_index, SEARCH_RATE_LIMIT="2/hour", SEARCH_TRUSTED_PROXIES="1") as srv:
        def status(client: str) -> int:
            return srv.get("/api/search", params={"q": "mexico"},
                           headers={"X-Forwarded-For": f"203.0.113.9, {client}"}).status_code
        assert [status("198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert [status("198.51.100.2") for _ in range(3)] == [200, 200, 429]
