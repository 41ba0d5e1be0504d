"""HTML pages → Extracted (placeholder until the HTML extractor lands)."""
from __future__ import annotations

import lxml.html

from .extracted import Extracted


def extract_html(markup: str, url: str | None = None, repeated: frozenset[str] = frozenset()) -> Extracted:
    """Main-text paragraphs and metadata of one HTML page."""
    tree = lxml.html.fromstring(markup)
    return Extracted(paragraphs=[tree.text_content()])
