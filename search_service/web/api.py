"""The JSON API: /api/search, /api/suggest, /api/documents/<id>[/similar], /healthz.

/api/search also answers plain or ANSI text for curl (see formats.py).
"""
from __future__ import annotations


from flask import Blueprint, current_app, g, jsonify, request

from .errors import ApiError
from .formats import render_results, text_format, text_response
from .params import int_param, search_request, text_param

api = Blueprint("api", __name__)

def search_index():
    return current_app.extensions["search_index"]


@api.get("/api/search")
def search():
    """Ranked hits with snippets for q, one page at a time."""
    req = search_request(request.args, current_app.config["SEARCH"])
    results = search_index().search(req)
    g.answer_cached = results.cached  # for the metrics
    data = results.as_dict()
    g.result_count = data["total"]  # for the access log
    fmt = text_format()
    if fmt:
        return text_response(render_results(data, ansi=fmt == "ansi"))
    response = jsonify(data)
    response.vary.add("Accept")
    return response


@api.get("/api/suggest")
def suggest():
    """Completions of what has been typed so far: frequent words, then matching titles."""
    q = text_param(request.args, "q") or ""
    limit = int_param(request.args, "limit", 8, 1, 20)
    return jsonify(query=q, suggestions=search_index().complete(q, limit) if q else [])


@api.get("/api/documents/<doc_id>")
def document(doc_id: str):
    """One document with its full clean text."""
    fields = search_index().document(doc_id)
    if fields is None:
        raise ApiError(404, "not_found", "no document has this id")
    keys = ("id", "title", "url", "source", "site", "author", "published", "lang", "text")
    return jsonify({k: fields.get(k) for k in keys})


@api.get("/api/documents/<doc_id>/similar")
def similar(doc_id: str):
    """Documents about the same things as this one, best first."""
    count = int_param(request.args, "per_page", 10, 1, 50)
    hits = search_index().similar(doc_id, count)
    if hits is None:
        raise ApiError(404, "not_found", "no document has this id")
    return jsonify(id=doc_id, results=[h.as_dict() for h in hits])


@api.get("/healthz")
def healthz():
    """Liveness and what is being served."""
    index = search_index()
    return jsonify(status="ok", documents=index.document_count(), generation=index.generation)
