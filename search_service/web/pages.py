"""Pages for people: the search page, a document's clean text, the OpenSearch description.

Everything is rendered on the server, so it all works without JavaScript; static/app.js
adds search-as-you-type and keyboard navigation on top.
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, g, render_template, request, url_for
from markupsafe import escape

from .assets import asset_url, cache_static
from .errors import ApiError
from .params import search_request
from .ui import active_filters, facet_links, http_url, marked, search_url

pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")

pages.add_app_template_filter(marked, "marked")
pages.add_app_template_filter(http_url, "http_url")
pages.add_app_template_global(asset_url, "asset_url")
pages.add_app_template_global(search_url, "search_url")
pages.add_app_template_global(facet_links, "facet_links")
pages.add_app_template_global(active_filters, "active_filters")


pages.after_request(cache_static)  # security headers: headers.py, for every response


def render_search(template: str):
    """A template with the form and, for ?q=, one page of results (or the error)."""
    q = request.args.get("q", "")
    if not q.strip():
        return render_template(template, q=q, data=None, error=None)
    try:
        req = search_request(request.args, current_app.config["SEARCH"])
    except ApiError as exc:
        return render_template(template, q=q, data=None, error=exc.message), exc.status
    results = current_app.extensions["search_index"].search(req)
    g.answer_cached = results.cached  # for the metrics
    data = results.as_dict()
    g.result_count = data["total"]  # for the access log
    return render_template(template, q=q, data=data, error=None)


@pages.get("/")
def home():
    """The search form; with ?q= it also shows results (no JavaScript needed)."""
    return render_search("search.html")


@pages.get("/documents/<doc_id>")
def document(doc_id: str):
    """One document's clean text as a page: title, metadata, paragraphs."""
    fields = current_app.extensions["search_index"].document(doc_id)
    if fields is None:
        raise ApiError(404, "not_found", "There is no document with this id.")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", fields.get("text") or "") if p.strip()]
    return render_template("document.html", doc=fields, paragraphs=paragraphs, q="")


OPENSEARCH = """<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>Archive search</ShortName>
  <Description>Full-text search of the scraped-page archive</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <OutputEncoding>UTF-8</OutputEncoding>
  <Url type="text/html" method="get" template="{home}?q={{searchTerms}}"/>
  <Url type="application/json" method="get" template="{api}?q={{searchTerms}}"/>
  <Url type="text/plain" method="get" template="{api}?q={{searchTerms}}&amp;format=text"/>
  <Url type="application/opensearchdescription+xml" rel="self" template="{self}"/>
</OpenSearchDescription>
"""


@pages.get("/opensearch.xml")
def opensearch():
    """OpenSearch description, so browsers can add the service as a search engine."""
    urls = {"home": "pages.home", "api": "api.search", "self": "pages.opensearch"}
    body = OPENSEARCH.format(**{k: escape(url_for(v, _external=True)) for k, v in urls.items()})
    response = current_app.response_class(body, mimetype="application/opensearchdescription+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
