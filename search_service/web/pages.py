"""The HTML search page: a form, and results rendered on the server."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from .errors import ApiError
from .params import search_request

pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")


@pages.get("/")
def home():
    """The search form; with ?q= it also shows results (no JavaScript needed)."""
    q = request.args.get("q", "")
    if not q.strip():
        return render_template("search.html", q=q, results=None, error=None)
    try:
        req = search_request(request.args, current_app.config["SEARCH"])
    except ApiError as exc:
        return render_template("search.html", q=q, results=None, error=exc.message), exc.status
    results = current_app.extensions["search_index"].search(req)
    return render_template("search.html", q=q, results=results, error=None)
