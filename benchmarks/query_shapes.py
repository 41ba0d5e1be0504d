"""Query shapes beyond loose words: OR, a prefix, an exclusion, a phrase with a word, a loose
phrase, newest first, a misspelled word; ours from the accumulator's arrays, beside the same search with the
arrays turned off (Whoosh walks the query: what these shapes cost before they were read from
the arrays) and SQLite FTS5, query by query in turn so that all three see the same machine load.

The queries are drawn from the corpus vocabulary as `queries.query_mix` draws its own (the
first 10,000 Reuters stories, so every size is asked the same); no answer cache. FTS5 is asked
the nearest it has: `a OR b`, a prefix token `pre*`, `(a OR b) NOT c`, the phrase AND the word,
`NEAR("a" "b", 2)` (in either order), the words ORDER BY published DESC, the misspelled words as they are (FTS5 suggests nothing).
Needs the indexes `python -m benchmarks --sizes <size> --only build` writes.

Command: python -m benchmarks.query_shapes [--sizes 10k 100k] [--per-kind 40]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from search_service import search
from search_service.models import SearchRequest
from search_service.search import SearchIndex

from . import corpus
from .fts5 import Fts5Index, match_expression
from .latency import percentiles
from .queries import STOP, vocabulary
from .report import machine_line, write_section

SIZES = ("10k", "100k")
KINDS = ("OR", "prefix", "exclusion", "phrase + word", "loose phrase", "newest first", "misspelled")


@dataclass(frozen=True)
class Shaped:
    kind: str
    q: str  # as a user types it to us
    fts5: str  # FTS5's MATCH expression
    newest_first: bool = False

    def request(self) -> SearchRequest:
        return SearchRequest(q=self.q, sort="date" if self.newest_first else "relevance")


def shaped_queries(per_kind: int = 40, seed: int = 13) -> list[Shaped]:
    """per_kind queries of each kind, interleaved; the same for the same arguments."""
    rng = random.Random(seed)
    ranked, texts = vocabulary()
    head = [w for w in ranked[20:3000] if w not in STOP and len(w) > 2]
    long_docs = [t for t in texts if len(t) >= 40]
    kinds: dict[str, list[Shaped]] = {k: [] for k in KINDS}

    def content(words: list[str]) -> list[str]:
        return list(dict.fromkeys(w for w in words[:40] if w not in STOP and len(w) > 2))

    while min(len(v) for v in kinds.values()) < per_kind:
        words = content(rng.choice(long_docs))
        if len(words) < 4:
            continue
        a, b, c = rng.sample(words, 3)
        stem = rng.choice([w for w in head if len(w) >= 6])
        prefix = stem[:rng.choice((4, 5))]
        story = rng.choice(long_docs)
        i = rng.randrange(len(story) - 2)
        span = story[i:i + 2]
        typo = a[:2] + a[3] + a[2] + a[4:] if len(a) >= 5 and a[2] != a[3] else None
        other = rng.choice(head)
        candidates = {
            "OR": Shaped("OR", f"{a} OR {other}", f'"{a}" OR "{other}"'),
            "prefix": Shaped("prefix", f"{prefix}*", f"{prefix}*"),
            "exclusion": Shaped("exclusion", f"{a} {b} -{c}", f'("{a}" OR "{b}") NOT "{c}"'),
            "phrase + word": None if span[0] in STOP or span[1] in STOP else
            Shaped("phrase + word", f'"{span[0]} {span[1]}" {c}', match_expression(f'"{span[0]} {span[1]}" {c}')),
            # two words of a story with one between them, asked within 2 positions: "a b"~2
            "loose phrase": None if story[i] in STOP or story[i + 2] in STOP else
            Shaped("loose phrase", f'"{story[i]} {story[i + 2]}"~2', f'NEAR("{story[i]}" "{story[i + 2]}", 2)'),
            "newest first": Shaped("newest first", f"{a} {b}", match_expression(f"{a} {b}"), newest_first=True),
            "misspelled": None if typo is None else Shaped("misspelled", f"{typo} {b}", match_expression(f"{typo} {b}")),
        }
        for kind, query in candidates.items():
            if query is not None and len(kinds[kind]) < per_kind:
                kinds[kind].append(query)
    return [q for group in zip(*kinds.values()) for q in group]


def measure(index_root: Path, fts_path: Path, shaped: list[Shaped]) -> dict:
    """Each query asked of ours (arrays), ours walked, FTS5, in turn, after one warming pass."""
    ours, fts = SearchIndex(index_root, cache_size=0), Fts5Index(fts_path)
    engines = {"ours": lambda s: ours.search(s.request()), "walked": lambda s: _walked(ours, s),
               "fts5": lambda s: fts.search_expression(s.fts5, newest_first=s.newest_first)}
    for s in shaped:  # warm-up: arrays, date order, vocabulary, file pages
        for run in engines.values():
            run(s)
    times: dict[str, dict[str, list[float]]] = {e: {} for e in engines}
    for s in shaped:
        for engine, run in engines.items():
            started = time.perf_counter()
            run(s)
            times[engine].setdefault(s.kind, []).append((time.perf_counter() - started) * 1000)
    ours.close()
    fts.close()
    return {"queries": len(shaped),
            "engines": {e: {kind: percentiles(ms) for kind, ms in by_kind.items()} for e, by_kind in times.items()}}


def _walked(index: SearchIndex, shaped: Shaped):
    """Our search with the accumulator turned off: Whoosh walks every query."""
    search.ACCUMULATE = False
    try:
        return index.search(shaped.request())
    finally:
        search.ACCUMULATE = True


def report(results: dict[str, dict], shaped: list[Shaped]) -> str:
    lines = [
        "## Query shapes beyond loose words",
        "",
        f"{len(shaped) // len(KINDS)} queries of each shape (top 10 with snippets, no answer cache), p50 / p99 in ms. "
        "**Ours**: ranked from the accumulator's arrays (OR and prefix and fuzzy words as a word that "
        "stands for several, exclusions as a mask, phrases and scoped words as parts every match has, "
        "a loose phrase's words found in order within its slop by their positions, "
        "newest first as the matches sorted by a date order kept per generation, a misspelled word's "
        "suggestion counted in the arrays). **Walked**: the same search with the arrays turned off, "
        "Whoosh walking each query (how these shapes were answered before). FTS5: the nearest query it "
        "has (module docstring). The three are asked each query in turn.",
        "",
        "| size | shape | example | ours p50 / p99 | walked p50 / p99 | FTS5 p50 / p99 |",
        "|---|---|---|---:|---:|---:|",
    ]
    examples = {s.kind: s.q for s in reversed(shaped)}  # the first of each kind
    for size, result in results.items():
        engines = result["engines"]
        for kind in KINDS:
            cells = [f"{engines[e][kind]['p50']:.1f} / {engines[e][kind]['p99']:.1f}" for e in ("ours", "walked", "fts5")]
            example = examples[kind].replace("|", "\\|")
            lines.append(f"| {size} | {kind} | `{example}` | **{cells[0]}** | {cells[1]} | {cells[2]} |")
    lines += ["", machine_line() + "  ", "Command: `python -m benchmarks.query_shapes`"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES) + ["1m"])
    ap.add_argument("--per-kind", type=int, default=40)
    ap.add_argument("--no-readme", action="store_true", help="print the table instead of writing it to the README")
    args = ap.parse_args(argv)
    shaped = shaped_queries(args.per_kind)
    results = {}
    for size in args.sizes:
        index_root, fts_path = corpus.OUT / size / "index", corpus.OUT / size / "fts5.sqlite"
        if not index_root.exists() or not fts_path.exists():
            print(f"no index of {size} under {corpus.OUT}: run python -m benchmarks --sizes {size} --only build",
                  file=sys.stderr)
            return 2
        print(f"{size}: {len(shaped)} queries, three engines each", flush=True)
        results[size] = measure(index_root, fts_path, shaped)
    table = report(results, shaped)
    if args.no_readme:
        print(table)
    else:
        write_section("query-shapes", table)
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
