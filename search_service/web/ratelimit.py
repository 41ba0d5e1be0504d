"""Optional per-client rate limit: SEARCH_RATE_LIMIT=60/minute turns it on (off by default).

Each client has a token bucket that holds `limit` requests and refills over `period`
seconds; a request that finds it empty gets a 429 with `Retry-After` (whole seconds until
the next token) and the JSON error body (a page for people). /healthz, /metrics and
/static/ files are not counted.

The client is the remote address. Behind reverse proxies set SEARCH_TRUSTED_PROXIES to
their number, so that the address they put in X-Forwarded-For is used (see create_app);
otherwise the header is ignored, since any client can send it.

The buckets live in each worker process's memory: with N gunicorn workers a client can
get up to N times the limit (each connection lands on one worker). Divide the setting by
the number of workers for a strict limit, or limit at the proxy in front.
"""
from __future__ import annotations

import math
import threading
import time

from flask import Flask, current_app, request

from .errors import ApiError

EXEMPT_PATHS = ("/healthz", "/metrics", "/static/")
MAX_CLIENTS = 100_000  # buckets kept before idle (full) ones are dropped


class RateLimiter:
    """Token buckets keyed by client: `limit` requests per `period` seconds each."""

    def __init__(self, limit: int, period: float, clock=time.monotonic) -> None:
        self.limit, self.period, self.clock = limit, period, clock
        self.rate = limit / period  # tokens per second
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, time)
        self._lock = threading.Lock()  # for threaded workers (gthread)

    def acquire(self, client: str) -> float:
        """Take a token for client: 0.0 when allowed, else the seconds until one is free."""
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(client, (float(self.limit), now))
            tokens = min(float(self.limit), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._store(client, tokens - 1.0, now)
                return 0.0
            self._store(client, tokens, now)
            return (1.0 - tokens) / self.rate

    def _store(self, client: str, tokens: float, now: float) -> None:
        if client not in self._buckets and len(self._buckets) >= MAX_CLIENTS:
            # Buckets idle for a whole period are full again: forgetting them changes nothing.
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < self.period}
        self._buckets[client] = (tokens, now)


def check_rate_limit() -> None:
    """before_request hook: a 429 ApiError when this client is over its limit."""
    limiter: RateLimiter | None = current_app.extensions.get("rate_limiter")
    if limiter is None or request.path.startswith(EXEMPT_PATHS):
        return
    wait = limiter.acquire(request.remote_addr or "unknown")
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited",
                       f"too many requests: the limit is {limiter.limit} per {limiter.period:g} s; "
                       f"try again in {retry_after} s", headers={"Retry-After": str(retry_after)})


def register_rate_limit(app: Flask) -> None:
    """Install the limiter when the config sets one; nothing at all otherwise."""
    rate = app.config["SEARCH"].rate_limit
    if rate:
        app.extensions["rate_limiter"] = RateLimiter(*rate)
        app.before_request(check_rate_limit)
