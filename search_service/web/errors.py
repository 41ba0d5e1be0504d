"""Errors as JSON {"error": {"code", "message"}} for the API, as a page for people."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..indexer import NoIndexError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the service refuses, with the status and code it answers with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _respond(status: int, code: str, message: str):
    if _wants_json():
        return jsonify(error={"code": code, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers once, for every blueprint."""

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return _respond(exc.status, exc.code, exc.message)

    @app.errorhandler(NoIndexError)
    def no_index(exc: NoIndexError):
        return _respond(503, "no_index", "the search index is not built yet; run `search-service ingest`")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return _respond(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return _respond(500, "internal_error", "the server failed to answer; the error is logged")
