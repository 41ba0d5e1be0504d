"""Errors as JSON {"error": {"code", "message"}} for the API, as a page for people.

The handlers are registered once, for every blueprint. An unexpected exception is logged
with its traceback and answered with a plain 500 body that reveals nothing of it (the app
never runs in debug mode: see create_app).
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..indexer import NoIndexError, UnreadableIndexError

log = logging.getLogger(__name__)

# Paths whose errors are JSON; everything else gets the HTML error page.
JSON_PREFIXES = ("/api/", "/healthz", "/metrics")


class ApiError(Exception):
    """A request the service refuses, with the status and code it answers with."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def wants_json() -> bool:
    """True when this request's errors should be JSON rather than a page."""
    return request.path.startswith(JSON_PREFIXES)


def _respond(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    if wants_json():
        return jsonify(error={"code": code, "message": message}), status, headers or {}
    return render_template("error.html", status=status, message=message), status, headers or {}


def register_error_handlers(app: Flask) -> None:
    """Install the handlers once, for every blueprint."""

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return _respond(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(NoIndexError)
    def no_index(exc: NoIndexError):
        if isinstance(exc, UnreadableIndexError):
            return _respond(503, "index_unreadable", "the search index cannot be read; rebuild it with "
                                                     "`search-service ingest --full`")
        return _respond(503, "no_index", "the search index is not built yet; run `search-service ingest`")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        # Keep the headers that belong to the status (Allow on a 405); the body is ours.
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return _respond(exc.code or 500, code, exc.description or exc.name, headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return _respond(500, "internal_error", "the server failed to answer; the error is logged")
