"""Judgements on one line or block of text, shared by the HTML and the text extractor."""
from __future__ import annotations

import re

from . import rules

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
MAX_CHROME_WORDS = 40  # a longer block is writing, whatever phrase it contains


def is_chrome_line(text: str) -> bool:
    """Share bars, calls to action, legal lines and other page furniture."""
    words = text.lower().replace("|", " ").split()
    if words and len(words) <= 12 and all(w.strip(".,:;·•") in rules.SOCIAL_WORDS for w in words):
        return True
    if len(_WORD.findall(text)) > MAX_CHROME_WORDS:
        return False
    return any(p.search(text) for p in rules.CHROME_LINE_PATTERNS)


def is_photo_credit(text: str, ends_sentence: bool) -> bool:
    """A caption's credit line ("Photo: …", "… / AFP / Getty")."""
    n = len(_WORD.findall(text))
    return n <= 40 and bool(rules.PHOTO_CREDIT_PATTERN.search(text)) and (not ends_sentence or n <= 12)


def strip_byline_prefix(text: str) -> tuple[str, bool]:
    """The text without a leading "By"/"Written by"…, and whether it had one."""
    m = rules.BYLINE_PREFIX.match(text)
    return (text[m.end():], True) if m else (text, False)
