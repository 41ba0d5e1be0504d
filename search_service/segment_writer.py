"""Whoosh's segment writer, its posting lists written a term at a time.

When a segment is committed, Whoosh's FieldWriter.add_postings hands the codec every
posting with three Python calls of its own (the posting, its document's field length, the
block it goes into), and those calls were half of an ingest's writing: a 10k-document
build spent 0.64 ms per document in commit. BulkSegmentWriter groups the sorted postings
by term and fills whoosh3's block buffers a block at a time; the blocks are then encoded,
compressed and written by whoosh3's own code, so the files are byte for byte those Whoosh
writes (tests/test_segment_writer.py compares them).
"""
from __future__ import annotations

from array import array
from itertools import groupby
from operator import itemgetter

from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter
from whoosh.writing import SegmentWriter

_FIELD = itemgetter(0)
_TERM = itemgetter(1)
_SPELLING = -1  # the document number of Whoosh's spelling-only postings, which have no list


class BulkSegmentWriter(SegmentWriter):
    """A SegmentWriter (as `ix.writer()` makes) whose commit writes postings term by term."""

    def _flush_segment(self):
        if not isinstance(self.fieldwriter, W3FieldWriter):
            return super()._flush_segment()  # another codec: its own writer knows its blocks
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            write_postings(self.fieldwriter, self.schema, lengths, self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            if lengths:
                lengths.close()


def write_postings(fieldwriter: W3FieldWriter, schema, lengths, items) -> None:
    """What FieldWriter.add_postings writes of sorted (field, term, docnum, weight, value)
    postings, written a term at a time."""
    for fieldname, field_items in groupby(items, _FIELD):
        fieldwriter.start_field(fieldname, schema[fieldname])
        length_of = _field_lengths(lengths, fieldname)
        for btext, postings in groupby(field_items, _TERM):
            postings = [p for p in postings if p[2] != _SPELLING]
            if postings:
                fieldwriter.start_term(btext)
                _fill_blocks(fieldwriter._postwriter, postings, length_of)
                fieldwriter.finish_term()
        fieldwriter.finish_field()


def _field_lengths(lengths, fieldname: str) -> list[int]:
    """Each document's length in the field (0 without one), by document number."""
    if lengths is None:
        return []
    length = lengths.doc_field_length_reader(fieldname)
    return [length(docnum) for docnum in range(lengths.doc_count_all())]


def _fill_blocks(writer: W3PostingsWriter, postings: list[tuple], length_of: list[int]) -> None:
    """Add one term's postings to its writer as add_posting would, a block at a time.

    add_posting writes a full block when the next posting arrives, and finish_postings
    the last one: so every block but the last is written here, before the next is filled.
    """
    size = writer._blocklimit
    for start in range(0, len(postings), size):
        if start:
            writer._write_block()
        block = postings[start:start + size]
        ids = [p[2] for p in block]
        weights = [p[3] for p in block]
        found = [length for length in map(length_of.__getitem__, ids) if length] if length_of else ()
        writer._ids = array("I", ids)
        writer._weights = array("f", weights)
        writer._values = [p[4] for p in block if p[4]]
        writer._maxweight = max(0, *weights)
        writer._minlength = min(found) if found else None
        writer._maxlength = max(found) if found else 0
