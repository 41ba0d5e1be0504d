"""Cleaning stage: RawPage → Document (main text without boilerplate, plus metadata)."""
from __future__ import annotations

from ..decoding import decode
from .extracted import Extracted
from .html import extract_html


def extract_main_text(html: bytes, url: str | None = None) -> str:
    """The main text of one HTML page alone (the benchmark's entry point)."""
    return extract_html(decode(html, is_html=True), url).text
