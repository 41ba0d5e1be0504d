"""Access log: one JSON line per request, written through Python logging.

    {"time": "2026-11-23T13:40:01.123Z", "method": "GET", "path": "/api/search",
     "status": 200, "duration_ms": 3.1, "query_length": 6, "results": 5}

`query_length` is the length of `q` in characters (null without one) and `results` the
number of matching documents (null for requests that are not searches). The query text
itself is logged (as `"query"`) only when SEARCH_LOG_QUERIES=1: by default the log holds
no searched words. The client's address is not logged.

Every line goes to the logger `search_service.access` at INFO. SEARCH_ACCESS_LOG=- writes
them to stderr (where gunicorn's error log goes by default), SEARCH_ACCESS_LOG=/some/file
appends them to that file (reopened when logrotate moves it). Without the setting the app
adds no handler, like gunicorn, whose own access log is off unless asked for: the lines
then reach only what a logging configuration (gunicorn's --log-config) sends them to.
"""
from __future__ import annotations

import json
import logging
import logging.handlers
import sys
import time
from datetime import datetime, timezone

from flask import Flask, Response, current_app, g, request

log = logging.getLogger("search_service.access")
_targets: set[str] = set()  # destinations given a handler in this process


def start_timer() -> None:
    """before_request hook: note when the request started."""
    g.started = time.perf_counter()


def access_record(response: Response) -> dict:
    """The log line's fields for this request and its response."""
    started = g.get("started")
    q = request.args.get("q")
    record = {
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "query_length": len(q) if q is not None else None,
        "results": g.get("result_count"),
    }
    if q is not None and current_app.config["SEARCH"].log_queries:
        record["query"] = q
    return record


def log_request(response: Response) -> Response:
    """after_request hook: write the request's line, if any handler would take it."""
    # Without SEARCH_ACCESS_LOG or a logging configuration nothing takes the line; building
    # it anyway was a sixth of the time of an answer from the cache.
    if log.isEnabledFor(logging.INFO) and log.hasHandlers():
        log.info(json.dumps(access_record(response)))
    return response


def _add_handler(target: str) -> None:
    """Send the lines to target ("-" for stderr, else a file), once per process."""
    if target in _targets:
        return
    if target == "-":
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
    else:
        handler = logging.handlers.WatchedFileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.propagate = False  # there, and only there
    _targets.add(target)


def register_access_log(app: Flask) -> None:
    """Install the hooks, and the handler SEARCH_ACCESS_LOG asks for."""
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    target = app.config["SEARCH"].access_log
    if target:
        _add_handler(target)
    app.before_request(start_timer)
    app.after_request(log_request)
