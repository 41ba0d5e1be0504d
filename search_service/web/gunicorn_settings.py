"""gunicorn settings for production, shared by gunicorn.conf.py and `search-service serve`.

Searching is CPU-bound Python: one sync worker per core keeps the cores busy. One more (to
cover a worker waiting on the disk) measured worse with the index in the page cache, the
usual case: on 2 cores, 3 workers served 287-316 req/s of the benchmark's Zipf log at 10k
documents where 2 served 366-386, and 181 vs 223 at 100k (`GUNICORN_CMD_ARGS="--workers N"
python -m benchmarks --only http`), as each worker's caches see more of the traffic and the
workers do not take turns on the cores. Override with `--workers` for an index on a slow disk.

Workers are recycled after tens of thousands of requests so that no leak can grow
for ever (with jitter, so that they do not all restart at once): not sooner, because a new
worker reads its arrays and fills its caches again (about a second of work at 100k
documents, and its first queries slower), and at 200 requests a second over three workers
(the count then) a limit of 5,000 restarted each of them every 75 seconds. The app is not preloaded:
each worker opens the index itself, on its first request, after the fork.
"""
from __future__ import annotations

import os

SETTINGS = {
    # At least two, so that one slow request does not hold up every other on one core.
    "workers": max(2, os.cpu_count() or 1),
    "worker_class": "sync",
    "timeout": 30,
    "graceful_timeout": 10,
    "keepalive": 5,
    "max_requests": 50_000,
    "max_requests_jitter": 5_000,
    "reload": False,
    # gunicorn's largest: URLs up to 8 KB reach the app, which answers one over its own limit
    # (4 KB, limits.py) with a JSON 414; gunicorn's default (4094) answered those in HTML.
    "limit_request_line": 8190,
}
