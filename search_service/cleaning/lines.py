"""Judgements on one line or block of text, shared by the HTML and the text extractor."""
from __future__ import annotations

import re

from . import rules

# Words as the cleaner counts them; text.py's blocks count theirs with it too, and pass
# the count in rather than have it found again.
WORD = re.compile(r"[^\W\d_][\w'’-]*")
MAX_CHROME_WORDS = 40  # a longer block is writing, whatever phrase it contains


def is_chrome_line(text: str, n_words: int | None = None) -> bool:
    """Share bars, calls to action, legal lines and other page furniture (n_words: its WORD count)."""
    words = text.lower().replace("|", " ").split()
    if words and len(words) <= 12 and all(w.strip(".,:;·•") in rules.SOCIAL_WORDS for w in words):
        return True
    if _word_count(text, n_words) > MAX_CHROME_WORDS:
        return False
    return any(p.search(text) for p in rules.CHROME_LINE_REGEXES)


def is_photo_credit(text: str, ends_sentence: bool, n_words: int | None = None) -> bool:
    """A caption's credit line ("Photo: …", "… / AFP / Getty"); n_words: its WORD count."""
    n = _word_count(text, n_words)
    # The pattern is the costly test, so it comes last.
    return n <= 40 and (not ends_sentence or n <= 12) and bool(rules.PHOTO_CREDIT_PATTERN.search(text))


def strip_byline_prefix(text: str) -> tuple[str, bool]:
    """The text without a leading "By"/"Written by"…, and whether it had one."""
    m = rules.BYLINE_PREFIX.match(text)
    return (text[m.end():], True) if m else (text, False)


def _word_count(text: str, known: int | None) -> int:
    return len(WORD.findall(text)) if known is None else known
