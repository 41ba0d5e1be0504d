"""CORS for /api/*: pages on the origins in SEARCH_CORS_ORIGINS may call the JSON API.

An empty list (the default) adds no Access-Control-* headers, so browsers keep the API to
its own origin; `*` lets every origin read it. Responses still say `Vary: Origin`, so a
cache never hands one origin's answer to another.
"""
from __future__ import annotations

import re

from flask import Flask, Response, current_app, request

ALLOWED_METHODS = "GET, OPTIONS"
PREFLIGHT_MAX_AGE = "600"  # seconds a browser may reuse a preflight answer
_HEADER_LIST = re.compile(r"[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+){0,19}")


def allowed_origin(origin: str | None, allowed: tuple[str, ...]) -> str | None:
    """The value for Access-Control-Allow-Origin, or None when origin may not read."""
    if not origin or not allowed:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin.rstrip("/") in allowed else None


def add_cors_headers(response: Response) -> Response:
    """after_request hook: CORS headers on every /api/* answer, errors and preflights too."""
    if not request.path.startswith("/api/"):
        return response
    response.vary.add("Origin")
    origin = allowed_origin(request.headers.get("Origin"), current_app.config["SEARCH"].cors_origins)
    if origin is None:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        requested = request.headers.get("Access-Control-Request-Headers")
        if requested and _HEADER_LIST.fullmatch(requested):
            response.headers["Access-Control-Allow-Headers"] = requested
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def register_cors(app: Flask) -> None:
    """Install the hook once; Flask answers OPTIONS for every GET route by itself."""
    app.after_request(add_cors_headers)
