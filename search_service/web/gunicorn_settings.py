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

The workers share the answers they work out (answer_cache.py) through a folder that the
master makes when it starts, before any worker forks, and removes when it exits; set
SEARCH_SHARED_ANSWERS to use a folder of your own (kept: empty it when the code changes),
or to `off`. Under `--preload` the app reads its settings before this hook runs, so the
workers keep their answers to themselves unless the variable is set beforehand.
"""
from __future__ import annotations

import os
import shutil
import tempfile

SHARED_ANSWERS_VAR = "SEARCH_SHARED_ANSWERS"
_made_folders: list[str] = []


def make_shared_answers_folder(server=None) -> None:
    """gunicorn's on_starting hook: a private folder for the workers' shared answers, unless set."""
    if not os.environ.get(SHARED_ANSWERS_VAR, "").strip():
        folder = tempfile.mkdtemp(prefix="search-service-answers-")  # mode 0700: this user's only
        _made_folders.append(folder)
        os.environ[SHARED_ANSWERS_VAR] = folder  # the workers inherit it when they fork


def remove_shared_answers_folder(server=None) -> None:
    """gunicorn's on_exit hook: remove the folder that on_starting made."""
    while _made_folders:
        folder = _made_folders.pop()
        shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get(SHARED_ANSWERS_VAR) == folder:
            del os.environ[SHARED_ANSWERS_VAR]


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
    "on_starting": make_shared_answers_folder,
    "on_exit": remove_shared_answers_folder,
}
