"""Reading and checking request parameters; bad ones become 400 ApiErrors."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..config import Config
from ..models import SearchRequest
from ..search import QueryError, parse
from .errors import ApiError

SORTS = ("relevance", "date")
MAX_FILTER_CHARS = 200
SNIPPET_LENGTHS = (50, 1000)


def int_param(args: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    """An integer parameter within [lo, hi], or a 400 naming it."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise ApiError(400, "invalid_parameter", f"{name} must be between {lo} and {hi}, not {value}")
    return value


def text_param(args: Mapping[str, str], name: str) -> str | None:
    """A short free-text parameter (a filter value), or None when absent or blank."""
    raw = (args.get(name) or "").strip()
    if len(raw) > MAX_FILTER_CHARS:
        raise ApiError(400, "invalid_parameter", f"{name} is longer than {MAX_FILTER_CHARS} characters")
    return raw or None


def date_param(args: Mapping[str, str], name: str) -> str | None:
    """A YYYY-MM-DD parameter, or None when absent."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw).isoformat() if len(raw) == 10 else _bad_date(name, raw)
    except ValueError:
        return _bad_date(name, raw)


def _bad_date(name: str, raw: str):
    raise ApiError(400, "invalid_parameter", f"{name} must be a date written YYYY-MM-DD, not {raw[:40]!r}")


def query_param(args: Mapping[str, str]) -> str:
    """q, checked by the query language (a 400 naming the problem when it means nothing)."""
    q = args.get("q", "")
    try:
        parse(q)
    except QueryError as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    return q


def search_request(args: Mapping[str, str], config: Config) -> SearchRequest:
    """A validated SearchRequest from query-string arguments."""
    q = query_param(args)
    per_page = int_param(args, "per_page", config.default_per_page, 1, config.max_per_page)
    max_page = max(1, config.max_page_depth // per_page)
    page = int_param(args, "page", 1, 1, max_page)
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise ApiError(400, "invalid_parameter", f"sort must be one of {', '.join(SORTS)}, not {sort[:40]!r}")
    date_from, date_to = date_param(args, "from"), date_param(args, "to")
    if date_from and date_to and date_from > date_to:
        raise ApiError(400, "invalid_parameter", f"from ({date_from}) is after to ({date_to})")
    return SearchRequest(
        q=q, page=page, per_page=per_page,
        site=text_param(args, "site"), author=text_param(args, "author"),
        date_from=date_from, date_to=date_to, sort=sort,
        snippet_length=int_param(args, "snippet_length", 200, *SNIPPET_LENGTHS),
    )
