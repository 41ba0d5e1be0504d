"""Paragraphs that repeat across many pages of one site are boilerplate (menus, footers, teasers).

No single page shows this; a corpus does. The ingester counts short paragraphs per site over
the cleaned documents, then takes the repeated ones out of every document of that site.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from ..models import Document
from .extracted import normalize_block

# A paragraph is site chrome when it is at most MAX_WORDS words long and found on at least
# MIN_PAGES pages of the site, and on at least MIN_SHARE of them.
MAX_WORDS = 30
MIN_PAGES = 3
MIN_SHARE = 0.05
# Pages per site the counts are taken from: enough to see chrome, bounded in memory.
SAMPLE_PAGES = 2000


class RepeatedParagraphs:
    """Counts short paragraphs per site, then strips the repeated ones from documents."""

    def __init__(self) -> None:
        self._pages: Counter[str] = Counter()
        self._counts: dict[str, Counter[str]] = defaultdict(Counter)
        self._repeated: dict[str, frozenset[str]] = {}

    def count(self, doc: Document) -> None:
        """Count the short paragraphs of one document (each once)."""
        site = doc.site or ""
        if self._pages[site] >= SAMPLE_PAGES:
            return
        self._pages[site] += 1
        self._repeated.pop(site, None)
        self._counts[site].update({
            normalize_block(p) for p in doc.text.split("\n\n") if len(p.split()) <= MAX_WORDS
        })

    def repeated(self, site: str | None) -> frozenset[str]:
        """The paragraphs that count as chrome on a site."""
        site = site or ""
        if site not in self._repeated:
            threshold = max(MIN_PAGES, MIN_SHARE * self._pages[site])
            self._repeated[site] = frozenset(p for p, n in self._counts[site].items() if n >= threshold)
        return self._repeated[site]

    def for_stripping(self) -> RepeatedParagraphs:
        """A copy that strips as this one does, without the counts (small enough to send to
        another process): every counted site's repeated paragraphs, worked out once."""
        copy = RepeatedParagraphs()
        copy._repeated = {site: self.repeated(site) for site in list(self._counts)}
        return copy

    def strip(self, doc: Document) -> Document:
        """The document without its site's repeated paragraphs."""
        chrome = self.repeated(doc.site)
        if not chrome:
            return doc
        kept = [p for p in doc.text.split("\n\n") if normalize_block(p) not in chrome]
        return replace(doc, text="\n\n".join(kept))
