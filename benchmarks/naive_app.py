"""The naive baseline of issue 5: Whoosh as one would first write it, on the same index.

Whoosh's quick start under Flask: the index opened once, a searcher per request, the query
parsed by QueryParser on the ranked field, Whoosh's own BM25F ranking, `len(results)` for the
total and Whoosh's highlighter re-analysing each shown hit's stored text. No caches, no
arrays, no stored spans: what the issue's "naive Whoosh" row measured (45 req/s on its
machine, where the Flask "hello" app did 4,939). It reads the generation that
SEARCH_INDEX's CURRENT names, as the service does.

    SEARCH_INDEX=benchmarks/out/perf/10k/index python -m gunicorn benchmarks.naive_app:app
"""
import os

from flask import Flask, jsonify, request
from whoosh.qparser import QueryParser

from search_service.indexer import RANK_FIELD, open_index

app = Flask(__name__)
_, ix = open_index(os.environ["SEARCH_INDEX"])


@app.get("/api/search")
def search():
    q = request.args.get("q", "")
    with ix.searcher() as searcher:
        results = searcher.search(QueryParser(RANK_FIELD, ix.schema).parse(q), limit=10)
        hits = [{"url": hit.get("url"), "title": hit.get("title"),
                 "snippet": hit.highlights(RANK_FIELD, text=hit.get("text") or "")} for hit in results]
        return jsonify(query=q, total=len(results), results=hits)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
