"""Security headers, set on every response by this one after_request hook.

- Every response: `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin` (a
  click from a result page to another site does not tell it what was searched).
- Every HTML response (pages, error pages, /embed): a Content-Security-Policy that allows
  only our own scripts, styles and images. Pages may not be framed (`frame-ancestors
  'none'`, `X-Frame-Options: DENY`), except /embed, which exists to be put in an iframe on
  other sites (`frame-ancestors *`).
"""
from __future__ import annotations

from flask import Flask, Response, request

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")
FRAMEABLE_ENDPOINTS = frozenset({"embed.page"})
REFERRER_POLICY = "same-origin"


def security_headers(response: Response) -> Response:
    """after_request hook: the headers above, on this response."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    if response.mimetype == "text/html":
        frameable = request.endpoint in FRAMEABLE_ENDPOINTS
        response.headers["Content-Security-Policy"] = PAGE_CSP.format(ancestors="*" if frameable else "'none'")
        if frameable:
            response.headers.pop("X-Frame-Options", None)
        else:
            response.headers["X-Frame-Options"] = "DENY"
    return response


def register_security_headers(app: Flask) -> None:
    """Install the hook once, for every blueprint and every error page."""
    app.after_request(security_headers)
