"""Cleaning stage: RawPage → Document (main text without boilerplate, plus metadata)."""
from __future__ import annotations

import hashlib

from ..decoding import decode
from ..models import Document, RawPage
from .extracted import Extracted
from .html import extract_html
from .language import detect_language
from .repetition import RepeatedParagraphs
from .dates import parse_date
from .text import extract_text, site_of

__all__ = ["extract_main_text", "clean_page", "document_id", "RepeatedParagraphs", "Extracted"]


def extract_main_text(html: bytes, url: str | None = None) -> str:
    """The main text of one HTML page alone (the benchmark's entry point)."""
    return extract_html(decode(html, is_html=True), url).text


def document_id(source: str) -> str:
    """A stable, URL-safe id derived from the page's path in the corpus."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


def clean_page(page: RawPage) -> Document:
    """Clean one page into a Document; its text is empty when no main text was found."""
    if page.content_type == "html":
        found = extract_html(page.text, page.url)
    elif page.content_type == "clean":
        found = _already_clean(page)
    else:
        found = extract_text(page.text, page.url, page.source)
    return Document(
        id=document_id(page.source),
        source=page.source,
        url=page.url,
        title=page.title or found.title or _fallback_title(page.source, found),
        text=found.text,
        site=found.site,
        author=page.author or found.author,
        published=parse_date(page.published) or found.published,
        lang=found.lang or detect_language(found.text),
    )


def _already_clean(page: RawPage) -> Extracted:
    """A scraper's own clean text: kept whole, split into paragraphs at blank lines."""
    paragraphs = [" ".join(p.split()) for p in page.text.replace("\r", "").split("\n\n")]
    return Extracted(paragraphs=[p for p in paragraphs if p], site=site_of(page.url, page.source, []))


def _fallback_title(source: str, found: Extracted) -> str:
    if found.paragraphs:
        first = found.paragraphs[0]
        return first if len(first) <= 80 else first[:77].rsplit(" ", 1)[0] + "…"
    return source.rsplit("/", 1)[-1]
