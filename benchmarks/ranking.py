#!/usr/bin/env python3
"""Ranking benchmark: nDCG@10 of the product's search next to other BM25 engines.

For each collection under /work/shared/bench/ranking (docs.jsonl, queries.tsv, qrels.tsv):

* writes the documents as JSON Lines ``{"url", "title", "text", "id"}`` into the out folder,
  ingests them with the product's own ``search_service.ingest.ingest`` and runs every query
  through ``SearchIndex(...).search(SearchRequest(q, page=1, per_page=100))``;
* runs the same queries on SQLite FTS5 (stdlib ``sqlite3``, ``bm25()``, title + text, OR of the
  query's words) and, when importable, on bm25s and tantivy (all at their defaults);
* writes TREC runs and scores them with the shared evaluator (``evaluate.py --json``);
* writes a markdown table into benchmarks/README.md between the ranking markers.

The bench data is read from /work/shared at run time and never copied into the repository;
generated files go to --out (default benchmarks/out/ranking, git-ignored).

    python benchmarks/ranking.py
    python benchmarks/ranking.py --collections cranfield cisi --out /tmp/ranking --no-readme
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(os.environ.get("RANKING_BENCH", REPO.parent / "shared" / "bench" / "ranking"))
EVALUATE = BENCH / "evaluate.py"
COLLECTIONS = ["cranfield", "cisi", "cacm", "scifact"]
# The goal: ahead of the best peer measured elsewhere, by a margin.
GOALS = {"cranfield": 0.39, "cisi": 0.40, "cacm": 0.51, "scifact": 0.70}
DEPTH = 100
WORD = re.compile(r"\w+")

sys.path.insert(0, str(REPO))  # the product, also when not installed

from benchmarks.report import machine_line, write_section  # noqa: E402


# ---------------------------------------------------------------- data


def read_docs(name: str) -> list[dict]:
    with open(BENCH / name / "docs.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_queries(name: str) -> list[tuple[str, str]]:
    queries = []
    with open(BENCH / name / "queries.tsv", encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.strip():
                qid, _, text = line.partition("\t")
                queries.append((qid, text))
    return queries


def doc_url(collection: str, doc_id: str) -> str:
    return f"https://{collection}.bench.invalid/doc/{quote(doc_id, safe='')}"


# ---------------------------------------------------------------- engines
# Each engine: (docs, queries, workdir) -> ({qid: [(docid, score), ...]}, info dict)


def run_ours(name: str, docs: list[dict], queries, work: Path):
    from search_service.ingest import ingest

    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    by_url = {}
    with open(corpus / "docs.jsonl", "w", encoding="utf-8") as handle:
        for doc in docs:
            url = doc_url(name, doc["id"])
            by_url[url] = doc["id"]
            handle.write(json.dumps({"url": url, "title": doc["title"], "text": doc["text"], "id": doc["id"]}) + "\n")
    index_root = work / "index"
    shutil.rmtree(index_root, ignore_errors=True)
    started = time.perf_counter()
    summary = ingest(corpus, index_root)
    ingest_s = time.perf_counter() - started

    run, refused, took = search_run(name, index_root, queries, by_url)
    info = {
        "indexed": summary.documents,
        "skipped": dict(summary.skipped_by_reason()),
        "refused": refused,
        "ms_per_query": 1000 * sum(took) / max(1, len(took)),
        "ingest_s": ingest_s,
    }
    return run, info


def fts5_query(text: str) -> str | None:
    words = list(dict.fromkeys(w.lower() for w in WORD.findall(text)))
    return " OR ".join('"%s"' % w.replace('"', '""') for w in words) or None


def run_fts5(name: str, docs: list[dict], queries, work: Path):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE d USING fts5(docid UNINDEXED, title, text)")
    db.executemany("INSERT INTO d (docid, title, text) VALUES (?, ?, ?)",
                   ((d["id"], d["title"], d["text"]) for d in docs))
    db.commit()
    run, took = {}, []
    for qid, text in queries:
        match = fts5_query(text)
        started = time.perf_counter()
        rows = [] if match is None else db.execute(
            "SELECT docid, bm25(d) FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT ?", (match, DEPTH)).fetchall()
        took.append(time.perf_counter() - started)
        run[qid] = [(docid, -score) for docid, score in rows]  # bm25() is lower-is-better
    db.close()
    return run, {"ms_per_query": 1000 * sum(took) / max(1, len(took))}


def run_bm25s(name: str, docs: list[dict], queries, work: Path):
    import bm25s
    try:
        import Stemmer
        stemmer = Stemmer.Stemmer("english")
    except ImportError:
        stemmer = None
    corpus = [f"{d['title']} {d['text']}" for d in docs]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stemmer=stemmer, show_progress=False), show_progress=False)
    vocab = retriever.vocab_dict
    run, took = {}, []
    for qid, text in queries:
        started = time.perf_counter()
        tokens = [t for t in bm25s.tokenize([text], stemmer=stemmer, return_ids=False, show_progress=False)[0] if t in vocab]
        if not tokens:
            run[qid] = []
            continue
        k = min(DEPTH, len(docs))
        ids, scores = retriever.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        took.append(time.perf_counter() - started)
        run[qid] = [(docs[i]["id"], float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]
    return run, {"ms_per_query": 1000 * sum(took) / max(1, len(took)), "stemmer": stemmer is not None}


def run_tantivy(name: str, docs: list[dict], queries, work: Path):
    import tantivy
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("docid", stored=True, tokenizer_name="raw")
    builder.add_text_field("title")
    builder.add_text_field("text")
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer()
    for d in docs:
        writer.add_document(tantivy.Document(docid=d["id"], title=d["title"], text=d["text"]))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    run, took = {}, []
    for qid, text in queries:
        words = list(dict.fromkeys(w.lower() for w in WORD.findall(text)))
        started = time.perf_counter()
        if not words:
            run[qid] = []
            continue
        query = index.parse_query(" ".join(words), ["title", "text"])  # the parser ORs by default
        hits = searcher.search(query, DEPTH).hits
        took.append(time.perf_counter() - started)
        run[qid] = [(searcher.doc(addr)["docid"][0], score) for score, addr in hits]
    return run, {"ms_per_query": 1000 * sum(took) / max(1, len(took))}


ENGINES = {"ours": run_ours, "fts5": run_fts5, "bm25s": run_bm25s, "tantivy": run_tantivy}
PEER_MODULES = {"bm25s": "bm25s", "tantivy": "tantivy"}


def available(engine: str) -> bool:
    module = PEER_MODULES.get(engine)
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- scoring


def search_run(name: str, index_root: Path, queries, by_url: dict[str, str]):
    """(TREC run, refused queries, seconds per query) of the product's search over an index
    the collection was ingested into; by_url maps the urls written to document ids."""
    from search_service.models import SearchRequest
    from search_service.search import QueryError, SearchIndex

    index = SearchIndex(index_root, cache_size=0)
    run, refused, took = {}, [], []
    try:
        index.searcher()  # open once, outside the timing
        for qid, text in queries:
            started = time.perf_counter()
            try:
                results = index.search(SearchRequest(text, page=1, per_page=DEPTH))
            except QueryError as exc:
                refused.append((qid, exc.code))
                continue
            finally:
                took.append(time.perf_counter() - started)
            ranked = []
            for hit in results.hits:
                if hit.url not in by_url:
                    raise SystemExit(f"{name}: hit {hit.id} has url {hit.url!r}, not one the benchmark wrote")
                expected_source = f"docs.jsonl#{by_url[hit.url]}"
                if hit.source != expected_source:
                    raise SystemExit(f"{name}: hit url {hit.url} came back with source {hit.source!r}")
                ranked.append(by_url[hit.url])
            # The service's order is the ranking (tiers are not ordered by score), so the
            # run's scores are derived from the rank: trec_eval sorts by score.
            run[qid] = [(doc_id, float(len(ranked) - i)) for i, doc_id in enumerate(ranked)]
    finally:
        index.close()
    return run, refused, took


def write_run(path: Path, run: dict, tag: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for qid, ranked in run.items():
            for rank, (docid, score) in enumerate(ranked, start=1):
                handle.write(f"{qid} Q0 {docid} {rank} {score:.6f} {tag}\n")


def evaluate(name: str, run_path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, str(EVALUATE), "--qrels", str(BENCH / name / "qrels.tsv"), "--run", str(run_path), "--json"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


# ---------------------------------------------------------------- report


def table(results: dict, engines: list[str], command: str) -> str:
    names = list(results)
    lines = [
        "## Ranking (nDCG@10)",
        "",
        "Each engine at the defaults named below, top 100 per query, scored by "
        "`/work/shared/bench/ranking/evaluate.py`. *ours* is the product itself: the collection "
        "written as JSON Lines, `search_service.ingest.ingest`, then "
        "`SearchIndex.search(SearchRequest(q, per_page=100))` per query.",
        "",
        "| collection | " + " | ".join(engines) + " | goal |",
        "|---|" + "---:|" * (len(engines) + 1),
    ]
    for name in names:
        row = [name]
        for engine in engines:
            score = results[name].get(engine, {}).get("nDCG@10")
            row.append("—" if score is None else f"{score:.4f}")
        row.append(f"≥ {GOALS.get(name, float('nan')):.2f}")
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Mean latency per query (ms; ours includes snippets for 100 hits):", "",
              "| collection | " + " | ".join(engines) + " |", "|---|" + "---:|" * len(engines)]
    for name in names:
        row = [name]
        for engine in engines:
            ms = results[name].get(engine, {}).get("ms_per_query")
            row.append("—" if ms is None else f"{ms:.1f}")
        lines.append("| " + " | ".join(row) + " |")
    notes = []
    for name in names:
        ours = results[name].get("ours")
        if not ours:
            continue
        extra = []
        if ours.get("skipped"):
            extra.append(f"{ours['docs'] - ours['indexed']} of {ours['docs']} documents not indexed "
                         f"({', '.join(f'{k}: {v}' for k, v in ours['skipped'].items())})")
        if ours.get("refused"):
            codes = sorted({code for _, code in ours["refused"]})
            extra.append(f"{len(ours['refused'])} queries refused ({', '.join(codes)}; they score 0)")
        if extra:
            notes.append(f"- {name}: " + "; ".join(extra) + ".")
    if notes:
        lines += ["", "Product limits that cost *ours* points here:", "", *notes]
    lines += [
        "",
        "Peers: SQLite FTS5 (stdlib `sqlite3`, unicode61 tokenizer, `bm25()`, title and text "
        "columns, OR of the query's words); bm25s (`bm25s.tokenize` defaults with English stopwords "
        "and PyStemmer English stemming, `BM25()` defaults, title + text); tantivy (default "
        "tokenizer, title and text fields, default OR query parser).",
        "",
        machine_line() + "  ",
        f"Command: `{command}`",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collections", nargs="+", default=COLLECTIONS, metavar="NAME",
                        help="collections to run (default: %(default)s)")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES),
                        help="engines to run (default: all importable)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "ranking",
                        help="folder for corpora, indexes, runs and results (default: %(default)s)")
    parser.add_argument("--no-readme", action="store_true", help="do not update benchmarks/README.md")
    args = parser.parse_args(argv)
    collections = [c for part in args.collections for c in part.split(",") if c]
    engines = [e for e in args.engines if available(e)]
    for missing in sorted(set(args.engines) - set(engines)):
        print(f"skipping {missing}: not importable (pip install '.[bench]')", file=sys.stderr)

    results: dict = {}
    for name in collections:
        if not (BENCH / name / "docs.jsonl").exists():
            raise SystemExit(f"no collection {name} in {BENCH}")
        docs, queries = read_docs(name), read_queries(name)
        results[name] = {}
        for engine in engines:
            work = args.out / name / engine
            work.mkdir(parents=True, exist_ok=True)
            run, info = ENGINES[engine](name, docs, queries, work)
            run_path = args.out / name / f"{engine}.run"
            write_run(run_path, run, engine)
            scores = evaluate(name, run_path)
            results[name][engine] = {**scores, **info, "docs": len(docs)}
            print(f"{name:10} {engine:8} nDCG@10 {scores['nDCG@10']:.4f}  R@100 {scores['R@100']:.4f}  "
                  f"{info['ms_per_query']:.1f} ms/q", flush=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    command = "python benchmarks/ranking.py" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    section = table(results, engines, command)
    print()
    print(section)
    if not args.no_readme:
        write_section("ranking", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
