"""Reading dates as people and machines write them on pages, into YYYY-MM-DD."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from .rules import DATE_CUE, DATE_PATTERNS, MONTHS

_WORD_OF_THREE = re.compile(r"[A-Za-z]{3,}")


def parse_date(text: str | None) -> str | None:
    """The first plausible calendar date in `text` as YYYY-MM-DD, or None."""
    # Every pattern's match holds its cue (a year's four digits): a cheap test that lets
    # most lines skip the patterns.
    if not text or not DATE_CUE.search(text):
        return None
    for pattern in DATE_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        found = _to_iso(m.groupdict())
        if found:
            return found
    return None


def _to_iso(parts: dict) -> str | None:
    try:
        year = int(parts["year"])
        month_text = parts["month"]
        month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text.lower().rstrip("."))
        day = int(parts.get("day") or 1)
        if month is None or not 1800 <= year <= 2200:
            return None
        return date(year, month, day).isoformat()
    except (ValueError, TypeError, KeyError):
        return None


def is_date_line(text: str) -> bool:
    """True when a short line is nothing but a date (with perhaps a weekday or time)."""
    stripped = text.strip()
    return len(stripped) <= 60 and _is_short_date_line(stripped)


# The extractors ask this of the same line several times (byline zone, block kinds), and
# short lines recur across a site's pages; only short lines are kept, so the cache stays small.
@lru_cache(maxsize=4096)
def _is_short_date_line(stripped: str) -> bool:
    if not parse_date(stripped):
        return False
    leftover = stripped
    for pattern in DATE_PATTERNS:
        leftover = pattern.sub(" ", leftover)
    leftover = _FILLER.sub(" ", leftover)
    return not _WORD_OF_THREE.search(leftover)


_FILLER_WORDS = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    "published", "updated", "posted", "on", "at", "am", "pm", "utc", "gmt", "est", "edt",
    "pst", "pdt", "cet", "cest", "bst", "zulu", "last", "modified",
)
_FILLER = re.compile(r"(?i)\b(" + "|".join(_FILLER_WORDS) + r")\b")
