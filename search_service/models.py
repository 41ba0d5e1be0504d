"""Plain data passed between the stages: sources → cleaning → indexer → search → web."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawPage:
    """One scraped page as read from the corpus, decoded but not cleaned."""

    source: str  # path relative to the corpus root, with forward slashes
    body: bytes
    text: str  # body decoded to str
    content_type: str  # "html", "text" (a scrape to clean) or "clean" (main text already)
    url: str | None = None
    # Metadata a scraper supplied beside the page (JSON Lines), if any.
    title: str | None = None
    author: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A file the ingester did not index, and why."""

    source: str
    reason: str


@dataclass
class Document:
    """A cleaned page: what the indexer stores and the API returns."""

    id: str
    source: str
    text: str
    title: str = ""
    url: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None  # YYYY-MM-DD
    lang: str | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "url": self.url,
            "site": self.site,
            "title": self.title,
            "author": self.author,
            "published": self.published,
            "lang": self.lang,
            "text": self.text,
        }


@dataclass(frozen=True)
class SearchRequest:
    """A user's query with paging, filters and sort, already validated."""

    q: str
    page: int = 1
    per_page: int = 10
    site: str | None = None
    author: str | None = None
    date_from: str | None = None  # YYYY-MM-DD, inclusive
    date_to: str | None = None
    sort: str = "relevance"  # or "date" (newest first)
    snippet_length: int = 200


@dataclass
class Hit:
    id: str
    title: str
    url: str | None
    source: str
    site: str | None
    author: str | None
    published: str | None
    score: float
    snippet: str  # escaped HTML with <mark> around matches
    title_highlighted: str = ""  # the title, escaped, with <mark> around matches

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "title_highlighted": self.title_highlighted,
            "url": self.url,
            "source": self.source,
            "site": self.site,
            "author": self.author,
            "published": self.published,
            "score": round(self.score, 4),
            "snippet": self.snippet,
        }


@dataclass
class SearchResults:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit] = field(default_factory=list)
    suggestion: str | None = None
    interpreted_as: str = ""
    notes: list[str] = field(default_factory=list)  # how the query was read, what was forgiven
    facets: dict[str, list[dict]] = field(default_factory=dict)  # {"site": [{"value", "count"}], "year": …}
    partial: bool = False  # cut short by the time budget or by a bounded expansion
    cached: bool = False  # answered from the answer cache (not part of the JSON answer)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_dict(self) -> dict:
        return {
            "query": self.query,
            "interpreted_as": self.interpreted_as,
            "notes": self.notes,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": round(self.took_ms, 2),
            "partial": self.partial,
            "results": [h.as_dict() for h in self.hits],
            "facets": self.facets,
            "suggestion": self.suggestion,
        }
