"""Answers already worked out, kept per worker and, under gunicorn, shared by its workers.

Search traffic repeats itself, so a worker keeps its recent answers (pickled, in memory).
gunicorn's workers are separate processes, though, and a worker's own cache sees only the
requests that reach it: with two workers each repeat had even odds of finding the answer in
the other one. A SharedAnswers file (SQLite, in a folder only this user may write) lets every
worker of a server find what any of them worked out; gunicorn_settings.py makes one per server
run. Keys name the index generation, so an answer never outlives its index: a new generation
asks new keys, and the old answers age out.

Reading or writing the shared file never fails a search: on any error of SQLite's the worker
warns once and goes on with its own cache alone.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sqlite3
import stat
import threading
from pathlib import Path

from .models import SearchResults
from .sized_lru import SizedLRU

log = logging.getLogger(__name__)

SHARED_FILE = "answers.sqlite"
SHARED_ENTRIES = 8192  # answers kept in the shared file (~6 KB each pickled: ~50 MB)
# Waiting for another worker's write: rather a miss than a slow answer.
BUSY_TIMEOUT_S = 0.05
# Part of every shared key: raise it when SearchResults or Hit change, so that a folder kept
# across an upgrade is not read for answers of the older shape.
FORMAT = 1


class AnswerCache:
    """At most `size` answers, the least recently used dropped first, each kept pickled: as
    objects an answer of ten hits took ~18 KB of a worker's memory (2,048 of them 37 MB at
    100k documents, the worker past 300 MB), pickled ~6 KB, for ~26 us to unpickle on a hit.
    With a SharedAnswers behind it, what this worker lacks is looked up there."""

    def __init__(self, size: int, shared: "SharedAnswers | None" = None) -> None:
        self.size = size
        self.shared = shared if size > 0 else None
        self._entries = SizedLRU(size)  # each answer counted as 1

    def get(self, key) -> SearchResults | None:
        """The answer kept under key, or None."""
        value = self._entries.get(key)
        if value is not None:
            return pickle.loads(value)
        if self.shared is None or (value := self.shared.get(key)) is None:
            return None
        try:
            answer = pickle.loads(value)
        except Exception:  # written by other code (a folder kept across an upgrade): a miss
            return None
        self._entries.put(key, value, 1)
        return answer

    def put(self, key, value: SearchResults) -> None:
        """Keep value under key (here and in the shared file)."""
        if self.size > 0:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self._entries.put(key, data, 1)
            if self.shared is not None:
                self.shared.put(key, data)

    def clear(self) -> None:
        """Forget this worker's answers (the shared file keys its own by generation)."""
        self._entries = SizedLRU(self.size)


class SharedAnswers:
    """Pickled answers in one SQLite file that several processes read and write.

    Oldest written first out: every `entries // 8` writes the writer drops all but the newest
    `entries`. Opened lazily, in the process that uses it (a connection must not cross a fork).
    """

    def __init__(self, folder: str | Path, entries: int = SHARED_ENTRIES) -> None:
        self.folder = Path(folder)
        self.entries = entries
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._writes = 0
        self._broken = False
        # One connection per process; threads (gunicorn's gthread workers) take turns on it.
        self._lock = threading.Lock()

    def get(self, key) -> bytes | None:
        """The pickled answer under key, or None (also when the file cannot be read)."""
        with self._lock:
            db = self._connection()
            if db is None:
                return None
            try:
                row = db.execute("SELECT value FROM answers WHERE key = ?", (_digest(key),)).fetchone()
            except sqlite3.Error as error:
                return self._failed(error)
            return None if row is None else row[0]

    def put(self, key, data: bytes) -> None:
        """Keep a pickled answer under key; drop the oldest past the bound now and then."""
        with self._lock:
            self._put(key, data)

    def _put(self, key, data: bytes) -> None:
        db = self._connection()
        if db is None:
            return
        try:
            db.execute("INSERT OR REPLACE INTO answers (key, value) VALUES (?, ?)", (_digest(key), data))
            self._writes += 1
            if self._writes % max(1, self.entries // 8) == 0:
                db.execute("DELETE FROM answers WHERE rowid <= (SELECT max(rowid) FROM answers) - ?",
                           (self.entries,))
        except sqlite3.Error as error:
            self._failed(error)

    def count(self) -> int:
        """Answers in the file now (0 when it cannot be read)."""
        with self._lock:
            db = self._connection()
            try:
                return db.execute("SELECT count(*) FROM answers").fetchone()[0] if db is not None else 0
            except sqlite3.Error:
                return 0

    def _connection(self) -> sqlite3.Connection | None:
        if self._broken:
            return None
        if self._db is None or self._pid != os.getpid():
            try:
                self._db, self._pid = _open(self.folder), os.getpid()
            except (OSError, sqlite3.Error) as error:
                return self._failed(error)
        return self._db

    def _failed(self, error: Exception) -> None:
        # Busy (another worker is writing) is the ordinary case of a miss; anything else
        # (disk full, a file that is not ours, a corrupt database) turns sharing off for good.
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            return None
        log.warning("shared answer cache %s turned off: %s", self.folder, error)
        self._broken = True
        return None


def _open(folder: Path) -> sqlite3.Connection:
    info = folder.stat()
    # Answers are unpickled: only a folder of this user's, closed to others, may hold them.
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o022:
        raise OSError(f"{folder} must be a folder of this user's that no one else may write to")
    db = sqlite3.connect(folder / SHARED_FILE, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                         check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
    db.execute("PRAGMA synchronous=OFF")  # a cache: losing the last writes to a crash is fine
    db.execute("CREATE TABLE IF NOT EXISTS answers (key BLOB UNIQUE NOT NULL, value BLOB NOT NULL)")
    return db


def _digest(key) -> bytes:
    return hashlib.blake2b(repr((FORMAT, key)).encode(), digest_size=16).digest()
