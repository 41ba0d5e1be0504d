"""What a format-specific extractor hands back: main-text paragraphs and metadata."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Extracted:
    """The clean content of one page, before it becomes a Document."""

    paragraphs: list[str] = field(default_factory=list)
    title: str = ""
    author: str | None = None
    published: str | None = None  # YYYY-MM-DD
    site: str | None = None
    lang: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def normalize_block(text: str) -> str:
    """The form in which blocks are compared (with titles, across pages): lowercased, spaces collapsed."""
    return " ".join(text.lower().split())
