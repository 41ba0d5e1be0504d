"""Guessing a text's language from its commonest short words, when the markup does not say."""
from __future__ import annotations

import re
from collections import Counter

from .rules import STOPWORDS_BY_LANGUAGE

_WORD = re.compile(r"[^\W\d_]+")
MIN_HITS = 5  # fewer stopword hits than this is too little evidence
_ANY_STOPWORD = frozenset().union(*STOPWORDS_BY_LANGUAGE.values())


def detect_language(text: str, sample_chars: int = 5000) -> str | None:
    """An ISO 639-1 code, or None when the text says too little."""
    words = Counter(map(str.lower, _WORD.findall(text[:sample_chars])))
    # Only the stopwords the text holds add to a score: found once among the text's words
    # (the set intersection, in C), then each language's among those few.
    present = _ANY_STOPWORD.intersection(words)
    scores = {
        lang: sum(words[w] for w in stopwords.intersection(present))
        for lang, stopwords in STOPWORDS_BY_LANGUAGE.items()
    }
    lang, best = max(scores.items(), key=lambda kv: kv[1])
    return lang if best >= MIN_HITS else None
