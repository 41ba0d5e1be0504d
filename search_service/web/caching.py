"""HTTP caching of API answers: an ETag per index generation and query, and a short max-age.

An answer changes only when an ingest switches in a new generation, so a CDN, nginx or the
browser may keep it for a while and revalidate it cheaply: a request whose If-None-Match
names the current ETag gets a 304 without a body.
"""
from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, request

CACHED_PREFIXES = ("/api/search", "/api/suggest", "/api/documents/")
MAX_AGE = 60  # seconds a cache may serve an answer without asking again
CACHE_CONTROL = f"public, max-age={MAX_AGE}"
# Request headers that can make the answer a 304 or 412 (werkzeug's make_conditional).
CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")


def register_http_caching(app: Flask) -> None:
    """Install the after-request hook that sets ETag and Cache-Control on API answers."""

    @app.after_request
    def cache_headers(response: Response) -> Response:
        generation = current_app.extensions["search_index"].generation
        if (request.method != "GET" or response.status_code != 200 or generation is None
                or not request.path.startswith(CACHED_PREFIXES)):
            return response
        tag = hashlib.sha1(f"{generation}\0{request.full_path}\0{request.accept_mimetypes}".encode()).hexdigest()
        response.set_etag(tag[:20])
        # Set as one string: werkzeug's cache_control object rewrites the header on each change.
        response.headers["Cache-Control"] = CACHE_CONTROL
        # Only a conditional request can get another answer. (make_conditional also parses
        # every such header and adds a Date header, which the server adds anyway: these were
        # a tenth of the time of a cached answer.)
        if any(name in request.environ for name in CONDITIONS):
            return response.make_conditional(request)
        return response
