"""Main-text extraction from text scrapes: the text cleaner on pages it has never seen.

    python benchmarks/text_scrapes.py [--limit N] [--no-readme]

The sample corpus is text renderings of pages (Markdown, as scrapers emit), and the text
cleaner's rules were written looking at five of them. Here the 543 HTML pages of
../shared/bench/extraction (human gold text) are first rendered whole, chrome and all, as
a scraper would render them (html2text, Markdown, no line wrapping; see render), then cleaned by
search_service's text path (cleaning.text.extract_text), and scored against the gold by the
same evaluate.py. The rendering alone is the floor: what keeping everything scores.

The same pages rendered by markdownify are scored too: a second renderer, with its own
conventions, that the text rules were not written against; and as plain text (html2text
without links, emphasis, heading or list marks), as scrapers that keep no markup write them.

html2text and markdownify come with the bench extras (`pip install -e '.[bench]'`).
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.extraction import run  # noqa: E402

# (row label, evaluate.py --extractor, module whose version is shown)
EXTRACTORS = [
    ("the rendering alone (html2text)", "benchmarks.text_scrapes:rendered", "html2text"),
    ("**search_service**, text path", "benchmarks.text_scrapes:cleaned", "search_service"),
    # A second renderer, which the text rules were not written against.
    ("the rendering alone (markdownify)", "benchmarks.text_scrapes:rendered_markdownify", "markdownify"),
    ("**search_service**, text path, on markdownify's rendering", "benchmarks.text_scrapes:cleaned_markdownify",
     "search_service"),
    # Plain text, as scrapers that keep no markup write pages: no link tells a menu from prose.
    ("the rendering alone (plain text)", "benchmarks.text_scrapes:rendered_plain", "html2text"),
    ("**search_service**, text path, on plain text", "benchmarks.text_scrapes:cleaned_plain", "search_service"),
]


def render(html: bytes, plain: bool = False) -> str:
    """The page as a scraper's Markdown: every text of it, links kept, images left out.
    With `plain`, as a plain-text scraper writes it: no links, emphasis, heading or list marks.

    html2text renders nothing of some old pages (31 of the 543); those are rendered as
    BeautifulSoup's text of the page instead, one line per element, as a plainer scraper would.
    """
    import html2text
    from bs4 import BeautifulSoup

    from search_service.decoding import decode

    page = decode(html, is_html=True)
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no wrapping: lines end where the page's blocks end
    converter.ignore_images = True
    converter.ignore_links = converter.ignore_emphasis = plain
    text = converter.handle(page)
    if plain:
        text = "\n".join(line.lstrip("#* ").rstrip() for line in text.split("\n"))
    if text.strip():
        return text
    soup = BeautifulSoup(page, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return soup.get_text("\n")


def render_markdownify(html: bytes) -> str:
    """The page as markdownify renders it (scripts, styles and images left out first)."""
    from bs4 import BeautifulSoup
    from markdownify import MarkdownConverter

    from search_service.decoding import decode

    soup = BeautifulSoup(decode(html, is_html=True), "html.parser")
    for tag in soup(["script", "style", "noscript", "img"]):
        tag.decompose()
    return MarkdownConverter(heading_style="ATX").convert_soup(soup)


def rendered_markdownify(html: bytes, url: str | None = None) -> str:
    """evaluate.py extractor: markdownify's rendering, uncleaned."""
    return render_markdownify(html)


def cleaned_markdownify(html: bytes, url: str | None = None) -> str:
    """evaluate.py extractor: markdownify's rendering through the text cleaner."""
    from search_service.cleaning.text import extract_text

    return extract_text(render_markdownify(html), url, "page.md").text


def rendered(html: bytes, url: str | None = None) -> str:
    """evaluate.py extractor: the rendering, uncleaned."""
    return render(html)


def cleaned(html: bytes, url: str | None = None) -> str:
    """evaluate.py extractor: the rendering through the text cleaner."""
    from search_service.cleaning.text import extract_text

    return extract_text(render(html), url, "page.md").text


def rendered_plain(html: bytes, url: str | None = None) -> str:
    """evaluate.py extractor: the plain-text rendering, uncleaned."""
    return render(html, plain=True)


def cleaned_plain(html: bytes, url: str | None = None) -> str:
    """evaluate.py extractor: the plain-text rendering through the text cleaner."""
    from search_service.cleaning.text import extract_text

    return extract_text(render(html, plain=True), url, "page.txt").text


def main(argv: list[str] | None = None) -> int:
    return run(argv, __doc__, "benchmarks/text_scrapes.py", "text-scrapes", EXTRACTORS,
               heading="Main-text extraction from text scrapes",
               speed_note="each page first rendered whole to Markdown by html2text or markdownify, or to plain "
                          "text (as a scraper would), then cleaned by the text path; pages/s include the rendering")


if __name__ == "__main__":
    sys.exit(main())
