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
or to `off`. A master killed outright leaves its folder; the next start removes it. Under
`--preload` the app reads its settings before this hook runs, so the workers keep their
answers to themselves unless the variable is set beforehand.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile

SHARED_ANSWERS_VAR = "SEARCH_SHARED_ANSWERS"
_PREFIX = "search-service-answers-"
# A file in the folder that its master holds locked for as long as it runs: a folder whose
# lock nobody holds belongs to a master that is gone. A lock rather than the master's pid,
# which another process may have by then, or which another PID namespace may not see.
_LOCK = "master.lock"
_made_folders: list[tuple[str, int]] = []  # (folder, the locked file's descriptor)


def make_shared_answers_folder(server=None) -> None:
    """gunicorn's on_starting hook: a private folder for the workers' shared answers, unless set."""
    if not os.environ.get(SHARED_ANSWERS_VAR, "").strip():
        remove_abandoned_folders()
        folder = tempfile.mkdtemp(prefix=_PREFIX)  # mode 0700: this user's only
        lock = os.open(os.path.join(folder, _LOCK), os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        _made_folders.append((folder, lock))
        os.environ[SHARED_ANSWERS_VAR] = folder  # the workers inherit it when they fork


def remove_shared_answers_folder(server=None) -> None:
    """gunicorn's on_exit hook: remove the folder that on_starting made."""
    while _made_folders:
        folder, lock = _made_folders.pop()
        shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)
        if os.environ.get(SHARED_ANSWERS_VAR) == folder:
            del os.environ[SHARED_ANSWERS_VAR]


def remove_abandoned_folders() -> list[str]:
    """Remove this user's shared-answers folders in the temporary folder whose master is gone
    (killed before its on_exit ran); the folders removed."""
    removed = []
    for entry in os.scandir(tempfile.gettempdir()):
        if entry.name.startswith(_PREFIX) and _abandoned(entry):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def _abandoned(entry: os.DirEntry) -> bool:
    """Whether a folder is this user's and its lock is held by no one (False when unsure)."""
    try:
        if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
            return False
        lock = os.open(os.path.join(entry.path, _LOCK), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # no lock file: a folder being made, or made by an older version
        return False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # its master holds it
        return False
    finally:
        os.close(lock)
    return True


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
