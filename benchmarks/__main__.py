"""Performance benchmark (issue 5): ours beside SQLite FTS5, a Flask "hello" app and naive Whoosh, one run.

    pip install -e '.[bench]'                  # trafilatura and matplotlib (else their parts are left out)
    python -m benchmarks                       # 10k and 100k documents, every part (~11-18 min on 2 cores)
    python -m benchmarks --quick               # smoke run: 10k, short loads, small samples, no README
    python -m benchmarks --sizes 1m --only build    # the 1M build (opt-in; ~40 min)
    python -m benchmarks --sizes 10k --only query,http

Parts: build (index build time, ours vs FTS5), query (latency), http (gunicorn + wrk, with
worker memory), memory (worker RSS alone, when http is not run), ingest (.txt and .html
pages end to end, trafilatura and FTS5 build beside), profile (cProfile of search and
ingest). Generated corpora and indexes go to benchmarks/out/perf/ (git-ignored); the
results are merged into benchmarks/results.json (kept in the repository: numbers only, so
that the README can be rendered again, and a run of some sizes or parts merged in, on a
fresh checkout without the hour the 1M build takes) and rendered into the "performance"
section of benchmarks/README.md with the plot benchmarks/performance.png.
HTTP loads are run at sizes up to 100k only.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

from . import corpus, http, ingest_speed, latency, nginx, perf_report, plot, profiles, queries
from .report import machine_line, write_section

PARTS = ("build", "query", "http", "memory", "ingest", "profile")
HERE = Path(__file__).resolve().parent
HTTP_MAX_DOCS = 100_000
RESULTS = HERE / "results.json"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", help="corpus sizes, e.g. 10k,100k,1m (default 10k,100k; --quick: 10k)")
    ap.add_argument("--only", help="comma-separated parts: " + ",".join(PARTS) + " (default: all)")
    ap.add_argument("--quick", action="store_true", help="smoke run: short loads, small samples; "
                    "results to results-quick.json, README left alone unless --readme")
    ap.add_argument("--seconds", type=int, help="wrk duration per load (default 20; --quick 10)")
    ap.add_argument("--warm-seconds", type=int, help="unmeasured wrk load of other queries before "
                    "the HTTP loads, so that they measure warm workers (default 10; --quick 3)")
    ap.add_argument("--per-kind", type=int, help="latency queries per kind (default 60; --quick 20)")
    ap.add_argument("--rounds", type=int, default=None, help="timed passes over the query mix (default 2; --quick 1)")
    ap.add_argument("--ingest-pages", type=int, help=".txt and .html pages to ingest (default 10,000; --quick 1,000)")
    ap.add_argument("--trafilatura-pages", type=int, help="pages for trafilatura (default 1,000; --quick 100)")
    ap.add_argument("--readme", action="store_true", help="write the README section even with --quick")
    ap.add_argument("--no-readme", action="store_true", help="do not touch benchmarks/README.md")
    ap.add_argument("--render", action="store_true", help="measure nothing: rewrite the README section "
                    "and the plot from the saved results")
    args = ap.parse_args(argv)
    q = args.quick
    args.sizes = [corpus.parse_size(s) for s in (args.sizes or ("10k" if q else "10k,100k")).split(",")]
    args.parts = [p.strip() for p in args.only.split(",")] if args.only else list(PARTS)
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        ap.error(f"unknown parts: {', '.join(sorted(unknown))}")
    args.seconds = args.seconds or (10 if q else 20)
    args.per_kind = args.per_kind or (20 if q else 60)
    if args.warm_seconds is None:
        args.warm_seconds = 3 if q else 10
    args.rounds = args.rounds or (1 if q else 2)
    args.ingest_pages = args.ingest_pages or (1_000 if q else 10_000)
    args.trafilatura_pages = args.trafilatura_pages or (100 if q else 1_000)
    args.write_readme = not args.no_readme and (not q or args.readme)
    return args


def size_dir(n: int) -> Path:
    return corpus.OUT / corpus.size_label(n)


def run_size(n: int, args, mix) -> dict:
    label = corpus.size_label(n)
    folder = size_dir(n)
    result: dict = {"n": n}
    log(f"{label}: writing the JSONL corpus")
    jsonl = corpus.write_jsonl(folder / "jsonl" / "docs.jsonl", n)
    index, db = folder / "index", folder / "fts5.sqlite"
    have_index = (index / "CURRENT").exists() and db.exists()
    needs_index = {"query", "http", "memory"} & set(args.parts)
    if "build" in args.parts or (needs_index and not have_index):
        log(f"{label}: building our index (ingest of the JSONL, {os.cpu_count()} workers)")
        ours = ingest_speed.ingest_folder(jsonl.parent, index)
        log(f"{label}:   {ours['documents']:,} documents in {ours['seconds']:.1f} s")
        log(f"{label}: building the FTS5 table")
        fts = ingest_speed.build_fts5(jsonl, db)
        log(f"{label}:   {fts['documents']:,} documents in {fts['seconds']:.1f} s")
        result["build"] = {"ours": ours, "fts5": fts}
    if "query" in args.parts:
        log(f"{label}: query latency, {len(mix)} queries × {args.rounds} rounds, ours and FTS5 in turn")
        result["query"] = latency.measure(index, db, mix, rounds=args.rounds)
        o, f = result["query"]["engines"]["ours"]["all"], result["query"]["engines"]["fts5"]["all"]
        log(f"{label}:   ours p50 {o['p50']:.1f} p99 {o['p99']:.1f} ms; FTS5 p50 {f['p50']:.1f} p99 {f['p99']:.1f} ms")
    if n <= HTTP_MAX_DOCS and "http" in args.parts:
        result["http"] = run_http(n, args, index)
    elif n <= HTTP_MAX_DOCS and "memory" in args.parts:
        # memory alone: a short Zipf load, kept apart from the HTTP results
        ours = run_http(n, args, index)["ours"]
        result["memory"] = {"ours": {k: ours[k] for k in ("workers", "worker_memory_mb", "worker_rss_mb",
                                                          "master_rss_mb")}}
    return result


def run_http(n: int, args, index: Path) -> dict:
    label = corpus.size_label(n)
    folder = size_dir(n) / "http"
    seconds = args.seconds if "http" in args.parts else 5
    # enough lines that neither list comes round again at a few hundred req/s
    lines = max(20_000, seconds * 1_000)
    # The Zipf log is measured twice: its first part from answer caches that hold none of it
    # (a server just started), then its continuation, with the caches as the first part left
    # them (a server that has been taking this traffic for a while): the same pool of
    # repeated queries, new one-off ones.
    zipf_both = queries.zipf_log(2 * lines)
    zipf, zipf_next = zipf_both[:lines], zipf_both[lines:]
    # Every query new to the server: none that the Zipf loads asked (the workers share their
    # answers, so any of those would be answered from a cache).
    asked = set(zipf_both)
    distinct = [q for q in queries.distinct_queries(2 * lines) if q not in asked][:lines]
    zipf_paths = http.write_paths(folder / "zipf.txt", zipf)
    zipf_next_paths = http.write_paths(folder / "zipf-continued.txt", zipf_next)
    distinct_paths = http.write_paths(folder / "distinct.txt", distinct)
    warm = [f"/api/search?q={q}" for q in ("oil", "bank", "trade", "wheat")] * 10
    measured = set(zipf_both) | set(distinct)
    warm_paths = http.write_paths(folder / "warm.txt", [q for q in queries.distinct_queries(20_000, seed=13)
                                                         if q not in measured])
    loads = ({"zipf": zipf_paths, "zipf_continued": zipf_next_paths, "distinct": distinct_paths}
             if "http" in args.parts else {"zipf": zipf_paths})
    log(f"{label}: HTTP, ours: {args.warm_seconds} s of other queries to warm up, then "
        f"{', '.join(loads)} for {seconds} s each")
    out = {"ours": http.run_loads("wsgi:app", index, loads, seconds, folder / "gunicorn-ours.log", warm,
                                  warm_paths, args.warm_seconds)}
    out["warm_seconds"] = args.warm_seconds
    for load in loads:
        w = out["ours"][load]
        log(f"{label}:   {load}: {w['rps']:.0f} req/s, p99 {w['p99_ms']} ms, "
            f"{w['non_2xx']} non-2xx, {w['socket_errors']} socket errors")
    log(f"{label}:   worker RSS {out['ours']['worker_rss_mb']} MB")
    if "http" in args.parts:
        behind = {"zipf": zipf_paths, "zipf_continued": zipf_next_paths}
        log(f"{label}: HTTP, ours behind nginx with its cache (deploy/nginx.conf): warm-up as above, then "
            f"{', '.join(behind)} through nginx for {seconds} s each")
        out["ours_nginx"] = http.run_loads("wsgi:app", index, behind, seconds, folder / "gunicorn-ours-nginx.log",
                                           warm, warm_paths, args.warm_seconds, proxy=nginx.cached_proxy)
        for load in behind:
            w = out["ours_nginx"][load]
            log(f"{label}:   {load}: {w['rps']:.0f} req/s, p99 {w['p99_ms']} ms, {w['non_2xx']} non-2xx, "
                f"{w['socket_errors']} socket errors, {w['proxy_hit_share']:.0%} from nginx's cache")
        log(f"{label}: HTTP, Flask hello: zipf for {seconds} s")
        out["hello"] = http.run_loads("benchmarks.hello_app:app", None, {"zipf": zipf_paths}, seconds,
                                      folder / "gunicorn-hello.log", warm)
        log(f"{label}:   {out['hello']['zipf']['rps']:.0f} req/s")
        naive_loads = {"zipf": zipf_paths, "distinct": distinct_paths}
        log(f"{label}: HTTP, naive Whoosh (benchmarks/naive_app.py) on the same index: warm-up as above, then "
            f"{', '.join(naive_loads)} for {seconds} s each")
        out["naive"] = http.run_loads("benchmarks.naive_app:app", index, naive_loads, seconds,
                                      folder / "gunicorn-naive.log", warm, warm_paths, args.warm_seconds)
        for load in naive_loads:
            w = out["naive"][load]
            log(f"{label}:   {load}: {w['rps']:.0f} req/s, p99 {w['p99_ms']} ms")
    distinct_log, repeat = queries.repeat_stats(zipf)
    _, repeat_both = queries.repeat_stats(zipf_both)
    # Of the continuation's requests, the share that repeat a query asked before (in either part).
    repeat_next = (repeat_both * len(zipf_both) - repeat * len(zipf)) / len(zipf_next)
    conf = http.gunicorn_conf()
    out["zipf_log"] = {"requests": len(zipf), "distinct": distinct_log, "repeat_share": repeat,
                       "continued_repeat_share": repeat_next,
                       "distinct_list": len(distinct),
                       "workers_note": (f"as {conf.name} says ({out['ours']['workers']})" if conf
                                        else f"cores × 2 = {out['ours']['workers']}, no gunicorn.conf.py")}
    for app in ("ours", "ours_nginx", "hello", "naive"):
        for load in loads:
            out.get(app, {}).get(load, {}).pop("raw", None)
    return out


def run_ingest(args) -> dict:
    n = args.ingest_pages
    folder = corpus.OUT / "ingest"
    log(f"ingest: writing {n:,} .txt and .html pages")
    txt = corpus.write_pages(folder / f"txt-{n}", n, "txt")
    html = corpus.write_pages(folder / f"html-{n}", n, "html")
    out = {}
    log(f"ingest: {n:,} .txt pages")
    out["txt"] = ingest_speed.ingest_folder(txt, folder / "index-txt")
    log(f"ingest:   {out['txt']['pages_per_s']:.0f} pages/s")
    log(f"ingest: {n:,} .html pages")
    out["html"] = ingest_speed.ingest_folder(html, folder / "index-html")
    log(f"ingest:   {out['html']['pages_per_s']:.0f} pages/s")
    log(f"ingest: our cleaner and trafilatura on {args.trafilatura_pages:,} .html pages, one process each")
    out["our_cleaning"] = ingest_speed.our_cleaning_speed(html, args.trafilatura_pages)
    traf = ingest_speed.trafilatura_speed(html, args.trafilatura_pages)
    if traf:
        out["trafilatura"] = traf
    else:
        log("ingest:   trafilatura is not installed (pip install -e '.[bench]'): its row is left out")
    jsonl = corpus.write_jsonl(folder / f"jsonl-{n}" / "docs.jsonl", n)
    out["fts5_build"] = ingest_speed.build_fts5(jsonl, folder / "fts5.sqlite")
    for key in ("index-txt", "index-html"):
        shutil.rmtree(folder / key, ignore_errors=True)
    return out


def run_profile(args, mix) -> dict:
    sizes = [n for n in args.sizes if n <= HTTP_MAX_DOCS] or args.sizes
    n = max(sizes)
    out = {}
    log(f"profile: search, {len(mix)} queries on the {corpus.size_label(n)} index")
    out["search"] = profiles.profile_search(size_dir(n) / "index", mix, corpus.OUT / "profile" / "search.prof")
    out["search"]["size"] = corpus.size_label(n)
    paths = [f"/api/search?q={quote_plus(q)}" for q in queries.zipf_log(args.per_kind * 5)]
    log(f"profile: web, {len(paths)} requests of the Zipf log through the Flask app")
    out["web"] = profiles.profile_web(size_dir(n) / "index", paths, corpus.OUT / "profile" / "web.prof")
    out["web"]["size"] = corpus.size_label(n)
    pages = min(2_000, args.ingest_pages)
    txt = corpus.write_pages(corpus.OUT / "ingest" / f"txt-{pages}", pages, "txt")
    log(f"profile: ingest of {pages:,} .txt pages, one process")
    out["ingest"] = profiles.profile_ingest(txt, corpus.OUT / "profile" / "index", corpus.OUT / "profile" / "ingest.prof")
    shutil.rmtree(corpus.OUT / "profile" / "index", ignore_errors=True)
    return out


def load(path: Path) -> dict:
    results = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault("sizes", {})
    return results


def save(path: Path, fresh: dict) -> dict:
    """Merge this run's results into the file as it is now (another run may have written it)."""
    results = load(path)
    for label, measured in fresh.get("sizes", {}).items():
        results["sizes"].setdefault(label, {}).update(measured)
    for key in ("ingest", "profile"):
        if key in fresh:
            results[key] = fresh[key]
    results.setdefault("runs", {}).update(fresh.get("runs", {}))
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(results, indent=1))
    os.replace(tmp, path)
    return results


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    command = "python -m benchmarks" + ("" if not argv else " " + shlex.join(argv))
    started = time.monotonic()
    corpus.OUT.mkdir(parents=True, exist_ok=True)
    results_path = corpus.OUT / "results-quick.json" if args.quick else RESULTS
    if args.render:
        return render(load(results_path), args)
    fresh: dict = {"sizes": {}}
    mix = queries.query_mix(args.per_kind)
    for n in sorted(args.sizes):
        fresh["sizes"][corpus.size_label(n)] = run_size(n, args, mix)
        save(results_path, fresh)
    if "ingest" in args.parts:
        fresh["ingest"] = run_ingest(args)
    if "profile" in args.parts:
        fresh["profile"] = run_profile(args, mix)
    minutes = (time.monotonic() - started) / 60
    fresh["runs"] = {command: {
        "when": time.strftime("%Y-%m-%d %H:%M"), "parts": [corpus.size_label(n) for n in args.sizes] + args.parts,
        "minutes": minutes, "machine": machine_line()}}
    results = save(results_path, fresh)
    render(results, args)
    log(f"done in {minutes:.1f} min; results in {results_path}")
    return 0


def render(results: dict, args) -> int:
    markdown = perf_report.render(results, corpus.__doc__.split("\n\n", 1)[1], queries.__doc__)
    if args.write_readme:
        plotted = plot.plot(results, HERE / "performance.png")
        write_section("performance", markdown)
        log("wrote benchmarks/README.md (section performance)" + (
            " and benchmarks/performance.png" if plotted else
            "; the plot is unchanged: matplotlib is not installed (pip install -e '.[bench]')"))
    else:
        print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
