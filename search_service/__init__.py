"""search_service: full-text search over collections of scraped web pages."""

__version__ = "0.1.0"
