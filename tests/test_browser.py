"""The pages in a real browser: Playwright driving Debian's Chromium against a real gunicorn.

Screenshots of each state go to tests/artifacts/ (git-ignored). With UPDATE_DOCS=1 the
results screenshot is also written to docs/screenshot.png for the README.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from playwright import sync_api

from .conftest import ROOT, Server, free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"
RED = "rgb(255, 0, 0)"

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
                    ".ci/run does it itself")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


def shot(page, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def test_typing_shows_highlighted_results(page, server):
    page.goto(server.url + "/")
    assert page.locator("#help").is_visible()  # the empty state explains the syntax
    page.locator("#q").press_sequentially('"special forces"', delay=15)
    page.wait_for_selector(".hit mark")
    assert page.locator("#status").inner_text().startswith("1 result for")
    assert page.locator(".hit h2 mark").all_inner_texts() == ["special", "forces"]  # in the title
    assert page.locator(".hit .snippet mark").all_inner_texts()[:2] == ["Special", "Forces"]
    assert page.locator("#help").is_hidden()
    # The URL follows the query, so the state can be bookmarked and reloaded.
    assert page.url == server.url + "/?q=%22special+forces%22"
    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("lopez obrador", delay=15)
    sync_api.expect(page.locator(".hit")).to_have_count(5)
    assert page.locator("#status").inner_text().startswith("5 results for")
    assert page.title() == "lopez obrador – Search"
    path = shot(page, "results", full_page=True)
    if os.environ.get("UPDATE_DOCS"):
        page.set_viewport_size({"width": 900, "height": 640})
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
    page.reload()  # the bookmarked URL renders the same results on the server
    assert page.locator(".hit").count() == 5 and page.locator("#q").input_value() == "lopez obrador"
    assert path.stat().st_size > 1000


def test_typing_is_debounced_and_user_data_stays_text(page, server):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/search" in r.url else None)
    page.goto(server.url + "/")
    page.locator("#q").press_sequentially("<img src=x onerror=alert(1)> mexico", delay=10)
    page.wait_for_selector(".hit")
    page.wait_for_timeout(300)
    assert 1 <= len(requests) <= 3, requests  # not one request per keystroke
    assert page.locator("#status q").inner_text() == "<img src=x onerror=alert(1)> mexico"
    assert page.locator("#results img, #status img").count() == 0


def test_bad_query_shows_an_error(page, server):
    page.goto(server.url + "/")
    page.locator("#q").press_sequentially("*", delay=10)
    alert = page.locator("#results [role=alert]")
    alert.wait_for()
    assert "no words" in alert.inner_text() or "search terms" in alert.inner_text()
    assert page.locator("#help").is_visible()
    shot(page, "error")


def test_keyboard_only(page, server):
    page.goto(server.url + "/")
    page.keyboard.press("Tab")  # focus leaves the box (skip link or the next control)…
    assert page.evaluate("document.activeElement.id") != "q"
    page.keyboard.press("/")  # … and "/" brings it back
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("mexico", delay=15)
    sync_api.expect(page.locator(".hit")).to_have_count(5)
    titles = page.locator(".hit h2 a").all_inner_texts()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == titles[0]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == titles[2]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # visible focus
    shot(page, "keyboard")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.textContent") == titles[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # opens the focused result: its clean text
    assert re.search(r"/documents/[0-9a-f]{16}$", page.url)
    assert page.locator("h1").inner_text() == titles[0]
    assert page.locator("article p").count() > 3
    shot(page, "document", full_page=True)


def test_page_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server.url + "/")
        page.locator("#q").fill("mexico")
        with page.expect_navigation():
            page.locator("#q").press("Enter")
        assert page.locator(".hit").count() == 5 and page.locator(".hit mark").count() > 0
        page.goto(server.url + "/?q=mexico&per_page=2")
        with page.expect_navigation():
            page.locator("a[rel=next]").click()
        assert "page=2" in page.url and "per_page=2" in page.url
        assert page.locator(".hits").get_attribute("start") == "3"
        shot(page, "no-javascript", full_page=True)
    finally:
        context.close()


def test_narrow_screen_and_dark_mode(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(server.url + "/?q=lopez+obrador")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        assert background == "rgb(20, 23, 27)"
        shot(page, "narrow-dark", full_page=True)
    finally:
        context.close()


AXE_JS = None


def run_axe(page, context: str = "document") -> list[dict]:
    """axe-core's serious and critical violations on the current page (or one part of it)."""
    global AXE_JS
    if AXE_JS is None:
        import axe_playwright_python  # ships axe.min.js (MPL-2.0)
        AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    page.add_script_tag(content=AXE_JS)
    result = page.evaluate(f"axe.run({context}, {{resultTypes: ['violations']}})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_axe(browser, server, scheme):
    # bypass_csp lets the test inject axe; the pages themselves allow only their own scripts.
    context = browser.new_context(color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    try:
        doc_id = server.get("/api/search", params={"q": "mexico"}).json()["results"][0]["id"]
        for path in ["/", "/?q=lopez+obrador&per_page=2", "/?q=*", f"/documents/{doc_id}",
                     "/documents/0000000000000000", "/embed?q=mexico"]:
            page.goto(server.url + path)
            assert run_axe(page) == [], path
    finally:
        context.close()


# The embed widget on another origin.

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host site</title>
<style>
  mark, li, input {{ color: rgb(255, 0, 0) !important; }}
  search-service-embed, #search {{ color: rgb(255, 0, 0) !important; font-family: serif !important; }}
  * {{ letter-spacing: 3px; }}
</style></head>
<body><main>
  <h1>A blog</h1>
  <ul><li id="own-li">The host's own list item with a <mark id="own-mark">mark</mark></li></ul>
  <div id="search"><form action="{api}/"><input name="q" aria-label="search"></form></div>
  <script src="{api}/embed.js" data-target="#search" async></script>
  <iframe id="frame" title="Search" src="{api}/embed" width="600" height="300"></iframe>
</main></body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def host_port():
    return free_port()


@pytest.fixture(scope="module")
def cors_server(built_index, host_port):
    """gunicorn that lets the host site's origin call its API."""
    with Server(built_index, workers=1, SEARCH_CORS_ORIGINS=f"http://127.0.0.1:{host_port}") as srv:
        yield srv


@contextlib.contextmanager
def host_site_on(port: int, api_url: str):
    """Another origin (another port) serving a page that embeds the widget and the iframe."""
    root = ARTIFACTS / f"host-{port}"
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(HOST_PAGE.format(api=api_url))
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        shutil.rmtree(root, ignore_errors=True)


def test_embed_widget_across_origins(page, cors_server, host_port):
    with host_site_on(host_port, cors_server.url) as host:
        page.goto(host + "/")
        box = page.locator("search-service-embed input[type=search]")  # Playwright pierces the shadow root
        box.press_sequentially("lopez", delay=15)
        page.locator("search-service-embed li mark").first.wait_for()
        assert page.locator("search-service-embed li").count() == 5
        assert "5 results" in page.locator("search-service-embed .status").inner_text()
        # The host's CSS does not get in …
        styles = page.evaluate("""() => {
            const root = document.querySelector('search-service-embed').shadowRoot;
            const css = (sel, prop) => getComputedStyle(root.querySelector(sel))[prop];
            return {mark: css('mark', 'color'), li: css('li', 'color'), input: css('input', 'color'),
                    font: css('li', 'fontFamily'), spacing: css('li', 'letterSpacing')};
        }""")
        assert RED not in styles.values(), styles
        assert "serif" != styles["font"] and styles["spacing"] == "normal", styles
        # … and the widget's CSS does not get out.
        assert page.evaluate("getComputedStyle(document.getElementById('own-li')).color") == RED
        assert page.evaluate("getComputedStyle(document.getElementById('own-mark')).backgroundColor") == "rgb(255, 255, 0)"
        shot(page, "embed")
        assert run_axe(page, "document.querySelector('search-service-embed')") == []
        # Keyboard: ↓ into the results, Enter opens one on the search service.
        box.press("ArrowDown")
        focused = page.evaluate("document.querySelector('search-service-embed').shadowRoot.activeElement.className")
        assert focused == "title"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.startswith(cors_server.url + "/documents/")


def test_embed_iframe_page(page, cors_server, host_port):
    with host_site_on(host_port, cors_server.url) as host:
        page.goto(host + "/")
        frame = page.frame_locator("#frame")
        frame.locator("#q").press_sequentially("mexico", delay=15)
        frame.locator(".hit mark").first.wait_for()
        assert frame.locator(".hit").count() == 5
        shot(page, "embed-iframe")


def test_embed_degrades_to_a_form_when_the_api_is_unreachable(page, server, host_port):
    # `server` does not allow the host's origin, so the browser blocks the API's answers.
    with host_site_on(host_port, server.url) as host:
        page.goto(host + "/")
        box = page.locator("search-service-embed input[type=search]")
        box.press_sequentially("mexico", delay=15)
        note = page.locator("search-service-embed .note", has_text="unavailable")
        note.wait_for()
        assert page.locator("search-service-embed .panel").is_hidden()
        shot(page, "embed-offline")
        with page.expect_navigation():
            box.press("Enter")  # the plain form still searches, on the search page
        assert page.url == server.url + "/?q=mexico"
        assert page.locator(".hit").count() == 5
