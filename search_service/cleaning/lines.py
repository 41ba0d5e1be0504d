"""Judgements on one line or block of text, shared by the HTML and the text extractor."""
from __future__ import annotations

import re

from . import rules

# Words as the cleaner counts them; text.py's blocks count theirs with it too, and pass
# the count in rather than have it found again.
WORD = re.compile(r"[^\W\d_][\w'’-]*")
MAX_CHROME_WORDS = 40  # a longer block is writing, whatever phrase it contains
_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")


def any_of(patterns: list[re.Pattern]) -> re.Pattern:
    """One regex whose search succeeds where a search of any of `patterns` would."""
    flags = {p.flags for p in patterns}
    # A shared flag set applies to every branch; a backreference would point at a
    # renumbered group.
    assert len(flags) == 1, "patterns to join must share their flags"
    assert not any(re.search(r"\\\d|\(\?P=", p.pattern) for p in patterns), "backreference"
    branches = (_GLOBAL_FLAGS.sub("", p.pattern, count=1) for p in patterns)
    return re.compile("|".join(f"(?:{b})" for b in branches), flags.pop())


def split_by_anchoring(patterns: list[re.Pattern]) -> tuple[list[re.Pattern], list[re.Pattern]]:
    """(the patterns anchored at the start, the others)."""
    anchored = [p for p in patterns if _GLOBAL_FLAGS.sub("", p.pattern, count=1).startswith("^")]
    return anchored, [p for p in patterns if p not in anchored]


_NEVER = re.compile(r"(?!)")

# rules.CHROME_LINE_PATTERNS joined into one regex per kind, for speed: a line is chrome when
# either finds a match. Patterns anchored at the start fail at once past position 0, so they
# join cheaply; joining the others would try every start-anchored branch at every position.
CHROME_LINE_REGEXES = CHROME_AT_START, CHROME_ANYWHERE = tuple(
    any_of(group) if group else _NEVER for group in split_by_anchoring(rules.CHROME_LINE_PATTERNS))


def is_chrome_line(text: str, n_words: int | None = None) -> bool:
    """Share bars, calls to action, legal lines and other page furniture (n_words: its WORD count)."""
    lowered = text.lower()
    words = lowered.replace("|", " ").split()
    if words and len(words) <= 12 and all(w.strip(".,:;·•") in rules.SOCIAL_WORDS for w in words):
        return True
    if _word_count(text, n_words) > MAX_CHROME_WORDS:
        return False
    if CHROME_AT_START.search(text):
        return True
    return any(cue in lowered for cue in rules.CHROME_LINE_CUES) and bool(CHROME_ANYWHERE.search(text))


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
