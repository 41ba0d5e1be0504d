"""Stored documents of one index generation, kept for the queries that read them again.

A query of plain words reads its top documents twice: feedback reads the first ranking's
best, and the page shows the final ranking's, mostly the same ones. Across queries, some
documents are the best of many. Reading one means decompressing its stored fields, and
feedback also analyses its text: at 10k documents the two were a sixth of a query. Both
are kept here per searcher (so per generation), within a budget of characters and words.
"""
from __future__ import annotations

import weakref

from .analysis import content, terms
from .ranking import FeedbackTerms, feedback_terms
from .sized_lru import SizedLRU

# Feedback reads the start of each top document: the part a page's topic shows in, at a
# bounded cost for long pages.
FEEDBACK_CHARS = 20_000
# Characters of stored fields (and bytes of their spans) kept per generation (a few MB),
# and words of feedback terms (16 bytes each: the words themselves are the analyser's, shared).
FIELDS_BUDGET = 4_000_000
FEEDBACK_BUDGET = 500_000
# What a document's stored fields hold besides its title, text and spans, counted in characters.
FIELDS_OVERHEAD = 200


class StoredDocuments:
    """The stored fields and feedback terms of a searcher's documents, by document number."""

    def __init__(self, searcher) -> None:
        self._searcher = weakref.ref(searcher)  # the cache lives as long as its searcher
        self._fields = SizedLRU(FIELDS_BUDGET)
        self._feedback = SizedLRU(FEEDBACK_BUDGET)

    def fields(self, docnum: int) -> dict:
        """The document's stored fields (shared: not to be changed)."""
        found = self._fields.get(docnum)
        if found is None:
            found = self._searcher().stored_fields(docnum)
            size = (len(found.get("text") or "") + len(found.get("title") or "") + len(found.get("spans") or b"")
                    + FIELDS_OVERHEAD)
            self._fields.put(docnum, found, size)
        return found

    def feedback_terms(self, docnum: int) -> FeedbackTerms:
        """What feedback reads of the document: the words of its title and its text's start."""
        found = self._feedback.get(docnum)
        if found is None:
            fields = self.fields(docnum)
            found = feedback_terms(terms(content(fields.get("title"), (fields.get("text") or "")[:FEEDBACK_CHARS])))
            self._feedback.put(docnum, found, max(1, len(found.words)))
        return found


_DOCUMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def stored_documents(searcher) -> StoredDocuments:
    """The stored documents of a searcher: made on first use, gone with the searcher."""
    found = _DOCUMENTS.get(searcher)
    if found is None:
        found = _DOCUMENTS[searcher] = StoredDocuments(searcher)
    return found
