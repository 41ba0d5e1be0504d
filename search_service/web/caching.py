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
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE
        return response.make_conditional(request)
