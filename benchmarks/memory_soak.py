"""A worker's memory over a long load: does it level off, and where?

The benchmark reads worker memory after its loads (about 10,000 requests); caches fill for
longer than that. This runs one gunicorn of ours (gunicorn.conf.py's settings) on an index
the benchmark built, sends wrk's distinct queries, then a Zipf log, then the distinct
queries again, for `--seconds` each, and prints each worker's VmRSS every 10 s.

    python -m benchmarks.memory_soak                 # 100k index, 90 s per load (~5 min)
    python -m benchmarks.memory_soak --size 10k --seconds 30

Needs the index of `python -m benchmarks` for that size (benchmarks/out/perf/<size>/index).
"""
from __future__ import annotations

import argparse
import sys
import threading
import time

from . import corpus, http, queries


def sample(pids: list[int], label: str, stop: threading.Event, peaks: dict[int, float]) -> None:
    """Print the workers' VmRSS every 10 s until stop is set, keeping each one's peak."""
    started = time.monotonic()
    while not stop.wait(10):
        rss = {pid: http.rss_mb(pid) for pid in pids}
        for pid, mb in rss.items():
            peaks[pid] = max(peaks.get(pid, 0.0), mb)
        print(f"  {label} +{time.monotonic() - started:.0f} s: VmRSS {', '.join(f'{mb:.0f}' for mb in rss.values())} MB",
              flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.memory_soak", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100k", help="corpus size whose index to serve (default 100k)")
    ap.add_argument("--seconds", type=int, default=90, help="wrk duration per load (default 90)")
    args = ap.parse_args(argv)
    folder = corpus.OUT / corpus.size_label(corpus.parse_size(args.size))
    index = folder / "index"
    if not (index / "CURRENT").exists():
        print(f"no index in {index}: run `python -m benchmarks --sizes {args.size} --only build` first",
              file=sys.stderr)
        return 2
    lines = max(60_000, args.seconds * 1_000)
    distinct = http.write_paths(folder / "soak" / "distinct.txt", queries.distinct_queries(lines, seed=29))
    zipf = http.write_paths(folder / "soak" / "zipf.txt", queries.zipf_log(lines))
    peaks: dict[int, float] = {}
    requests = 0
    with http.gunicorn("wsgi:app", index, folder / "soak" / "gunicorn.log") as (base, master):
        http.warm(base, ["/api/search?q=oil"], 1)
        pids = http.workers_of(master)
        first = [http.rss_mb(pid) for pid in pids]
        print(f"{len(pids)} workers on {index}; after one query: VmRSS "
              f"{', '.join(f'{mb:.0f}' for mb in first)} MB", flush=True)
        for label, paths in (("distinct", distinct), ("Zipf log", zipf), ("distinct again", distinct)):
            stop = threading.Event()
            watcher = threading.Thread(target=sample, args=(pids, label, stop, peaks), daemon=True)
            watcher.start()
            result = http.wrk(base, paths, args.seconds)
            stop.set()
            watcher.join()
            requests += result["requests"]
            print(f"{label}: {result['rps']:.0f} req/s, {result['requests']:,} requests, "
                  f"{result['non_2xx'] + result['socket_errors']} errors", flush=True)
        final = [http.rss_mb(pid) for pid in pids]
        for pid, mb in zip(pids, final):
            peaks[pid] = max(peaks.get(pid, 0.0), mb)
    print(f"{requests:,} requests; worker VmRSS at the end {', '.join(f'{mb:.0f}' for mb in final)} MB, "
          f"peak {', '.join(f'{mb:.0f}' for mb in peaks.values())} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
