"""Settings from the environment, read in this one place."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .search import CACHE_SIZE, TIME_BUDGET
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

    # Seconds a search may take before it answers with what it has found ("partial").
    time_budget: float = TIME_BUDGET
    # Answers cached per worker (0: no cache).
    cache_entries: int = CACHE_SIZE
    # Folder where a server's workers share their answers (answer_cache.py); None = each
    # worker its own. gunicorn_settings.py makes one per server run when this is unset.
    shared_answers_dir: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Config":
        """Read the SEARCH_* variables of ENVIRONMENT (and PROMETHEUS_MULTIPROC_DIR); overrides win."""
        env = os.environ if env is None else env
        values = {name: parse(env[var].strip(), var) for var, (name, parse) in ENVIRONMENT.items()
                  if env.get(var, "").strip()}
        known = {f.name for f in fields(cls)}
        values.update({k: v for k, v in overrides.items() if k in known and v is not None})
        return replace(cls(), **values)


def _path(text: str, var: str) -> Path:
    return Path(text)


def _number(kind: type, minimum: float, what: str):
    def parse(text: str, var: str):
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"{var} must be {what}, not {text!r}") from None
        if value < minimum:
            raise ValueError(f"{var} must be at least {minimum}, not {text!r}")
        return value
    return parse


def _megabytes(text: str, var: str) -> int:
    return int(_number(float, 0.001, "a number of megabytes")(text, var) * 1024 * 1024)


def _origins(text: str, var: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())


def _log_target(text: str, var: str) -> str | None:
    if text.lower() in ("0", "off", "no", "false"):
        return None
    return "-" if text.lower() in ("1", "-", "stderr", "on") else text


def _folder_or_off(text: str, var: str) -> Path | None:
    return None if text.lower() in ("0", "off", "no", "false") else Path(text)


def _flag(text: str, var: str) -> bool:
    return text.lower() in ("1", "true", "yes", "on")


# Environment variable → (Config field, parser(text, variable name)).
ENVIRONMENT = {
    "SEARCH_INDEX": ("index_dir", _path),
    "SEARCH_CORPUS": ("corpus_dir", _path),
    "SEARCH_MAX_FILE_MB": ("max_file_bytes", _megabytes),
    "SEARCH_CORS_ORIGINS": ("cors_origins", _origins),
    "SEARCH_RATE_LIMIT": ("rate_limit", lambda text, var: parse_rate(text)),
    "SEARCH_TRUSTED_PROXIES": ("trusted_proxies", _number(int, 0, "a number of proxies")),
    "SEARCH_ACCESS_LOG": ("access_log", _log_target),
    "SEARCH_LOG_QUERIES": ("log_queries", _flag),
    "PROMETHEUS_MULTIPROC_DIR": ("metrics_dir", _path),
    "SEARCH_TIME_BUDGET": ("time_budget", _number(float, 0.01, "a number of seconds")),
    "SEARCH_CACHE_ENTRIES": ("cache_entries", _number(int, 0, "a number of answers")),
    "SEARCH_SHARED_ANSWERS": ("shared_answers_dir", _folder_or_off),
}


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
