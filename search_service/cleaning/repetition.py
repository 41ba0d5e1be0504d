"""Blocks that repeat across many pages of one site are boilerplate (menus, footers, teasers)."""
from __future__ import annotations

from collections import Counter, defaultdict

from ..models import RawPage
from .text import normalize_block, site_of, split_blocks

# A block counts as site chrome when it is this short and found on at least
# MIN_PAGES pages, and on at least MIN_SHARE of the site's pages.
MAX_WORDS = 30
MIN_PAGES = 2
MIN_SHARE = 0.05


def site_key(page: RawPage) -> str:
    """The group a page's repetitions are counted in: its site, or the corpus as a whole."""
    return site_of(page.url, page.source, []) or ""


class RepeatedBlocks:
    """Counts short blocks per site over a corpus, then names the ones that repeat."""

    def __init__(self) -> None:
        self._pages: Counter[str] = Counter()
        self._blocks: dict[str, Counter[str]] = defaultdict(Counter)
        self._frozen: dict[str, frozenset[str]] = {}

    def add(self, page: RawPage) -> None:
        """Count the short blocks of one text page (once per page)."""
        if page.content_type != "text":
            return
        key = site_key(page)
        self._frozen.pop(key, None)
        self._pages[key] += 1
        seen = {
            normalize_block(b.text)
            for b in split_blocks(page.text)
            if len(b.text.split()) <= MAX_WORDS
        }
        self._blocks[key].update(seen)

    def for_page(self, page: RawPage) -> frozenset[str]:
        """The repeated blocks of the page's site."""
        key = site_key(page)
        if key not in self._frozen:
            threshold = max(MIN_PAGES, MIN_SHARE * self._pages[key])
            self._frozen[key] = frozenset(b for b, n in self._blocks[key].items() if n >= threshold)
        return self._frozen[key]
