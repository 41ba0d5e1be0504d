"""Query latency: top-10 with snippets, ours (SearchIndex.search, one warm searcher as a worker
keeps it) and FTS5's, query by query in turn so that both see the same machine load."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

from search_service.models import SearchRequest
from search_service.search import SearchIndex

from .fts5 import Fts5Index
from .queries import Query

def request_for(query: Query) -> SearchRequest:
    """Our request for a query of the mix (filters for the filter kind)."""
    if query.kind == "filter":
        return SearchRequest(q=query.q, site=query.site, date_from=query.date_from, date_to=query.date_to)
    return SearchRequest(q=query.q)


def percentiles(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    pick = lambda p: ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))]  # noqa: E731
    return {"p50": statistics.median(ms), "p95": pick(95), "p99": pick(99), "mean": statistics.fmean(ms),
            "max": ms[-1], "n": len(ms)}


def measure(index_root: Path, fts_path: Path, mix: list[Query], rounds: int = 1) -> dict:
    """Warm both engines with one pass of the mix, then time `rounds` passes, query by query."""
    # No answer cache: every query is measured as if it were new (HTTP loads measure the cache).
    ours, fts = SearchIndex(index_root, cache_size=0), Fts5Index(fts_path)
    requests = [request_for(q) for q in mix]
    totals: dict[str, list[int]] = {"ours": [], "fts5": []}
    for q, req in zip(mix, requests):  # warm-up: caches of both, file pages in memory
        totals["ours"].append(ours.search(req).total)
        totals["fts5"].append(len(fts.search(q.q, site=q.site, date_from=q.date_from, date_to=q.date_to)))
    times: dict[str, dict[str, list[float]]] = {"ours": {}, "fts5": {}}
    for _ in range(rounds):
        for q, req in zip(mix, requests):
            t0 = time.perf_counter()
            ours.search(req)
            t1 = time.perf_counter()
            fts.search(q.q, site=q.site, date_from=q.date_from, date_to=q.date_to)
            t2 = time.perf_counter()
            times["ours"].setdefault(q.kind, []).append((t1 - t0) * 1000)
            times["fts5"].setdefault(q.kind, []).append((t2 - t1) * 1000)
    ours.close()
    fts.close()
    result = {"queries": len(mix), "rounds": rounds, "engines": {}}
    for engine, by_kind in times.items():
        every = [t for ts in by_kind.values() for t in ts]
        result["engines"][engine] = {"all": percentiles(every),
                                     "by_kind": {k: percentiles(v) for k, v in by_kind.items()}}
    result["zero_hits"] = {e: sum(1 for t in ts if not t) for e, ts in totals.items()}
    return result
