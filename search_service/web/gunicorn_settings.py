"""gunicorn settings for production, shared by gunicorn.conf.py and `search-service serve`.

Searching is CPU-bound Python: one sync worker per core, plus one to cover a worker busy
with I/O (reading index pages), keeps both cores busy without workers queueing behind each
other. Workers are recycled after tens of thousands of requests so that no leak can grow
for ever (with jitter, so that they do not all restart at once): not sooner, because a new
worker reads its arrays and fills its caches again (about a second of work at 100k
documents, and its first queries slower), and at 200 requests a second over three workers
a limit of 5,000 restarted each of them every 75 seconds. The app is not preloaded:
each worker opens the index itself, on its first request, after the fork.
"""
from __future__ import annotations

import os

SETTINGS = {
    "workers": (os.cpu_count() or 1) + 1,
    "worker_class": "sync",
    "timeout": 30,
    "graceful_timeout": 10,
    "keepalive": 5,
    "max_requests": 50_000,
    "max_requests_jitter": 5_000,
    "reload": False,
}
