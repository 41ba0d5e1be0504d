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

The workers share the answers they work out (answer_cache.py) and their metrics (metrics.py)
through folders that the master makes when it starts, before any worker forks, and removes
when it exits. Set SEARCH_SHARED_ANSWERS to use a folder of your own (kept: empty it when the
code changes), or to `off`; PROMETHEUS_MULTIPROC_DIR likewise (an empty folder). A master
killed outright leaves its folders; the next start removes them. Under `--preload` the app
reads its settings before this hook runs, so the workers keep their answers and counts to
themselves unless the variables are set beforehand.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile

SHARED_ANSWERS_VAR = "SEARCH_SHARED_ANSWERS"
METRICS_VAR = "PROMETHEUS_MULTIPROC_DIR"
# What a server's workers share, each through a folder of the server run's own unless its
# variable is set: the answers they work out (answer_cache.py) and their metrics (metrics.py).
RUN_FOLDERS = {SHARED_ANSWERS_VAR: "search-service-answers-", METRICS_VAR: "search-service-metrics-"}
# A file in each such folder that its master holds locked for as long as it runs: a folder
# whose lock nobody holds belongs to a master that is gone. A lock rather than the master's
# pid, which another process may have by then, or which another PID namespace may not see.
_LOCK = "master.lock"
_made_folders: list[tuple[str, str, int]] = []  # (variable, folder, the locked file's descriptor)


def make_run_folders(server=None) -> None:
    """gunicorn's on_starting hook: a private folder for each of RUN_FOLDERS not set, named
    in the environment that the workers inherit when they fork."""
    remove_abandoned_folders()
    for variable, prefix in RUN_FOLDERS.items():
        if not os.environ.get(variable, "").strip():
            folder = tempfile.mkdtemp(prefix=prefix)  # mode 0700: this user's only
            # Locked before it takes its name, so that another start never finds it unlocked.
            pending = os.path.join(folder, _LOCK + ".new")
            lock = os.open(pending, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.rename(pending, os.path.join(folder, _LOCK))
            _made_folders.append((variable, folder, lock))
            os.environ[variable] = folder


def remove_run_folders(server=None) -> None:
    """gunicorn's on_exit hook: remove the folders that on_starting made."""
    while _made_folders:
        variable, folder, lock = _made_folders.pop()
        shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)
        if os.environ.get(variable) == folder:
            del os.environ[variable]


def remove_abandoned_folders() -> list[str]:
    """Remove this user's run folders in the temporary folder whose master is gone (killed
    before its on_exit ran); the folders removed."""
    try:
        with os.scandir(tempfile.gettempdir()) as entries:
            removed = [entry.path for entry in entries
                       if entry.name.startswith(tuple(RUN_FOLDERS.values())) and _abandoned(entry)]
    except OSError:  # a temporary folder that cannot be listed: nothing to sweep, no reason not to start
        return []
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
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
    "on_starting": make_run_folders,
    "on_exit": remove_run_folders,
}
