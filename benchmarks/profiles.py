"""Where the time goes: cProfile of the query mix and of an ingest (one process, so the
cleaning is seen too), summarised as the share of time under named stages and the
functions with the most time of their own."""
from __future__ import annotations

import cProfile
import pstats
import shutil
from pathlib import Path

from search_service.ingest import ingest
from search_service.search import SearchIndex

from .latency import request_for
from .queries import Query

# (stage label, (file suffix, function name)) — cumulative time under the function
SEARCH_STAGES = [
    ("query parsing (parse)", ("search_service/query.py", "parse")),
    ("query planning (plan, bounded expansions)", ("search_service/query_builder.py", "plan")),
    ("ranking (_ranked_page; twice with feedback)", ("search_service/search.py", "_ranked_page")),
    ("  of which the arrays' first stage (Accumulator.stage)", ("search_service/accumulator.py", "stage")),
    ("  of which postings read (Accumulator._read_postings)", ("search_service/accumulator.py", "_read_postings")),
    ("  of which exact scores of the candidates (Accumulator.scores)", ("search_service/accumulator.py", "scores")),
    ("  of which Whoosh walks (collector.run)", ("whoosh/collectors.py", "run")),
    ("  of which candidates' positions read from Whoosh (_Positions._value_of)", ("search_service/accumulator.py", "_value_of")),
    ("  of which filters as bit sets (docs_for_query)", ("whoosh/searching.py", "docs_for_query")),
    ("feedback round: a first ranking and reading its top documents (_with_feedback)", ("search_service/search.py", "_with_feedback")),
    ("snippets and titles (Snippets)", ("search_service/snippets.py", "snippet")),
    ("", ("search_service/snippets.py", "title")),
    ("did you mean (_suggestion)", ("search_service/search.py", "_suggestion")),
    ("stored fields (StoredDocuments.fields)", ("search_service/stored_documents.py", "fields")),
]
INGEST_STAGES = [
    ("reading files (read_file)", ("search_service/sources.py", "read_file")),
    ("  of which decoding", ("search_service/decoding.py", "decode")),
    ("fingerprint", ("search_service/ingest.py", "fingerprint")),
    ("cleaning (clean_page)", ("search_service/cleaning/__init__.py", "clean_page")),
    ("  of which language detection", ("search_service/cleaning/language.py", "detect_language")),
    ("duplicate detection (text_key + original_of)", ("search_service/duplicates.py", "text_key")),
    ("", ("search_service/duplicates.py", "original_of")),
    ("site repetition (count + strip)", ("search_service/cleaning/repetition.py", "count")),
    ("", ("search_service/cleaning/repetition.py", "strip")),
    ("spooling (pickle)", ("~", "<built-in method _pickle.dump>")),
    ("", ("~", "<built-in method _pickle.load>")),
    ("indexing: writer.add_document", ("search_service/segment_writer.py", "add_document")),
    ("  of which analysis (tokenize, stem)", ("whoosh/analysis/filters.py", "__call__")),
    ("analysis ahead of the writer (preanalyse)", ("search_service/analysis.py", "preanalyse")),
    ("long posting lists as arrays (write_arrays)", ("search_service/postings_file.py", "write_arrays")),
    ("indexing: writer.commit (flush, merge)", ("whoosh/writing.py", "commit")),
]


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    """Cumulative time of every function named `name` in files ending with suffix (outermost calls)."""
    total = 0.0
    for (filename, _, func), (_, _, _, ct, callers) in stats.stats.items():
        if func == name and filename.endswith(suffix):
            # skip recursive calls: count only time from callers that are not the same function
            total += ct if not any(c[2] == name and c[0].endswith(suffix) for c in callers) else 0
    return total


def _top_own(stats: pstats.Stats, n: int) -> list[tuple[str, float]]:
    rows = []
    for (filename, line, func), (_, _, tt, _, _) in stats.stats.items():
        short = filename
        for marker in ("site-packages/", "search_service/", "lib/python3"):
            if marker in filename:
                short = filename.split(marker, 1)[1] if marker != "search_service/" else \
                    "search_service/" + filename.split(marker, 1)[1]
                break
        rows.append((f"{short}:{line} {func}" if filename != "~" else func, tt))
    rows.sort(key=lambda r: -r[1])
    return rows[:n]


def _summary(stats: pstats.Stats, stages, total: float, top: int) -> dict:
    shares, last = [], None
    for label, (suffix, name) in stages:
        seconds = _cumulative(stats, suffix, name)
        if label:
            shares.append([label, seconds])
            last = shares[-1]
        elif last is not None:
            last[1] += seconds
    return {"total_s": total, "stages": [(label, s, s / total if total else 0) for label, s in shares],
            "top_own": [(name, s, s / total if total else 0) for name, s in _top_own(stats, top)]}


def profile_search(index_root: Path, mix: list[Query], out: Path, top: int = 12) -> dict:
    index = SearchIndex(index_root, cache_size=0)
    requests = [request_for(q) for q in mix]
    for req in requests:  # warm
        index.search(req)
    profiler = cProfile.Profile()
    profiler.enable()
    for req in requests:
        index.search(req)
    profiler.disable()
    index.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(out)
    stats = pstats.Stats(str(out))
    total = stats.total_tt
    result = _summary(stats, SEARCH_STAGES, total, top)
    result["queries"] = len(requests)
    return result


def profile_ingest(corpus: Path, index_root: Path, out: Path, top: int = 12) -> dict:
    shutil.rmtree(index_root, ignore_errors=True)
    profiler = cProfile.Profile()
    profiler.enable()
    summary = ingest(corpus, index_root, workers=1, full=True)
    profiler.disable()
    out.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(out)
    stats = pstats.Stats(str(out))
    result = _summary(stats, INGEST_STAGES, stats.total_tt, top)
    result["pages"] = summary.pages_read
    return result


WEB_STAGES = [
    ("Flask request handling (wsgi_app)", ("flask/app.py", "wsgi_app")),
    ("  of which SearchIndex.search", ("search_service/search.py", "search")),
    ("  of which JSON encoding (jsonify)", ("flask/json/__init__.py", "jsonify")),
    ("  of which parameter checks (search_request)", ("search_service/web/params.py", "search_request")),
    ("test client overhead (building the WSGI environ)", ("werkzeug/test.py", "get_environ")),
]


def profile_web(index_root: Path, paths: list[str], out: Path, top: int = 12) -> dict:
    """cProfile of /api/search requests through the Flask app (test client, one process)."""
    import os

    import logging

    os.environ["SEARCH_INDEX"] = str(index_root)
    os.environ.pop("SEARCH_RATE_LIMIT", None)
    # access-log lines are still formatted (their cost is part of a request) but not printed
    logging.getLogger("search_service.access").addHandler(logging.NullHandler())
    from search_service.web import create_app

    client = create_app().test_client()
    for path in paths[:20]:  # open the index, warm caches
        client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        client.get(path)
    profiler.disable()
    out.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(out)
    stats = pstats.Stats(str(out))
    result = _summary(stats, WEB_STAGES, stats.total_tt, top)
    result["requests"] = len(paths)
    return result
