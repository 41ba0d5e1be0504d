"""Output for curl and scripts: plain or ANSI text results, and pretty-printed JSON.

`/api/search` answers text when asked with `?format=text`, `?format=ansi`, `?color=1` or an
`Accept: text/plain` header; its errors then come as text with the same status. Any JSON
answer is indented when the query string has `pretty`.
"""
from __future__ import annotations

import html
import re

from flask import Flask, Response, has_request_context, request
from flask.json.provider import DefaultJSONProvider

_OFF = {"0", "false", "no", "off"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # never let scraped text drive a terminal
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]*>")
BOLD, RESET = "\x1b[1m", "\x1b[22m"


def _flag(name: str) -> bool:
    value = request.args.get(name)
    return value is not None and value.lower() not in _OFF


def text_format() -> str | None:
    """"text" or "ansi" when this request asked for text, else None (JSON)."""
    fmt = (request.args.get("format") or "").lower()
    if fmt in ("text", "ansi"):
        return "ansi" if fmt == "ansi" or _flag("color") else "text"
    if fmt == "json":
        return None
    if _flag("color"):
        return "ansi"
    accept = request.accept_mimetypes
    return "text" if accept["text/plain"] > accept["application/json"] else None


def _clean(value) -> str:
    return " ".join(_CONTROL.sub(" ", str(value or "")).split())


def plain_snippet(snippet: str, ansi: bool = False) -> str:
    """A snippet's HTML as text: matches in [brackets], or bold on an ANSI terminal."""
    opened, closed = (BOLD, RESET) if ansi else ("[", "]")
    parts = _MARK.split(snippet)  # text, match, text, match, …
    out = []
    for i, part in enumerate(parts):
        text = _CONTROL.sub(" ", html.unescape(_TAG.sub("", part)))
        out.append(opened + text + closed if i % 2 else text)
    return "".join(out).strip()


def render_results(data: dict, ansi: bool = False) -> str:
    """Ranked results as text: a header line, then one block per hit, a blank line between."""
    total, page, per_page = data["total"], data["page"], data["per_page"]
    pages = max(1, -(-total // per_page))
    noun = "result" if total == 1 else "results"
    lines = [f"{total} {noun} for {_clean(data['query'])!r} (page {page} of {pages}, {data['took_ms']:.0f} ms)"]
    if data.get("suggestion"):
        lines.append(f"Did you mean: {_clean(data['suggestion'])}")
    blocks = ["\n".join(lines)]
    for rank, hit in enumerate(data["results"], start=(page - 1) * per_page + 1):
        meta = " · ".join(_clean(hit.get(k)) for k in ("published", "site", "author") if hit.get(k))
        block = [f"{rank}. {_clean(hit['title']) or _clean(hit['source'])}",
                 f"   {_clean(hit['url']) or _clean(hit['source'])}"]
        if meta:
            block.append(f"   {meta}")
        block.append(f"   {plain_snippet(hit['snippet'], ansi)}")
        blocks.append("\n".join(block))
    return "\n\n".join(blocks) + "\n"


def text_response(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/plain")
    response.vary.add("Accept")
    return response


def errors_as_text(response: Response) -> Response:
    """after_request hook: an /api/* JSON error becomes text when the request asked for text."""
    if (response.status_code >= 400 and request.path.startswith("/api/")
            and response.is_json and text_format()):
        error = (response.get_json(silent=True) or {}).get("error") or {}
        response.set_data(f"error: {error.get('code', 'error')}: {_clean(error.get('message'))}\n")
        response.mimetype = "text/plain"
        response.vary.add("Accept")
    return response


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, indented when the request's query string has `pretty`."""

    sort_keys = False

    def response(self, *args, **kwargs) -> Response:
        if has_request_context() and _flag("pretty"):
            obj = self._prepare_response_obj(args, kwargs)
            return self._app.response_class(self.dumps(obj, indent=2) + "\n", mimetype=self.mimetype)
        return super().response(*args, **kwargs)


def register_formats(app: Flask) -> None:
    """Install the JSON provider and the text-error hook, once."""
    app.json = JSONProvider(app)
    app.after_request(errors_as_text)
