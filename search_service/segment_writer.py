"""Whoosh's segment writer, its postings gathered by term and written a term at a time.

Whoosh's SegmentWriter puts each posting of each document into a pool as a tuple, sorts
them all when the segment is committed, and hands the codec every posting with three
Python calls of its own (the posting, its document's field length, the block it goes
into); whoosh3 then writes each block with a dozen more calls. That was two thirds of an
ingest's writing. BulkSegmentWriter gathers a document's postings under their terms as it
adds the document, and writes each term's list, block by block, in one function
(`_write_list`) that does what W3PostingsWriter and W3FieldWriter.finish_term do: the files
are those Whoosh writes but for their pickles' protocol (PICKLE_PROTOCOL): Whoosh reads the
same postings, statistics and stored fields back (tests/test_segment_writer.py).

An AnalysedText field (of Whoosh's Positions format) may come as a TermSequence
(analysis.py), its terms in order: those are kept as numbers (`_Sequences`), and each list is worked out for all the
documents at once when the lists are written, sorted with numpy (postings_file.posting_lists),
instead of one posting at a time per document (one process writing 4,984 stories:
0.62-0.68 → 0.52 ms a document, the same index).

When the gathered postings outgrow the writer's memory limit they are written out as a
run: a file of their lists, term after term in order (`_spill`); the segment's lists are then
the runs' lists of each term joined, in the runs' order, which is document order
(`_merged_lists`). Whoosh's pool did that posting by posting, sorting tuples out to disk and
merging them back one at a time: a 100k-story build (two parts, each past the limit) took
217 s with the pool and 120 s with runs, the same index (benchmarks/README.md).

Postings that come another way (a merged segment's, a document with boosts) go through
Whoosh's pool as before, and so do the gathered ones (and any runs) when there are such.
"""
from __future__ import annotations

import heapq
import struct
import zlib
from array import array
from collections.abc import Iterator
from hashlib import md5
from itertools import groupby, islice, repeat
from operator import itemgetter, sub
from pickle import HIGHEST_PROTOCOL, dump, dumps, load

import numpy as np
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3FieldWriter
from whoosh.columns import PickleColumn
from whoosh.filedb.filetables import OrderedHashWriter, _lengths, md5_hash
from whoosh.formats import Positions
from whoosh.system import pack_int, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import AnalysedText, TermSequence
from .postings_file import posting_lists

_FIELD = itemgetter(0)
_TERM = itemgetter(1)
_FIELD_AND_TERM = itemgetter(0, 1)
_SPELLING = -1  # the document number of Whoosh's spelling-only postings, which have no list
# What a gathered posting costs in memory, about (the pool counts ~150 bytes for its tuple).
POSTING_BYTES = 100
# What a term of a TermSequence is counted against the writer's limit: its number (4 bytes)
# and its share of the field's table of terms. Sorting a field's terms takes ~40 bytes a term
# more, for one field at a time and only while its lists are written (made into Python lists
# a slice at a time: LIST_CHUNK_POSTINGS); at 16, a part of 50,000 stories spills no run.
SEQUENCE_TERM_BYTES = 16
# Postings made into Python lists at a time when a field's sorted sequences are written.
LIST_CHUNK_POSTINGS = 65_536
# Terms pickled together in a run file: few enough that reading every run back at once,
# a chunk of each, takes little memory; many enough that pickling is not per term.
RUN_CHUNK_TERMS = 2048
# Blocks of postings and stored fields are pickled at protocol 5: at 2 (whoosh3's) each bytes
# value (a posting's positions, a text's spans) is pickled as a call to _codecs.encode of
# the bytes as a string, which made the compressed postings twice as large and their
# blocks a fifth of the writing (pickling, then zlib). Protocol 3 has the bytes opcode too,
# but its memo opcodes compress less well (the postings 17% larger). Whoosh reads any
# protocol (pickle.loads).
PICKLE_PROTOCOL = 5

# A term's list as gathered: (field, term, document numbers, weights, encoded values).
TermList = tuple[str, bytes, list[int], list[float], list[bytes]]


