"""Helpers the page templates use: URL state, filters from facets, safe highlighted HTML."""
from __future__ import annotations

import html
import re

from flask import request, url_for
from markupsafe import Markup, escape

# The query-string keys that make up a page's state (all kept in bookmarkable URLs).
STATE_KEYS = ("q", "page", "per_page", "site", "author", "from", "to", "sort")
FILTER_KEYS = ("site", "author", "from", "to", "sort")
_MARK = re.compile(r"(<mark>.*?</mark>)", re.S)
_TAG = re.compile(r"<[^>]*>")


def marked(fragment: str | None) -> Markup:
    """HTML from the search stage with only <mark> kept: everything else is re-escaped."""
    out = []
    for part in _MARK.split(fragment or ""):
        text = escape(html.unescape(_TAG.sub("", part)))
        out.append(Markup("<mark>%s</mark>") % text if part.startswith("<mark>") else text)
    return Markup("").join(out)


def http_url(url: str | None) -> str | None:
    """url when it is http(s), else None: scraped data must not put javascript: in an href."""
    if url and re.match(r"https?://", url.strip(), re.I):
        return url.strip()
    return None


def state() -> dict[str, str]:
    """This request's page state: the STATE_KEYS present with a non-empty value."""
    return {k: request.args[k] for k in STATE_KEYS if request.args.get(k)}


def search_url(changes: dict | None = None, **more) -> str:
    """This page's URL with some state changed (None removes a key).

    Changing anything but the page goes back to page 1.
    """
    changes = {**(changes or {}), **more}
    params = state()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    if params.get("page") == "1":
        del params["page"]
    params = {k: params[k] for k in STATE_KEYS if k in params}
    endpoint = request.endpoint if request.endpoint in ("pages.home", "embed.page") else "pages.home"
    return url_for(endpoint, **params)


def year_filter(year: str) -> dict[str, str]:
    return {"from": f"{year}-01-01", "to": f"{year}-12-31"}


def facet_links(facets: dict | None) -> list[dict]:
    """Facet groups as [{name, label, links: [{value, count, active, url}]}] for the template."""
    groups = []
    current = state()
    for name, label in (("site", "Site"), ("year", "Year")):
        items = []
        for item in (facets or {}).get(name) or []:
            value = str(item.get("value", ""))
            if name == "site":
                active = current.get("site") == value
                url = search_url(site=None if active else value)
            else:
                years = year_filter(value)
                active = all(current.get(k) == v for k, v in years.items())
                url = search_url({"from": None, "to": None} if active else years)
            items.append({"value": value, "count": item.get("count"), "active": active, "url": url})
        if items:
            groups.append({"name": name, "label": label, "links": items})
    return groups


def active_filters() -> list[dict]:
    """The filters in the URL, each with the URL that removes it."""
    labels = {"site": "site", "author": "author", "from": "from", "to": "until", "sort": "sorted by"}
    return [{"label": labels[k], "value": v, "remove_url": search_url({k: None})}
            for k, v in state().items() if k in FILTER_KEYS]
