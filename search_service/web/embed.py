"""Search on other people's sites: /embed.js (a widget in a Shadow DOM) and /embed (an iframe).

A site owner adds
    <div id="search"></div>
    <script src="https://search.example.org/embed.js" data-target="#search" async></script>
and the widget calls /api/search across origins (allow the site in SEARCH_CORS_ORIGINS).
Sites that forbid third-party scripts can frame /embed instead (headers.py lets any site
frame it; every other page refuses to be framed).
"""
from __future__ import annotations

from flask import Blueprint, send_from_directory

from .assets import SHORT_CACHE, STATIC_DIR
from .pages import render_search

embed = Blueprint("embed", __name__)


@embed.get("/embed.js")
def script():
    """The widget script, at a fixed URL (so cached for an hour, not for ever)."""
    response = send_from_directory(STATIC_DIR, "embed.js", mimetype="text/javascript", max_age=3600)
    response.headers["Cache-Control"] = SHORT_CACHE
    return response


@embed.get("/embed")
def page():
    """A compact search page that any site may put in an iframe."""
    return render_search("embed.html")
