"""Stored documents of one index generation, kept for the queries that read them again.

A query of plain words reads its top documents twice: feedback reads the first ranking's
best, and the page shows the final ranking's, mostly the same ones. Across queries, some
documents are the best of many. Reading one means decompressing its stored fields: at 10k
documents that was a sixth of a query with feedback's analysis of the text. Fields are
kept here per searcher (so per generation), within a budget of characters.

What feedback reads of a document (its FeedbackTerms) is worked out at ingest and kept in
the FEEDBACK_FIELD column (FeedbackTerms.to_bytes): analysing five documents' text again was a
tenth of a distinct query at 100k documents, where few top documents come back. A
generation written before the column (or a document added to it by other code) has its
documents' terms worked out from their stored text, as then, and kept within a budget of words.
"""
from __future__ import annotations

import weakref

from .indexer import FEEDBACK_FIELD
from .ranking import FeedbackTerms, text_feedback_terms
from .sized_lru import SizedLRU
from .stored_fields import StoredFieldsFile

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
        # None: segments of another layout than whoosh3's (the searcher reads them).
        self._file = StoredFieldsFile.open(searcher)
        reader = searcher.reader()
        # None: a generation written before the column (its terms are worked out from the text).
        written = FEEDBACK_FIELD in searcher.schema and reader.has_column(FEEDBACK_FIELD)
        self._column = reader.column_reader(FEEDBACK_FIELD) if written else None

    def fields(self, docnum: int) -> dict:
        """The document's stored fields (shared: not to be changed)."""
        found = self._fields.get(docnum)
        if found is None:
            found = self._file.fields(docnum) if self._file is not None else self._searcher().stored_fields(docnum)
            size = (len(found.get("text") or "") + len(found.get("title") or "") + len(found.get("spans") or b"")
                    + FIELDS_OVERHEAD)
            self._fields.put(docnum, found, size)
        return found

    def feedback_terms(self, docnum: int) -> FeedbackTerms:
        """What feedback reads of the document: the words of its title and its text's start."""
        if self._column is not None and (data := self._column_value(docnum)):
            return FeedbackTerms.from_bytes(data)
        found = self._feedback.get(docnum)
        if found is None:
            fields = self.fields(docnum)
            found = text_feedback_terms(fields.get("title"), fields.get("text"))
            self._feedback.put(docnum, found, max(1, len(found.words)))
        return found

    def _column_value(self, docnum: int) -> bytes:
        """The document's value in the column (empty for a document added without one: a
        segment written by other code holds none, or none past its last document that had one)."""
        try:
            return self._column[docnum]
        except IndexError:
            return b""


_DOCUMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def stored_documents(searcher) -> StoredDocuments:
    """The stored documents of a searcher: made on first use, gone with the searcher."""
    found = _DOCUMENTS.get(searcher)
    if found is None:
        found = _DOCUMENTS[searcher] = StoredDocuments(searcher)
    return found
