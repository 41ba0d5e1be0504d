"""Reliability: reindex under load, ingests killed at any moment, one writer, a full disk.

Real gunicorn, real ingest processes, real files. Each test prints the numbers it measured
(run with -s to see them); benchmarks/README.md quotes them under "Reliability".
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from search_service.indexer import current_generation, has_index
from search_service.models import SearchRequest
from search_service.search import SearchIndex

from .conftest import ROOT, Server

WORDS = ("harbour council budget river school tram bridge market farmers election court rail "
         "museum library hospital storm drought festival airport factory union strike mayor "
         "tunnel forest coast village energy solar wind water price housing rent").split()


def make_corpus(folder: Path, marker: str, pages: int, seed: int) -> Path:
    """`pages` distinct text pages, each naming `marker` once, in sub-folders of 500."""
    rng = random.Random(seed)
    for n in range(pages):
        sub = folder / f"{n // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        sentences = [" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(8)]
        sentences[3] += f" The {marker} report number {n} {rng.random():.12f} was filed."
        (sub / f"{marker}-{n:05d}.txt").write_text(
            f"Report {n} on {rng.choice(WORDS)}\n\n" + "\n\n".join(sentences) + "\n")
    return folder


def ingest_process(corpus: Path, index: Path, *extra: str) -> subprocess.Popen:
    """`search-service ingest` as its own process, progress lines on stderr."""
    return subprocess.Popen(
        [sys.executable, "-m", "search_service.cli", "ingest", str(corpus), "--index", str(index), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def total_for(index: Path, marker: str) -> int:
    return SearchIndex(index).search(SearchRequest(marker)).total


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpora")
    return {
        "old": make_corpus(root / "old", "oldmarker", 1500, seed=1),
        "new": make_corpus(root / "new", "newmarker", 1500, seed=2),
    }


# ------------------------------------------------------------------ 1. zero-downtime reindex


def test_reindex_under_load_fails_no_request_and_never_mixes(tmp_path, corpora):
    index = tmp_path / "index"
    assert ingest_process(corpora["old"], index).wait() == 0
    server = Server(index, workers=4)
    stop = threading.Event()
    answers: list[tuple[float, str]] = []  # (time, "old" | "new" | a fault)
    lock = threading.Lock()

    def load():
        session = requests.Session()
        while not stop.is_set():
            try:
                r = session.get(server.url + "/api/search",
                                params={"q": "oldmarker newmarker", "per_page": 20}, timeout=10)
                body = r.json()
                kinds = {hit["source"].split("/")[-1].split("-")[0] for hit in body["results"]}
                if r.status_code != 200:
                    verdict = f"status {r.status_code}"
                elif kinds == {"oldmarker"} and body["total"] == 1500:
                    verdict = "old"
                elif kinds == {"newmarker"} and body["total"] == 1500:
                    verdict = "new"
                else:
                    verdict = f"mixed {sorted(kinds)} total={body['total']}"
            except Exception as exc:  # a refused connection or a broken answer is a failure
                verdict = f"error {type(exc).__name__}"
            with lock:
                answers.append((time.monotonic(), verdict))

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)
        reindex = ingest_process(corpora["new"], index, "--full")
        assert reindex.wait(timeout=300) == 0, reindex.stderr.read()
        switched_at = time.monotonic()
        time.sleep(3.0)
    finally:
        stop.set()
        for t in threads:
            t.join()
        server.stop()

    faults = [v for _, v in answers if v not in ("old", "new")]
    last_old = max((t for t, v in answers if v == "old"), default=switched_at)
    after = [v for t, v in answers if t > switched_at + 0.5]
    print(f"\nreindex under load: {len(answers)} requests, {len(faults)} failed or mixed, "
          f"old answers until {last_old - switched_at:+.2f}s after the ingest ended")
    assert len(answers) > 100
    assert faults == []
    assert "old" in {v for _, v in answers} and "new" in {v for _, v in answers}
    assert after and set(after) == {"new"}


# ------------------------------------------------------------------ 2. crash safety


def wait_for_line(process: subprocess.Popen, predicate, timeout: float = 120) -> str | None:
    """Read progress lines until one satisfies predicate; None when the process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            return None
        if predicate(line.strip()):
            return line.strip()
    raise TimeoutError("no such progress line")


def stage_at(stage: str, share: float):
    def predicate(line: str) -> bool:
        if not line.startswith(stage + ":"):
            return False
        done, total = map(int, line.split(":")[1].strip().split("/"))
        return done >= share * total
    return predicate


