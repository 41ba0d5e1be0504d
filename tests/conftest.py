"""Shared fixtures: the sample corpus, an index built from it, and a live gunicorn server."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from search_service.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def built_index(tmp_path_factory) -> Path:
    """An index of the sample corpus, built once for the session."""
    index_dir = tmp_path_factory.mktemp("index")
    summary = ingest(CORPUS, index_dir)
    assert summary.documents == 5
    return index_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real gunicorn serving wsgi:app on 127.0.0.1 over a given index folder, with extra
    environment variables (settings) if given; a context manager that stops it."""

    def __init__(self, index_dir: Path, workers: int = 2, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, SEARCH_INDEX=str(index_dir), **env)
        # The server's output goes to a file, never to a pipe nobody reads (a full pipe
        # would block the workers); it is shown when the server fails to start.
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--timeout", "30", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.output())
            try:
                requests.get(self.url + "/healthz", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start in time")

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def output(self) -> str:
        """What gunicorn and the app wrote to stdout and stderr so far."""
        return Path(self.log.name).read_text(errors="replace")


@pytest.fixture(scope="session")
def server(built_index):
    """gunicorn serving the sample corpus's index for the whole session."""
    srv = Server(built_index)
    yield srv
    srv.stop()
