"""gunicorn settings for production, shared by gunicorn.conf.py and `search-service serve`.

Searching is CPU-bound Python: one sync worker per core, plus one to cover a worker busy
with I/O (reading index pages), keeps both cores busy without workers queueing behind each
other. Workers are recycled after a few thousand requests so that no leak can grow for
ever (with jitter, so that they do not all restart at once). The app is not preloaded:
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
    "max_requests": 5000,
    "max_requests_jitter": 500,
    "reload": False,
}