class BulkSegmentWriter(SegmentWriter):
    """A SegmentWriter (as `ix.writer()` makes) that gathers postings by term and writes them term by term."""

    def __init__(self, ix, keep_lists: tuple[str, ...] = (), **kwargs):
        """`keep_lists`: fields whose sorted lists (posting_lists's, with their terms) the
        writer keeps in `kept_lists` when it writes them: all of them or none (None), kept
        only if every value of those fields came as a TermSequence and the writer never
        spilled a run or used Whoosh's pool."""
        super().__init__(ix, **kwargs)
        self._keep = set(keep_lists)
        self.kept_lists: dict[str, tuple[list[str], dict[str, np.ndarray]]] | None = None
        # fieldname → term → (document numbers, weights, encoded values)
        self._gathered: dict[str, dict[bytes, tuple[list[int], list[float], list[bytes]]]] = {}
        # fieldname → its TermSequence values since the last run (a field is either here or
        # in _gathered: see _regather)
        self._sequences: dict[str, _Sequences] = {}
        self._gathered_bytes = 0
        self._limit = self.pool.limit
        self._runs: list[str] = []  # files of the tempstore, each the lists gathered till a spill
        schema = self.schema
        # Whoosh's own add_document for what this one does not do: term vectors, spelling
        # fields, and codecs other than whoosh3 as it comes (no inlined postings).
        self._writes_lists = isinstance(self.fieldwriter, W3FieldWriter) and getattr(self.codec, "_inlinelimit", 1) <= 1
        self._gathers = self._writes_lists and not any(
            field.vector or field.separate_spelling() for _, field in schema.items())
        # Fields whose TermSequence values are kept as they come: AnalysedText fields (which
        # take such values) of Whoosh's Positions format, whose postings _term_lists works out.
        self._sequence_fields = {name for name, field in schema.items()
                                 if isinstance(field, AnalysedText) and type(field.format) is Positions}
        columns = getattr(self.perdocwriter, "_colwriters", {})
        if type(columns.get("_stored")) is PickleColumn.Writer:
            columns["_stored"] = _StoredFieldsWriter(columns["_stored"]._child)

    def add_document(self, **fields):
        if not self._gathers or any(name.startswith("_") and name.endswith("_boost") for name in fields):
            # Whoosh's add_document files each field as it indexes it, so a field that fails
            # would leave the fields before it in the pool and the per-document writer:
            # each is indexed once beforehand (index() is lazy) to fail before any is filed.
            for fieldname, value in fields.items():
                field = self.schema[fieldname] if fieldname in self.schema else None
                if fieldname.startswith("_") or value is None or field is None:
                    continue
                if field.indexed:
                    tuple(field.index(value))
                stored = fields.get(f"_stored_{fieldname}", value)
                if field.column_type and stored is not None:
                    field.to_column_value(stored)
            return super().add_document(**fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        indexed = []
        sequences = []
        # Every field is indexed before anything is written: a value that fails (an ID
        # field given a number) then leaves nothing of its document behind.
        per_doc = []  # (fieldname, field, stored value, length, has a column, its value)
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                if type(value) is TermSequence and fieldname in self._sequence_fields \
                        and fieldname not in self._gathered:
                    sequences.append((fieldname, value.terms))
                    length = len(value.terms) if field.scorable else 0
                else:
                    postings = field.index(value)
                    if not isinstance(postings, tuple):
                        postings = tuple(postings)
                    if field.scorable:
                        length = sum(posting[1] for posting in postings)
                    indexed.append((fieldname, postings))
            stored = fields.get(f"_stored_{fieldname}", value)
            has_column = bool(field.column_type) and stored is not None
            per_doc.append((fieldname, field, stored, length, has_column,
                            field.to_column_value(stored) if has_column else None))
        perdocwriter.start_doc(self.docnum)
        try:
            for fieldname, field, stored, length, has_column, column_value in per_doc:
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                if has_column:
                    perdocwriter.add_column_value(fieldname, field.column_type, column_value)
        except BaseException:  # (none known: the values were made above) the writer takes the next
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        for fieldname, postings in indexed:
            if fieldname in self._sequences:
                self._regather(fieldname)
            self._gather(fieldname, postings)
        for fieldname, terms in sequences:
            kept = self._sequences.get(fieldname)
            if kept is None:
                kept = self._sequences[fieldname] = _Sequences()
            kept.add(self.docnum, terms)
            self._gathered_bytes += SEQUENCE_TERM_BYTES * len(terms)
        self._added = True
        self.docnum += 1
        if self._gathered_bytes > self._limit:
            if self._uses_pool():
                self._to_pool()
                self.pool.save()
            else:
                self._spill()

    def _gather(self, fieldname: str, postings: tuple) -> None:
        """File a document's postings of one field under their terms."""
        docnum = self.docnum
        terms = self._gathered.get(fieldname)
        if terms is None:
            terms = self._gathered[fieldname] = {}
        for posting in postings:
            entry = terms.get(posting[0])
            if entry is None:
                terms[posting[0]] = ([docnum], [posting[2] * 1.0], [posting[3]])
            else:
                entry[0].append(docnum)
                entry[1].append(posting[2] * 1.0)  # a float, as Whoosh's writer has it
                entry[2].append(posting[3])
        self._gathered_bytes += POSTING_BYTES * len(postings)

    def _regather(self, fieldname: str) -> None:
        """Move a field's kept sequences into the gathered postings, for a value of another
        kind that came for the field: its lists go on from there."""
        terms = self._gathered.setdefault(fieldname, {})
        names, found = self._sequences.pop(fieldname).sorted_lists()
        for btext, docnums, weights, values in _term_lists(names, found, self.schema[fieldname].format):
            terms[btext] = (docnums, weights, values)
            self._gathered_bytes += POSTING_BYTES * len(docnums)

    def _to_pool(self) -> None:
        """Move the gathered postings into Whoosh's pool, as its add_document would have put them."""
        self._lists_to_pool(self._gathered_lists())

    def _lists_to_pool(self, lists: Iterator[TermList]) -> None:
        pool = self.pool
        for fieldname, btext, docnums, weights, values in lists:
            pool.fieldnames.add(fieldname)
            pool.current.extend(zip(repeat(fieldname), repeat(btext), docnums, weights, values))

    def _uses_pool(self) -> bool:
        """Whether some postings went into Whoosh's pool (then all of them go there)."""
        return bool(self.pool.current or self.pool.runs)

    def _gathered_lists(self, keep: bool = False) -> Iterator[TermList]:
        """The gathered lists (and the kept sequences') in (field, term) order, emptying
        them; with `keep`, the sorted sequences of the fields to keep go into kept_lists."""
        gathered, self._gathered, self._gathered_bytes = self._gathered, {}, 0
        sequences, self._sequences = self._sequences, {}
        for fieldname in sorted(gathered.keys() | sequences.keys()):
            if fieldname in sequences:
                names, found = sequences.pop(fieldname).sorted_lists()
                if keep and fieldname in self._keep:
                    self.kept_lists[fieldname] = (names, found)
                for btext, docnums, weights, values in _term_lists(names, found, self.schema[fieldname].format):
                    yield fieldname, btext, docnums, weights, values
                continue
            terms = gathered.pop(fieldname)
            for btext in sorted(terms):
                docnums, weights, values = terms.pop(btext)
                yield fieldname, btext, docnums, weights, values

    def _spill(self) -> None:
        """Write the gathered lists out as a run, in order, and forget them."""
        name = f"{random_name()}.lists"
        lists = self._gathered_lists()
        with self.pool.tempstore.create_file(name) as run:
            self._runs.append(name)
            while chunk := list(islice(lists, RUN_CHUNK_TERMS)):
                dump(chunk, run, HIGHEST_PROTOCOL)

    def _read_run(self, name: str) -> Iterator[TermList]:
        with self.pool.tempstore.open_file(name) as run:
            while True:
                try:
                    chunk = load(run)
                except EOFError:
                    return
                yield from chunk

    def _merged_lists(self) -> Iterator[TermList]:
        """Each term's list, joined from the runs and what is still gathered, in (field, term) order."""
        sources = [self._read_run(name) for name in self._runs] + [self._gathered_lists()]
        # Ties keep their sources' order (heapq.merge's guarantee), which is document order.
        for (fieldname, btext), pieces in groupby(heapq.merge(*sources, key=_FIELD_AND_TERM), _FIELD_AND_TERM):
            first = next(pieces)
            docnums, weights, values = first[2], first[3], first[4]
            for piece in pieces:
                docnums += piece[2]
                weights += piece[3]
                values += piece[4]
            yield fieldname, btext, docnums, weights, values

    def _runs_to_pool(self) -> None:
        """Move the runs' postings into Whoosh's pool (when postings came another way too)."""
        for name in self._runs:
            self._lists_to_pool(self._read_run(name))
            self.pool.save()
        self._remove_runs()

    def _remove_runs(self) -> None:
        for name in self._runs:
            if self.pool.tempstore.file_exists(name):
                self.pool.tempstore.delete_file(name)
        self._runs = []

    def discard_postings(self) -> None:
        """Remove what the writer put on disk (its runs and Whoosh's pool's), for a writer
        that is given up without cancel()."""
        self._remove_runs()
        self.pool.cleanup()

    def _close_segment(self):
        try:
            super()._close_segment()
        finally:
            self._remove_runs()

    def _flush_segment(self):
        if not self._writes_lists:
            return super()._flush_segment()  # another codec: its own writer knows its blocks
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            if self._uses_pool():
                self._to_pool()
                self._runs_to_pool()
                write_postings(self.fieldwriter, self.schema, lengths, self.pool.iter_postings())
            else:
                if self._runs:
                    self._write_lists(lengths, self._merged_lists())
                else:
                    # (spilled runs, Whoosh's pool: the branches above)
                    keep = not self._gathered.keys() & self._keep
                    self.kept_lists = {} if keep else None
                    self._write_lists(lengths, self._gathered_lists(keep=keep))
            self.fieldwriter.close()
        finally:
            if lengths:
                lengths.close()

    def _write_lists(self, lengths, lists: Iterator[TermList]) -> None:
        """Write term lists that come in (field, term) order."""
        fieldwriter = self.fieldwriter
        for fieldname, field_lists in groupby(lists, _FIELD):
            fieldwriter.start_field(fieldname, self.schema[fieldname])
            out = _FieldOut(fieldwriter)
            length_of = _field_lengths(lengths, fieldname)
            for _, btext, docnums, weights, values in field_lists:
                _write_list(out, btext, docnums, weights, values, length_of)
            fieldwriter.finish_field()


class _Sequences:
    """One field's TermSequence values, document after document, their terms as numbers."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}  # term → its number, in order of first use
        self.terms = array("i")
        self.docnums = array("i")
        self.lengths = array("i")  # how many terms each document has

    def add(self, docnum: int, terms: list[str]) -> None:
        numbers = self.numbers
        found = list(map(numbers.get, terms))
        if None in found:
            found = [numbers.setdefault(term, len(numbers)) if number is None else number
                     for number, term in zip(found, terms)]
        self.terms.extend(found)
        self.docnums.append(docnum)
        self.lengths.append(len(terms))

    def sorted_lists(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """(the terms in order, posting_lists of the documents)."""
        names = sorted(self.numbers)  # code point order, which is that of the UTF-8 bytes
        rank = np.empty(len(names), np.int32)
        rank[np.fromiter(map(self.numbers.__getitem__, names), np.int64, len(names))] = np.arange(len(names))
        terms, self.terms = self.terms, array("i")
        return names, posting_lists(rank[np.frombuffer(terms, np.int32)], np.frombuffer(self.docnums, np.int32),
                                    np.frombuffer(self.lengths, np.int32), len(names))


def _term_lists(names: list[str], found: dict[str, np.ndarray], positions: Positions
                ) -> Iterator[tuple[bytes, list[int], list[float], list[bytes]]]:
    """Each term's (term, documents, weights, encoded values) from sorted_lists, as the
    field's Positions format gives postings: a document's count of the term times the
    field's boost, and its positions encoded. Made LIST_CHUNK_POSTINGS postings at a time."""
    first = found["first"]
    boost = 1.0 * positions.field_boost
    term = 0
    while term < len(names):
        # the terms whose postings end within the chunk (at least one term)
        last = max(term + 1, int(np.searchsorted(first, first[term] + LIST_CHUNK_POSTINGS, "right")) - 1)
        start, stop = int(first[term]), int(first[last])
        docs = found["docs"][start:stop].tolist()
        counts = found["counts"][start:stop]
        weights = (counts * boost).tolist()
        at = found["at"][start:stop + 1]
        values = _encoded_positions(positions, counts, at - at[0], found["positions"][at[0]:at[-1]])
        bounds = (first[term:last + 1] - start).tolist()
        for number in range(term, last):
            lo, hi = bounds[number - term], bounds[number - term + 1]
            yield names[number].encode("utf-8"), docs[lo:hi], weights[lo:hi], values[lo:hi]
        term = last


def _encoded_positions(positions: Positions, counts: np.ndarray, at: np.ndarray, found: np.ndarray) -> list[bytes]:
    """Each posting's positions as the format encodes them (found[at[k]:at[k + 1]] are
    posting k's): most postings have one, whose encodings are made once each."""
    firsts = found[at[:-1]]
    distinct = np.unique(firsts).tolist()
    once = dict(zip(distinct, [positions.encode([position]) for position in distinct]))
    values = list(map(once.__getitem__, firsts.tolist()))
    several = np.flatnonzero(counts > 1).tolist()
    if several:
        found, at = found.tolist(), at.tolist()
        encode = positions.encode
        for k in several:
            values[k] = encode(found[at[k]:at[k + 1]])
    return values


class _StoredFieldsWriter(PickleColumn.Writer):
    """PickleColumn's writer (whoosh3's stored fields) pickling at PICKLE_PROTOCOL."""

    def add(self, docnum, v):
        self._child.add(docnum, b"" if v is None else dumps(v, PICKLE_PROTOCOL))


def write_postings(fieldwriter: W3FieldWriter, schema, lengths, items) -> None:
    """What FieldWriter.add_postings writes of sorted (field, term, docnum, weight, value)
    postings, written a term at a time."""
    for fieldname, field_items in groupby(items, _FIELD):
        fieldwriter.start_field(fieldname, schema[fieldname])
        out = _FieldOut(fieldwriter)
        length_of = _field_lengths(lengths, fieldname)
        for btext, postings in groupby(field_items, _TERM):
            postings = [p for p in postings if p[2] != _SPELLING]
            if postings:
                _write_list(out, btext, [p[2] for p in postings], [p[3] for p in postings],
                            [p[4] for p in postings], length_of)
        fieldwriter.finish_field()


def _field_lengths(lengths, fieldname: str) -> list[int]:
    """Each document's length in the field (0 without one), by document number."""
    if lengths is None:
        return []
    length = lengths.doc_field_length_reader(fieldname)
    return [length(docnum) for docnum in range(lengths.doc_count_all())]


class _FieldOut:
    """Where one field's lists go (the segment's postings file, its terms table), with the
    files' positions counted here: a file's tell() is a system call (the lseek of Python's
    buffered file), two or three for every term (counting them took 2-3% off a one-process
    ingest). Between start_field and finish_field nothing else writes to either file."""

    def __init__(self, fieldwriter: W3FieldWriter) -> None:
        self.fieldwriter = fieldwriter
        self._postfile = fieldwriter._postfile
        self._post_at = self._postfile.tell()
        self._tindex = fieldwriter._tindex
        # HashWriter.add inlined, for the table whoosh3 writes: another kind adds its own way.
        self._terms_at = self._tindex.dbfile.tell() if type(self._tindex) is OrderedHashWriter else None
        self._key_prefix = pack_ushort(fieldwriter._fieldid)

    def add_term(self, btext: bytes, written: bytes, weight: float, df: int, minlength: int | None,
                 maxlength: int, maxweight: float, minid: int, maxid: int) -> None:
        """Write a term's blocks to the postings file and its entry to the terms table
        (as W3FieldWriter.finish_term, W3TermInfo.to_bytes and OrderedHashWriter.add would),
        given its statistics as W3TermInfo holds them."""
        self._postfile.write(written)
        value = _TERM_INFO.pack(0, weight, df, 0 if minlength is None else length_to_byte(minlength),
                                length_to_byte(maxlength), maxweight, minid, maxid, self._post_at, len(written))
        self._post_at += len(written)
        key = self._key_prefix + btext
        tindex = self._tindex
        if self._terms_at is None:
            tindex.add(key, value)
            return
        if key <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{key!r}")
        at = self._terms_at
        tindex.index.append(at)
        entry = b"".join((_lengths.pack(len(key), len(value)), key, value))
        tindex.dbfile.write(entry)
        self._terms_at = at + len(entry)
        h = _md5_hash(key) if tindex.hashfn is md5_hash else tindex.hashfn(key)
        tindex.buckets[h & 255].append((h, at))
        tindex.lastkey = key


def _write_list(out: _FieldOut, btext: bytes, docnums: list[int], weights: list[float],
                values: list[bytes], length_of: list[int]) -> None:
    """Write one term's posting list and its entry in the terms file, as W3PostingsWriter's
    start_postings, add_posting for each posting, finish_postings and W3FieldWriter's
    finish_term would, in blocks of the codec's size.

    `values` are the postings' encoded values, of which whoosh3 keeps the non-empty ones.
    """
    fieldwriter = out.fieldwriter
    writer = fieldwriter._postwriter
    size = writer._blocklimit
    compression = writer._compression
    fixed_size = fieldwriter._format.fixed_value_size()
    if len(docnums) == 1:  # most terms of a segment (rare words, ids): one block of one posting
        return _write_one(out, btext, docnums[0], weights[0], values[0], length_of, compression, fixed_size)
    # W3TermInfo's statistics, as its add_block adds each block's
    total_weight, df, least, greatest, heaviest = 0, 0, None, 0, 0
    chunks = [WHOOSH3_HEADER_MAGIC]
    count = len(docnums)
    for first in range(0, count, size):
        last = first + size >= count
        ids = docnums[first:first + size]
        block_weights = array("f", weights[first:first + size])
        distinct = set(block_weights)
        if distinct == {1.0}:
            mini_weights = None
        elif len(distinct) == 1:
            mini_weights = block_weights[0]
        else:
            mini_weights = tuple(block_weights)
        if fixed_size == 0:
            mini_values = None
        else:
            kept = [value for value in values[first:first + size] if value]
            mini_values = tuple(kept) if fixed_size is None or fixed_size < 0 else b"".join(kept)
        highest = max(weights[first:first + size])
        max_weight = highest if highest > 0 else 0
        found = [length for length in map(length_of.__getitem__, ids) if length] if length_of else ()
        min_length = min(found) if found else None
        max_length = max(found) if found else 0
        data = dumps((tuple(map(sub, ids, [0] + ids[:-1])), mini_weights, mini_values), PICKLE_PROTOCOL)
        level, data = _compressed(data, compression)
        header = dumps((len(ids), ids[-1], max_weight, level, length_to_byte(min_length),
                        length_to_byte(max_length)), 2)
        chunks += (pack_int(-(len(header) + len(data)) if last else len(header) + len(data)), header, data)
        total_weight += sum(block_weights)
        df += len(ids)
        least = min_length if least is None else min(least, min_length)
        greatest = max(greatest, max_length)
        heaviest = max(heaviest, max_weight)
    out.add_term(btext, b"".join(chunks), total_weight, df, least, greatest, heaviest, docnums[0], docnums[-1])


def _write_one(out: _FieldOut, btext: bytes, docnum: int, weight: float, value: bytes,
               length_of: list[int], compression: int, fixed_size: int | None) -> None:
    """_write_list of a term with one posting, without its loop over blocks: the same bytes."""
    stored_weight = array("f", (weight,))[0]
    if fixed_size == 0:
        mini_values = None
    else:
        kept = (value,) if value else ()
        mini_values = kept if fixed_size is None or fixed_size < 0 else b"".join(kept)
    max_weight = weight if weight > 0 else 0
    length = length_of[docnum] if length_of else 0
    data = dumps(((docnum,), None if stored_weight == 1.0 else stored_weight, mini_values), PICKLE_PROTOCOL)
    level, data = _compressed(data, compression)
    header = dumps((1, docnum, max_weight, level, length_to_byte(length or None), length_to_byte(length)), 2)
    out.add_term(btext, b"".join((WHOOSH3_HEADER_MAGIC, pack_int(-(len(header) + len(data))), header, data)),
                 stored_weight, 1, length or None, length, max_weight, docnum, docnum)


# W3TermInfo.to_bytes of a term whose postings are not inlined (as none are here): flags,
# total weight, document frequency, least and greatest length as bytes, greatest weight,
# first and last document (W3TermInfo._struct), then where the term's blocks are in the
# postings file and their length (pack_long, pack_int).
_TERM_INFO = struct.Struct("!BfIBBfIIqi")


def _md5_hash(key: bytes) -> int:
    """filetables.md5_hash (the terms table's hash), without its hexadecimal string."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")


def _compressed(data: bytes, compression: int) -> tuple[int, bytes]:
    """(the zlib level used, the data) as whoosh3 stores a block's pickled postings."""
    level = compression if len(data) >= COMPRESSION_MIN_SIZE else 0
    return level, zlib.compress(data, level) if level else data
