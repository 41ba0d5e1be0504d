"""Request size limits: no request body worth reading, and URLs of bounded length.

The service only answers GETs, so a body of more than MAX_BODY_BYTES is refused with a
413 before anything reads it. URLs longer than MAX_URL_BYTES (path plus query string, as
sent) get a 414 in JSON; under gunicorn, request lines over its `limit_request_line` (set to
its largest, 8190 bytes, in gunicorn_settings.py) are refused by gunicorn itself, in HTML,
before the app sees them.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

MAX_BODY_BYTES = 16 * 1024
MAX_URL_BYTES = 4096


def check_request_size() -> None:
    """before_request hook: 413 for a large body, 414 for a long URL."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(f"the request body may be at most {MAX_BODY_BYTES} bytes")
    url_bytes = len(request.environ.get("PATH_INFO", "")) + len(request.query_string)
    if url_bytes > MAX_URL_BYTES:
        raise RequestURITooLarge(f"the URL may be at most {MAX_URL_BYTES} bytes long")


def register_limits(app: Flask) -> None:
    """Set Flask's body limit too (for anything that reads a form) and install the hook."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(check_request_size)
