"""Autocomplete latency: /api/suggest's completions, p50/p90/p99, on the sample corpus and on
Reuters-21578 (21,578 stories), measured in one process on a warm index.

    python benchmarks/autocomplete.py [--no-readme]

What a person types is simulated: for words drawn from each corpus's own vocabulary, every
prefix of 1 to 6 characters, after zero or one whole word ("oil", "oil pri", …).
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import corpus  # noqa: E402
from benchmarks.report import machine_line, write_section  # noqa: E402
from search_service.ingest import ingest  # noqa: E402
from search_service.search import SearchIndex  # noqa: E402

OUT = HERE / "out" / "autocomplete"
GOAL_P90_MS = 20.0


def typed_prefixes(texts: list[str], count: int = 400, seed: int = 3) -> list[str]:
    """What people type on the way to a word: its prefixes, after zero or one word."""
    words = sorted({w for t in texts for w in re.findall(r"[a-z]{4,}", t.lower())})
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        word, head = rng.choice(words), rng.choice(["", rng.choice(words) + " "])
        out.extend(head + word[:n] for n in range(1, min(6, len(word)) + 1))
    return out[:count]


def measure(index: SearchIndex, prefixes: list[str]) -> dict:
    index.complete("warm up")
    took = []
    for text in prefixes:
        started = time.perf_counter()
        index.complete(text)
        took.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(took, n=100)
    return {"n": len(took), "p50": statistics.median(took), "p90": cuts[89], "p99": cuts[98]}


def reuters_index() -> tuple[SearchIndex, list[str]]:
    jsonl = corpus.write_jsonl(OUT / "reuters" / "docs.jsonl", 21_578)
    index_dir = OUT / "reuters-index"
    if not (index_dir / "CURRENT").exists():
        ingest(jsonl.parent, index_dir)
    texts = [d["title"] + " " + d["text"] for d in corpus.read_jsonl(jsonl)][:2000]
    return SearchIndex(index_dir), texts


def sample_index() -> tuple[SearchIndex, list[str]]:
    index_dir = OUT / "sample-index"
    ingest(HERE.parent / "corpus", index_dir, full=True)
    texts = [p.read_text() for p in (HERE.parent / "corpus").glob("*.txt")]
    return SearchIndex(index_dir), texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for label, build in (("sample corpus (5 pages)", sample_index), ("Reuters-21578 (21,578 stories)", reuters_index)):
        index, texts = build()
        result = measure(index, typed_prefixes(texts))
        rows.append((label, result))
        print(f"{label}: p50 {result['p50']:.2f} ms, p90 {result['p90']:.2f} ms, p99 {result['p99']:.2f} ms")
    lines = ["## Autocomplete (`/api/suggest`)", "",
             f"Completions of typed prefixes, one warm process; goal p90 < {GOAL_P90_MS:.0f} ms.", "",
             "| corpus | prefixes | p50 ms | p90 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {label} | {r['n']} | {r['p50']:.2f} | {r['p90']:.2f} | {r['p99']:.2f} |" for label, r in rows]
    lines += ["", machine_line() + "  ", "Command: `python benchmarks/autocomplete.py`"]
    if not args.no_readme:
        write_section("autocomplete", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
