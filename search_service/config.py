"""Settings from the environment, read in this one place."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .sources import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Config:
    """Everything the service can be told from outside."""

    index_dir: Path = Path("index")
    corpus_dir: Path = Path("corpus")
    max_file_bytes: int = DEFAULT_MAX_BYTES
    default_per_page: int = 10
    max_per_page: int = 100
    max_page_depth: int = 10_000  # page * per_page may not pass this
    # Origins whose pages may call /api/* from a browser (CORS); empty = same origin only.
    cors_origins: tuple[str, ...] = ()
    # Per-client rate limit as (requests, seconds), e.g. (60, 60.0); None = no limit.
    rate_limit: tuple[int, float] | None = None
    # Reverse proxies in front of the service whose X-Forwarded-For is believed (0 = none).
    trusted_proxies: int = 0
    # Where the JSON access log goes: "-" (stderr), a file path, or None (no handler of
    # our own: the lines reach only what the logging configuration sends them to).
    access_log: str | None = None
    # Put the client's query text in the access log (off: only its length is logged).
    log_queries: bool = False
    # Folder shared by the gunicorn workers for their metrics (prometheus_client multiprocess).
    metrics_dir: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Config":
        """Read SEARCH_INDEX, SEARCH_CORPUS, SEARCH_MAX_FILE_MB, SEARCH_CORS_ORIGINS,
        SEARCH_RATE_LIMIT, SEARCH_TRUSTED_PROXIES, SEARCH_ACCESS_LOG, SEARCH_LOG_QUERIES and
        PROMETHEUS_MULTIPROC_DIR; overrides win."""
        env = os.environ if env is None else env
        values: dict = {}
        if env.get("SEARCH_INDEX"):
            values["index_dir"] = Path(env["SEARCH_INDEX"])
        if env.get("SEARCH_CORPUS"):
            values["corpus_dir"] = Path(env["SEARCH_CORPUS"])
        if env.get("SEARCH_MAX_FILE_MB"):
            try:
                values["max_file_bytes"] = int(float(env["SEARCH_MAX_FILE_MB"]) * 1024 * 1024)
            except ValueError:
                raise ValueError(f"SEARCH_MAX_FILE_MB must be a number, not {env['SEARCH_MAX_FILE_MB']!r}") from None
        if env.get("SEARCH_CORS_ORIGINS"):
            values["cors_origins"] = tuple(
                o.strip().rstrip("/") for o in env["SEARCH_CORS_ORIGINS"].split(",") if o.strip())
        if env.get("SEARCH_RATE_LIMIT"):
            values["rate_limit"] = parse_rate(env["SEARCH_RATE_LIMIT"])
        if env.get("SEARCH_TRUSTED_PROXIES"):
            try:
                values["trusted_proxies"] = int(env["SEARCH_TRUSTED_PROXIES"])
            except ValueError:
                raise ValueError("SEARCH_TRUSTED_PROXIES must be a number of proxies, "
                                 f"not {env['SEARCH_TRUSTED_PROXIES']!r}") from None
            if values["trusted_proxies"] < 0:
                raise ValueError("SEARCH_TRUSTED_PROXIES may not be negative")
        if env.get("SEARCH_ACCESS_LOG"):
            target = env["SEARCH_ACCESS_LOG"].strip()
            if target.lower() in ("0", "off", "no", "false"):
                values["access_log"] = None
            else:
                values["access_log"] = "-" if target.lower() in ("1", "-", "stderr", "on") else target
        if env.get("SEARCH_LOG_QUERIES"):
            values["log_queries"] = env["SEARCH_LOG_QUERIES"].strip().lower() in ("1", "true", "yes", "on")
        if env.get("PROMETHEUS_MULTIPROC_DIR"):
            values["metrics_dir"] = Path(env["PROMETHEUS_MULTIPROC_DIR"])
        known = {f.name for f in fields(cls)}
        values.update({k: v for k, v in overrides.items() if k in known and v is not None})
        return replace(cls(), **values)


_RATE = re.compile(r"\s*(\d+)\s*(?:/|per)\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*", re.I)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text: str) -> tuple[int, float] | None:
    """`60/minute`, `10/second`, `1000/hour`, `5/10s` → (requests, seconds); `0`/`off` → None."""
    if text.strip().lower() in ("0", "off", "none", "no", "false"):
        return None
    match = _RATE.fullmatch(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"SEARCH_RATE_LIMIT must look like 60/minute (or /second, /hour, /day), not {text!r}")
    seconds = int(match.group(2) or 1) * _UNIT_SECONDS[match.group(3)[0].lower()]
    if seconds < 1:
        raise ValueError(f"SEARCH_RATE_LIMIT needs a period of at least one second, not {text!r}")
    return int(match.group(1)), float(seconds)
