"""What one changed page costs: an incremental ingest of a built index, beside a full rebuild
of the same pages and SQLite FTS5 updating the row, in one run.

For each size, the JSON Lines corpus that `python -m benchmarks` writes (Reuters-21578,
scaled up as its README says) is copied to benchmarks/out/perf/incremental/<size>/ and
built in full; then, `--rounds` times, one record's text gains a sentence and `ingest`
runs incrementally (it reads the file, whose bytes changed, and fingerprints its pages to
find the change, then cleans and indexes that one page into a new generation); then,
`--rounds` times, a new page comes in a file of its own (the JSON Lines file, known by its
bytes' hash, is not parsed). FTS5 is given the first change on a table of the same records:
the row deleted and inserted again, in one transaction. FTS5 is told which row changed; the
ingest finds out.

Command: python -m benchmarks.incremental [--sizes 10k 100k] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

from search_service.ingest import ingest

from . import corpus, fts5
from .report import machine_line, write_section

SIZES = {"10k": 10_000, "100k": 100_000}
MAX_BYTES = 1 << 30  # the corpus is one JSON Lines file of ~100 MB at 100k


def measure(n: int, rounds: int, out: Path = corpus.OUT) -> dict:
    """Full build, then `rounds` incremental ingests of one changed record, then FTS5's
    updates; the corpus written (or found) under `out`, as `python -m benchmarks` writes it."""
    label = corpus.size_label(n)
    source = corpus.write_jsonl(out / label / "jsonl" / "docs.jsonl", n)
    scratch = out / "incremental" / label
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "corpus").mkdir(parents=True)
    records = source.read_text(encoding="utf-8").splitlines()
    changed_line = len(records) // 2
    jsonl = scratch / "corpus" / "docs.jsonl"
    jsonl.write_text("\n".join(records) + "\n", encoding="utf-8")
    full = ingest(scratch / "corpus", scratch / "index", max_bytes=MAX_BYTES, full=True)
    ours = []
    for round_ in range(rounds):
        record = json.loads(records[changed_line])
        record["text"] += f" It was updated ({round_ + 1})."
        records[changed_line] = json.dumps(record)
        jsonl.write_text("\n".join(records) + "\n", encoding="utf-8")
        ours.append(_timed_ingest(scratch, label, expected=(1, 0, 0)))
    # A new page in a file of its own: the JSON Lines file, unchanged since the last round
    # read it, is known by its bytes' hash and not parsed again.
    new_file = []
    for round_ in range(rounds):
        (scratch / "corpus" / f"new-{round_ + 1}.txt").write_text(
            f"A new page ({round_ + 1}): the harbour pilots met on the tides of the estuary.\n", encoding="utf-8")
        new_file.append(_timed_ingest(scratch, label, expected=(0, 1, 0)))
    base = [json.loads(line) for line in records]
    db_path = scratch / "fts5.sqlite"
    fts5.build(db_path, base)
    db = sqlite3.connect(db_path)
    row = db.execute("SELECT rowid FROM docs LIMIT 1 OFFSET ?", (changed_line,)).fetchone()[0]
    updates = []
    for round_ in range(rounds):
        d = base[changed_line]
        started = time.perf_counter()
        with db:
            db.execute("DELETE FROM docs WHERE rowid = ?", (row,))
            db.execute("INSERT INTO docs(rowid, title, text, url, site, published) VALUES (?, ?, ?, ?, ?, ?)",
                       (row, d.get("title") or "", (d.get("text") or "") + f" It was updated ({round_ + 1}).",
                        d.get("url"), urlsplit(d.get("url") or "").hostname, d.get("published")))
        updates.append(time.perf_counter() - started)
    db.close()
    shutil.rmtree(scratch, ignore_errors=True)
    return {"n": n, "pages": full.pages_read, "full_seconds": full.seconds, "ours": ours, "new_file": new_file,
            "fts5_update_seconds": updates}


def _timed_ingest(scratch: Path, label: str, expected: tuple[int, int, int]) -> dict:
    """An incremental ingest of the scratch corpus, timed; (changed, added, removed) must be `expected`."""
    read_until = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "reading" and done == total:  # every changed file read, its pages fingerprinted
            read_until.append(time.perf_counter() - started)

    started = time.perf_counter()
    summary = ingest(scratch / "corpus", scratch / "index", max_bytes=MAX_BYTES, progress=progress)
    seconds = time.perf_counter() - started
    if (summary.changed, summary.added, summary.removed) != expected:
        raise RuntimeError(f"{label}: expected (changed, added, removed) {expected}, got {summary}")
    return {"seconds": seconds, "reading": read_until[-1] if read_until else None,
            "documents": summary.total_documents}


def report(results: list[dict], rounds: int) -> str:
    lines = [
        "## One changed page: incremental ingest",
        "",
        f"An index built in full, then one record of its JSON Lines corpus changed and `ingest` run again "
        f"(incremental), {rounds} times; then, {rounds} times, a new page in a file of its own; median seconds. "
        "The ingest reads the files whose bytes changed (a file that hashes as at the last ingest holds the "
        "pages it held) and fingerprints their pages to find what changed, then cleans and indexes the changed "
        "page into a new generation: the index's long "
        "posting lists are taken from the previous generation's files for the segments it keeps "
        "(`postings_file.update_arrays`), read from the index only for the new segment. Baselines in the same "
        "run: our full build of the same pages, and SQLite FTS5 deleting and inserting the row (told which "
        "row changed).",
        "",
        "| documents | ours: incremental ingest, 1 changed page | of which reading the changed file "
        "| ours: 1 new page in a new file | ours: full build | FTS5: update the row |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        median = statistics.median(x["seconds"] for x in r["ours"])
        reading = [x["reading"] for x in r["ours"] if x["reading"] is not None]
        new_file = statistics.median(x["seconds"] for x in r["new_file"])
        lines.append(f"| {r['pages']:,} | {median:.1f} s | {statistics.median(reading):.1f} s | {new_file:.1f} s | "
                     f"{r['full_seconds']:.1f} s | {1000 * statistics.median(r['fts5_update_seconds']):.1f} ms |")
    lines += ["", machine_line() + "  ", "Command: `python -m benchmarks.incremental`"]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    results = []
    for label in args.sizes:
        print(f"{label}: full build, then {args.rounds} incremental ingests of one changed page", flush=True)
        result = measure(SIZES[label], args.rounds)
        took = ", ".join(f"{x['seconds']:.2f}" for x in result["ours"])
        print(f"{label}: full {result['full_seconds']:.1f} s; incremental {took} s", flush=True)
        results.append(result)
    write_section("incremental", report(results, args.rounds))


if __name__ == "__main__":
    main()