def kill_when_current_changes(process: subprocess.Popen, index: Path, timeout: float = 120) -> None:
    before = current_generation(index)
    deadline = time.monotonic() + timeout
    while current_generation(index) == before and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.kill()


KILL_POINTS = {
    "reading (first batch)": lambda p, ix: wait_for_line(p, stage_at("cleaning", 0.0)),
    "cleaning (half way)": lambda p, ix: wait_for_line(p, stage_at("cleaning", 0.5)),
    "writing segments": lambda p, ix: wait_for_line(p, stage_at("indexing", 0.5)),
    "committing, before the switch": lambda p, ix: wait_for_line(p, stage_at("indexing", 1.0)),
    "after the switch": kill_when_current_changes,
    "incremental, while reading": lambda p, ix: wait_for_line(p, stage_at("reading", 0.3)),
}


def _processes_mentioning(path, wait: float = 5.0) -> list[str]:
    """Command lines of live processes that name path, after giving them `wait` s to end."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if proc.name.isdigit() and str(path) in cmdline:
                found.append(cmdline)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_ingest_killed_at_any_point_leaves_a_serving_index(tmp_path, corpora):
    index = tmp_path / "index"
    assert ingest_process(corpora["old"], index).wait() == 0
    server = Server(index, workers=1)
    outcomes = []
    try:
        for point, wait in KILL_POINTS.items():
            before = current_generation(index)
            extra = () if point.startswith("incremental") else ("--full",)
            corpus = corpora["new"] if total_for(index, "oldmarker") else corpora["old"]
            process = ingest_process(corpus, index, *extra)
            wait(process, index)
            process.kill()
            process.wait()
            assert not _processes_mentioning(index), f"{point}: the killed ingest left processes behind"
            after = current_generation(index)
            # Whatever the moment, the generation CURRENT names is whole and is served.
            assert has_index(index)
            body = server.get("/api/search", params={"q": "oldmarker newmarker"}).json()
            assert body["total"] == 1500
            served = SearchIndex(index)
            assert served.document_count() == 1500
            outcomes.append((point, "switched" if after != before else "kept the previous index"))
        # No lock is left behind, and the next ingest succeeds and cleans up.
        process = ingest_process(corpora["old"], index, "--full")
        assert process.wait(timeout=300) == 0, process.stderr.read()
        assert total_for(index, "oldmarker") == 1500 and total_for(index, "newmarker") == 0
        generations = [p for p in index.iterdir() if p.name.startswith("gen-")]
        assert len(generations) <= 2
    finally:
        server.stop()
    print("\nkill points: " + "; ".join(f"{point}: {outcome}" for point, outcome in outcomes))
    assert len(outcomes) >= 5


def test_a_full_disk_fails_the_ingest_clearly_and_keeps_the_old_index(tmp_path, corpora):
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], check=True)
        limit = None
    else:  # a quota on file size stands in for a small disk
        limit = 6 * 1024 * 1024
    try:
        index = mount / "index"
        small = make_corpus(tmp_path / "small-corpus", "smallmarker", 50, seed=3)
        assert ingest_process(small, index).wait() == 0
        before = current_generation(index)

        def limited():
            if limit:
                import resource
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        big = make_corpus(tmp_path / "big-corpus", "bigmarker", 4000, seed=4)
        result = subprocess.run(
            [sys.executable, "-m", "search_service.cli", "ingest", str(big), "--index", str(index), "--full"],
            cwd=ROOT, capture_output=True, text=True, preexec_fn=limited, timeout=600)
        print(f"\nfull disk: exit {result.returncode}: {result.stderr.strip().splitlines()[-1]}")
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert "previous index is still the one served" in result.stderr
        assert current_generation(index) == before
        assert total_for(index, "smallmarker") == 50
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(mount)], check=False)


# ------------------------------------------------------------------ 3. one writer


def test_two_ingests_at_once_one_proceeds_the_other_says_why(tmp_path, corpora):
    index = tmp_path / "index"
    first = ingest_process(corpora["old"], index)
    wait_for_line(first, stage_at("cleaning", 0.0))
    # Stopped while it holds the lock: 1,500 pages take under a second, less than the
    # second ingest's start-up, so a running first ingest could finish before the second asks.
    os.kill(first.pid, signal.SIGSTOP)
    try:
        second = ingest_process(corpora["new"], index)
        second_out = second.communicate(timeout=120)[1]
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert second.returncode == 2
    assert "another ingest is writing" in second_out
    assert first.wait(timeout=300) == 0
    assert total_for(index, "oldmarker") == 1500 and total_for(index, "newmarker") == 0
