"""Finding pages whose clean text another page already has (the same article at two URLs)."""
from __future__ import annotations

import hashlib
import re
import zlib
from collections import Counter
from heapq import nsmallest
from typing import NamedTuple

from .models import Document

_WORD = re.compile(r"\w+")

SHINGLE_WORDS = 5
SKETCH_SIZE = 8  # the smallest shingle hashes kept per document (a bottom-k sketch)
MIN_SHARED = 6  # sketch values two texts must share to count as near duplicates


class TextKey(NamedTuple):
    """What the finder compares of a document: a hash of its words, and a sketch of them."""

    digest: bytes
    sketch: list[int]


def text_key(doc: Document) -> TextKey:
    """The document's TextKey: the costly part of finding duplicates, which needs nothing
    the finder remembers (an ingest works it out in the processes that clean the pages)."""
    words = _WORD.findall(doc.text.lower())
    # A record of a title alone (a brief, a catalogue entry) is told apart by its title:
    # by its empty text, every such record would repeat the first one.
    hashed = words or ["\0title"] + _WORD.findall(doc.title.lower())
    return TextKey(hashlib.blake2b(" ".join(hashed).encode(), digest_size=16).digest(), _sketch(words))


class DuplicateFinder:
    """Remembers the texts seen so far; says which earlier document a new one repeats."""

    def __init__(self) -> None:
        self._exact: dict[bytes, str] = {}
        self._sketches: dict[int, str] = {}

    def original_of(self, doc: Document, key: TextKey | None = None) -> str | None:
        """The source of an earlier document with the same or nearly the same text, else None.

        `key` is the document's text_key when it was worked out already. A document that
        is not a duplicate is remembered for the ones after it.
        """
        digest, sketch = key or text_key(doc)
        if digest in self._exact:
            return self._exact[digest]
        if sketch:
            votes = Counter(self._sketches[v] for v in sketch if v in self._sketches)
            if votes:
                source, shared = votes.most_common(1)[0]
                if shared >= MIN_SHARED:
                    return source
        self._exact[digest] = doc.source
        for value in sketch:
            self._sketches.setdefault(value, doc.source)
        return None

    def forget(self, sources: set[str]) -> None:
        """Drop what was remembered of these documents (removed or changed since)."""
        if not sources:
            return
        self._exact = {k: v for k, v in self._exact.items() if v not in sources}
        self._sketches = {k: v for k, v in self._sketches.items() if v not in sources}


def _sketch(words: list[str]) -> list[int]:
    """Bottom-k of the word-shingle hashes; empty for texts too short to compare loosely."""
    if len(words) < SHINGLE_WORDS + SKETCH_SIZE:
        return []
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    return nsmallest(SKETCH_SIZE, (zlib.crc32(s.encode()) for s in shingles))
