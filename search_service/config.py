"""Settings from the environment, read in this one place."""
from __future__ import annotations

import os
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Config":
        """Read SEARCH_INDEX, SEARCH_CORPUS, SEARCH_MAX_FILE_MB, SEARCH_CORS_ORIGINS; overrides win."""
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
        known = {f.name for f in fields(cls)}
        values.update({k: v for k, v in overrides.items() if k in known and v is not None})
        return replace(cls(), **values)
