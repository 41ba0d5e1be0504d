"""Reading and checking request parameters; bad ones become 400 ApiErrors."""
from __future__ import annotations

from collections.abc import Mapping

from ..config import Config
from ..models import SearchRequest
from ..search import QueryError, validate_query
from .errors import ApiError


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


def search_request(args: Mapping[str, str], config: Config) -> SearchRequest:
    """A validated SearchRequest from query-string arguments."""
    q = args.get("q", "")
    try:
        validate_query(q)
    except QueryError as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    per_page = int_param(args, "per_page", config.default_per_page, 1, config.max_per_page)
    max_page = max(1, config.max_page_depth // per_page)
    page = int_param(args, "page", 1, 1, max_page)
    return SearchRequest(q=q, page=page, per_page=per_page)
