"""Static files: URLs that carry a hash of the file, and the cache headers that go with them.

`asset_url("style.css")` → `/static/style.css?v=<8 hex of its content>`. A request with the
right `v` may be cached for a year (the URL changes whenever the file does); without it,
for an hour. (Security headers of pages are set in headers.py.)
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Response, request, url_for

STATIC_DIR = Path(__file__).parent / "static"
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=3600"


@lru_cache(maxsize=64)
def _digest(filename: str, mtime_ns: int) -> str:
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:8]


def asset_version(filename: str) -> str:
    """A short hash of a static file's content (recomputed when the file changes)."""
    return _digest(filename, (STATIC_DIR / filename).stat().st_mtime_ns)


def asset_url(filename: str) -> str:
    """The URL of a static file, with its version in the query string."""
    return url_for("pages.static", filename=filename, v=asset_version(filename))


def cache_static(response: Response) -> Response:
    """after_request for the pages blueprint: cache headers on /static/ files."""
    if request.endpoint == "pages.static" and response.status_code in (200, 304):
        filename = request.view_args.get("filename", "")
        versioned = (STATIC_DIR / filename).is_file() and request.args.get("v") == asset_version(filename)
        response.headers["Cache-Control"] = LONG_CACHE if versioned else SHORT_CACHE
    return response
