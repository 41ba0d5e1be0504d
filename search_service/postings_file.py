"""Posting lists as arrays: read from Whoosh's codec, and kept in a file per generation.

whoosh3 keeps a posting list in blocks of 128 postings, each a pickled tuple of document
numbers, frequencies and encoded positions; reading a long list unpickles every block,
positions and all. At 100k documents that was most of a cold query's time, and every
worker process paid it again for the same words (benchmarks/README.md, "Where the time
goes"). So ingest writes, into each generation, the document numbers and frequencies of
every posting list of at least MIN_POSTINGS postings of the ranked fields (write_arrays),
and the accumulator reads such a list with one seek (PostingsFile.read): the page cache
then shares it between workers, and a worker that starts afresh finds it there.

A parallel build does not read its lists back: each part's writer keeps the lists it sorted
(save_part_lists) and join_parts writes the same files from them. Nor does an incremental build,
but for its new segments: update_arrays takes the lists of the segments it kept from the
files of the generation it was copied from.

For the ranking field it also writes those lists' positions (POSITIONS_FILE): the
accumulator looks for the adjacency bonus and for exact phrases in the positions of a few
dozen candidate documents per query, and reading each from Whoosh meant unpickling a whole
block of 128 postings for one of them (a third of a distinct query's time at 10k).

The file holds what reading the index gives: the same document numbers (deleted ones
included) and the same float32 frequencies. It names the segments it was read from; a
generation whose segments differ (documents added without this module) reads from Whoosh.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
from bisect import bisect_left
from collections import Counter, defaultdict
from concurrent.futures import Executor, wait
from itertools import accumulate, chain
from pickle import loads
from pathlib import Path
from typing import IO

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE

ARRAYS_FILE = "postings-arrays.bin"
POSITIONS_FILE = "postings-positions.bin"
TABLE_FILE = "postings-arrays.json"
# Shorter lists are a block or less (or inlined in the term's entry), yet finding one in the
# index still cost a distinct query ~0.5 ms a word (10k documents: 2,298 lists read from
# Whoosh for 600 queries, 3.5 ms a query, with 256 here).
MIN_POSTINGS = 16


class Unreadable(Exception):
    """The index or the searcher holds something that cannot be read as arrays."""


# ---------------------------------------------------------------------- Whoosh's postings


def read_postings(matcher, values: bool = False) -> tuple[list, list] | tuple[list, list, list]:
    """(document numbers, frequencies) of one segment's posting list, deleted ones included
    (the live mask takes them out), read block by block rather than posting by posting;
    with `values`, also each posting's encoded value (its positions)."""
    if isinstance(matcher, FilterMatcher):  # the segment's deletions
        # Made, the filter has already moved its child past the deleted postings that open
        # the list (whole blocks of them): back to the first.
        matcher = matcher.child
        matcher.reset()
    ids: list = []
    weights: list = []
    encoded: list = []
    try:
        if isinstance(matcher, W3LeafMatcher):
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                ids.extend(matcher._ids)
                weights.extend(matcher._weights)
                if values:
                    matcher._read_values()
                    encoded.extend(matcher._values)
                matcher._next_block()
        elif isinstance(matcher, ListMatcher):  # postings inlined in the term's entry
            ids.extend(matcher._ids)
            if matcher._all_weights:
                weights.extend([matcher._all_weights] * len(ids))
            else:
                weights.extend(matcher._weights or [1.0] * len(ids))
            if values:
                encoded.extend(matcher._values)
        else:
            raise Unreadable(f"postings read by {type(matcher).__name__}")
    except (AttributeError, TypeError) as exc:  # a codec of another layout
        raise Unreadable(f"postings of another layout ({exc})") from exc
    if len(weights) != len(ids) or (values and len(encoded) != len(ids)):
        raise Unreadable("postings with more or fewer frequencies or values than documents")
    return (ids, weights, encoded) if values else (ids, weights)


def term_arrays(searcher, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers int32, frequencies float32) of a term over every segment of a
    searcher, each segment's numbers at its offset."""
    docs, weights, _ = _term_postings(searcher, field, text, values=False)
    return docs, weights


def term_arrays_with_positions(searcher, field: str, text: bytes) -> tuple[np.ndarray, ...]:
    """term_arrays, and the postings' positions: (document numbers, frequencies, where each
    posting's positions start in the last array (int64, one more than the postings), every
    position (uint32)); the index's blocks are read once for all four."""
    docs, weights, values = _term_postings(searcher, field, text, values=True)
    starts, positions = _decoded_positions(searcher.schema[field].format, values)
    return docs, weights, starts, positions


def _term_postings(searcher, field: str, text: bytes, values: bool,
                   leaves: list | None = None) -> tuple[np.ndarray, np.ndarray, list]:
    """(document numbers, frequencies, and with `values` the encoded values) of a term over
    every segment (or over `leaves`, some of the searcher's (segment, offset)), each segment's
    numbers at its offset."""
    docs, weights, encoded = [np.zeros(0, np.int32)], [np.zeros(0, np.float32)], []
    for leaf, offset in searcher.leaf_searchers() if leaves is None else leaves:
        reader = leaf.reader()
        if (field, text) in reader:
            found = read_postings(reader.postings(field, text), values=values)
            docs.append(np.asarray(found[0], dtype=np.int32) + offset)
            weights.append(np.asarray(found[1], dtype=np.float32))
            if values:
                encoded.extend(found[2])
    return np.concatenate(docs), np.concatenate(weights), encoded


def _decoded_positions(form, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(starts, positions) of postings' encoded values. Whoosh's Positions format is a
    pickled list of gaps between positions: unpickled in C and summed by numpy here, as
    Whoosh's decoder adding them one by one in Python made this most of the file's cost."""
    if type(form) is Positions:
        gaps = [loads(v[_INT_SIZE:] if v.endswith(b".") else v[_INT_SIZE:] + b".") for v in values]
    else:
        gaps = [np.diff(form.decode_positions(v), prepend=0) for v in values]
    counts = np.fromiter(map(len, gaps), np.int64, len(gaps))
    starts = np.zeros(len(gaps) + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    if starts[-1] >= 2 ** 32:
        raise Unreadable("more positions of one term than the positions file counts")
    summed = np.cumsum(np.fromiter(chain.from_iterable(gaps), np.int64, int(starts[-1])))
    # Each posting's gaps count from 0: take off what the postings before it added up to.
    before = np.zeros(len(gaps), np.int64)
    later = starts[:-1] > 0
    before[later] = summed[starts[:-1][later] - 1]
    return starts, (summed - np.repeat(before, counts)).astype(np.uint32)


def segments_of(searcher) -> list:
    """What the file must match: the segments' ids and sizes, in the searcher's order."""
    segments = [(leaf.reader().segment(), leaf.doc_count_all()) for leaf, _ in searcher.leaf_searchers()]
    # (an index of no documents has a leaf with no segment)
    return [[segment.segment_id(), count] for segment, count in segments if segment is not None]


# ---------------------------------------------------------------------- the file


def write_arrays(folder: Path, searcher, fields: tuple[str, ...], min_postings: int | None = None,
                 positions: tuple[str, ...] = (), pool: Executor | None = None, parts: int = 1) -> int:
    """Write the posting lists of `fields` of at least min_postings (MIN_POSTINGS) postings
    into folder, with their positions for the fields in `positions`; returns how many lists
    were written.

    With a pool, its processes read `parts` slices of the lists at once, each from the index
    in folder, and the slices are joined in order: the same files, in less time.
    """
    min_postings = MIN_POSTINGS if min_postings is None else min_postings
    fields = tuple(field for field in fields if field in searcher.schema)
    lists = [(field, text, count) for field in fields for text, count in _long_terms(searcher, field, min_postings)]
    table: dict[str, dict[str, list[int]]] = {field: {} for field in fields}
    positions_table: dict[str, dict[str, list[int]]] = {field: {} for field in fields if field in positions}
    with WrittenFile(folder / ARRAYS_FILE) as out, WrittenFile(folder / POSITIONS_FILE) as out_positions:
        if pool is None or parts < 2:
            _write_lists(searcher, lists, positions, out, out_positions, table, positions_table)
        else:
            _join_slices(folder, lists, positions, pool, parts, out, out_positions, table, positions_table)
    _write_table(folder, searcher, table, positions_table, min_postings)
    return len(lists)


def _write_table(folder: Path, searcher, table: dict, positions_table: dict, min_postings: int) -> None:
    description = {"segments": segments_of(searcher), "min_postings": min_postings, "fields": table,
                   "positions": positions_table}
    (folder / (TABLE_FILE + ".tmp")).write_text(json.dumps(description, separators=(",", ":")))
    os.replace(folder / (TABLE_FILE + ".tmp"), folder / TABLE_FILE)


def _long_terms(searcher, field: str, min_postings: int) -> list[tuple[bytes, int]]:
    """The field's terms with at least min_postings postings in all, in order, with their counts.

    Counted segment by segment: Whoosh's reader of several segments merges their term lists
    and their terms' statistics, which was most of this file's time at two segments.
    """
    counts: Counter[bytes] = Counter()
    for leaf, _ in searcher.leaf_searchers():
        for text, info in leaf.reader().iter_field(field):
            counts[text] += info.doc_frequency()
    return sorted((text, count) for text, count in counts.items() if count >= min_postings)


def _write_lists(searcher, lists: list[tuple[str, bytes, int]], positions: tuple[str, ...],
                 out: IO[bytes], out_positions: IO[bytes], table: dict, positions_table: dict) -> None:
    """Write each (field, term) list's arrays, and its positions for fields in `positions`,
    entering where each starts in the tables."""
    for field, text, _ in lists:
        if field in positions:
            docs, weights, starts, found = term_arrays_with_positions(searcher, field, text)
        else:
            docs, weights = term_arrays(searcher, field, text)
            starts = found = None
        _write_list(text.decode("utf-8"), docs, weights, starts, found, out, out_positions, table[field],
                    positions_table[field] if field in positions else None)


def _write_list(text: str, docs: np.ndarray, weights: np.ndarray, starts: np.ndarray | None,
                found: np.ndarray | None, out: IO[bytes], out_positions: IO[bytes], table: dict,
                positions_table: dict | None) -> None:
    """Write one list's arrays, and its positions when its field's table of them is given."""
    table[text] = [out.tell(), len(docs)]
    out.write(docs.tobytes())
    out.write(weights.tobytes())
    if positions_table is not None:
        # Two bytes a position where every one fits (documents of < 65,536 words).
        found = found.astype(np.uint16) if not len(found) or found.max() < 2 ** 16 else found.astype(np.uint32)
        positions_table[text] = [out_positions.tell(), len(starts), len(found), found.itemsize]
        out_positions.write(starts.astype(np.uint32).tobytes())
        out_positions.write(found.tobytes())


def _join_slices(folder: Path, lists: list, positions: tuple[str, ...], pool: Executor, parts: int,
                 out: IO[bytes], out_positions: IO[bytes], table: dict, positions_table: dict) -> None:
    """_write_lists by the pool's processes, `parts` slices of about as many postings each,
    their files copied after one another and their tables' offsets moved to match."""
    cumulative = list(accumulate(count for _, _, count in lists))
    total = cumulative[-1] if cumulative else 0
    bounds = [0, *(bisect_left(cumulative, total * share / parts) for share in range(1, parts)), len(lists)]
    slices = [lists[lo:hi] for lo, hi in zip(bounds, bounds[1:])]
    futures = [pool.submit(_write_slice, str(folder), part, positions, k) for k, part in enumerate(slices)]
    wait(futures)  # every slice ends before its files are read or removed
    slice_files = [(folder / f"{ARRAYS_FILE}.{k}", folder / f"{POSITIONS_FILE}.{k}") for k in range(len(slices))]
    try:
        for (arrays, positions_file), future in zip(slice_files, futures):
            part_table, part_positions = future.result()
            _append(part_table, table, out.tell())
            _append(part_positions, positions_table, out_positions.tell())
            _copy(arrays, out)
            _copy(positions_file, out_positions)
    finally:
        for pair in slice_files:
            for path in pair:
                path.unlink(missing_ok=True)


def _append(part: dict, table: dict, base: int) -> None:
    """Enter a slice's table into the file's, its offsets moved by base (where the slice starts)."""
    for field, entries in part.items():
        for text, entry in entries.items():
            table[field][text] = [base + entry[0], *entry[1:]]


def _copy(path: Path, out: IO[bytes]) -> None:
    with open(path, "rb") as source:
        shutil.copyfileobj(source, out, 1 << 20)


def _write_slice(folder: str, lists: list, positions: tuple[str, ...], slot: int) -> tuple[dict, dict]:
    """_write_lists of a slice of lists into files of their own, in a pool's process; its tables."""
    table: dict = defaultdict(dict)
    positions_table: dict = defaultdict(dict)
    # Unmapped, as indexer.writing_storage says why (postings_file cannot import indexer).
    with FileStorage(folder, supports_mmap=False).open_index().searcher() as searcher, \
            open(Path(folder) / f"{ARRAYS_FILE}.{slot}", "wb") as out, \
            open(Path(folder) / f"{POSITIONS_FILE}.{slot}", "wb") as out_positions:
        _write_lists(searcher, lists, positions, out, out_positions, table, positions_table)
    return dict(table), dict(positions_table)


# ---------------------------------------------------------------------- from an earlier generation's files


def update_arrays(folder: Path, searcher, fields: tuple[str, ...], min_postings: int | None = None,
                  positions: tuple[str, ...] = ()) -> int:
    """write_arrays for a generation that was copied from another and then changed (an
    incremental ingest), whose folder still holds the files as that generation had them:
    the lists of the segments it kept come from those files, and only the postings of its
    new segments (and of terms their documents make long) are read from the index. The same
    files as write_arrays writes, in time that grows with the change, not with the index:
    one page added to 100k documents read back every long list, 24 of its 30 seconds.

    Raises Unreadable when the files are missing, of another layout, or name none of the
    segments (the caller then writes them with write_arrays)."""
    min_postings = MIN_POSTINGS if min_postings is None else min_postings
    fields = tuple(field for field in fields if field in searcher.schema)
    update = _Update(_Earlier.open(folder, fields, positions, min_postings), searcher, min_postings)
    if update.in_place and not update.added:  # documents deleted, none added: the files hold
        with update.old:
            return sum(len(terms) for terms in update.old.table.values())
    table: dict[str, dict[str, list[int]]] = {field: {} for field in fields}
    positions_table: dict[str, dict[str, list[int]]] = {field: {} for field in fields if field in positions}
    written = 0
    with update.old, WrittenFile(folder / ARRAYS_FILE) as out, WrittenFile(folder / POSITIONS_FILE) as out_positions:
        for field in fields:
            written += update.write_field(field, out, out_positions, table[field], positions_table.get(field))
    _write_table(folder, searcher, table, positions_table, min_postings)
    return written


class _Update:
    """update_arrays's work: which segments a generation kept from the earlier files and
    which are new, and each field's lists from both."""

    def __init__(self, old: _Earlier, searcher, min_postings: int) -> None:
        self.old = old
        self.searcher = searcher
        self.min_postings = min_postings
        # (segment reader, its offset now, its offset in the earlier files, its size); (leaf, offset)
        self.kept: list[tuple] = []
        self.added: list[tuple] = []
        for leaf, offset in searcher.leaf_searchers():
            key = (leaf.reader().segment().segment_id(), leaf.doc_count_all())
            if key in old.offsets:
                self.kept.append((leaf.reader(), offset, *old.offsets[key]))
            else:
                self.added.append((leaf, offset))
        if not self.kept:
            raise Unreadable("the earlier files name none of the segments")
        # Every segment kept where it was: a list the new segments lack is as it was (and with
        # none added, the earlier files are the files).
        self.in_place = len(self.kept) == len(old.offsets) and all(
            offset == old_offset for _, offset, old_offset, _ in self.kept)

    def write_field(self, field: str, out: IO[bytes], out_positions: IO[bytes], table: dict,
                    positions_table: dict | None) -> int:
        """Write the field's long lists (with positions when positions_table is given); how many."""
        with_positions = positions_table is not None
        new_terms: Counter[bytes] = Counter()  # the new segments' terms, with their postings
        for leaf, _ in self.added:
            for text, info in leaf.reader().iter_field(field):
                new_terms[text] += info.doc_frequency()
        listed = self.old.table.get(field, {})
        written = 0
        for text in sorted(set(listed) | {t.decode("utf-8") for t in new_terms}):
            btext = text.encode("utf-8")
            if text in listed and self.in_place and btext not in new_terms:  # as it was
                self.old.copy(field, btext, out, out_positions, table, positions_table)
                written += 1
                continue
            if text in listed:
                found = self._kept_and_added(field, text, btext, with_positions)
            else:  # short in the kept segments: long now, or still short
                count = new_terms[btext] + sum(reader.doc_frequency(field, btext) for reader, *_ in self.kept)
                if count < self.min_postings:
                    continue
                found = _read_term(self.searcher, None, field, btext, with_positions)
            if len(found[0]) < self.min_postings:  # its postings were in segments merged away
                continue
            _write_list(text, *found, out, out_positions, table, positions_table)
            written += 1
        return written

    def _kept_and_added(self, field: str, text: str, btext: bytes, with_positions: bool) -> tuple:
        """_read_term of a term the earlier files list: its postings in the kept segments from
        those files (moved to where each segment's documents are numbered now), and in the new
        segments from the index."""
        docs, weights, starts, found = self.old.read(field, btext, with_positions)
        pieces = []
        for _, offset, old_offset, size in self.kept:
            lo, hi = np.searchsorted(docs, [old_offset, old_offset + size])
            if hi > lo:
                pieces.append((docs[lo:hi] - old_offset + offset, weights[lo:hi],
                               found[starts[lo]:starts[hi]] if with_positions else None,
                               np.diff(starts[lo:hi + 1]) if with_positions else None))
        for leaf in self.added:
            new = _read_term(self.searcher, [leaf], field, btext, with_positions)
            if len(new[0]):
                pieces.append((new[0], new[1], new[3], np.diff(new[2]) if with_positions else None))
        return _joined_pieces(pieces, with_positions)


def _joined_pieces(pieces: list[tuple], with_positions: bool) -> tuple:
    """(document numbers, frequencies, position starts, positions) of a term's pieces, each
    (documents, frequencies, positions, each posting's count of positions) of one segment."""
    if not pieces:
        return np.zeros(0, np.int32), np.zeros(0, np.float32), None, None
    # In the order of their documents' numbers now, the pieces are in the searcher's order of segments.
    pieces.sort(key=lambda piece: piece[0][0])
    docs = np.concatenate([piece[0] for piece in pieces]).astype(np.int32)
    weights = np.concatenate([piece[1] for piece in pieces]).astype(np.float32)
    if not with_positions:
        return docs, weights, None, None
    counts = np.concatenate([piece[3] for piece in pieces]).astype(np.int64)
    starts = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    if starts[-1] >= 2 ** 32:  # as _decoded_positions
        raise Unreadable("more positions of one term than the positions file counts")
    return docs, weights, starts, np.concatenate([piece[2].astype(np.uint32) for piece in pieces])


def _read_term(searcher, leaves: list | None, field: str, text: bytes, with_positions: bool) -> tuple:
    """(document numbers, frequencies, position starts, positions) of a term read from the
    index (of `leaves` only, if given); the last two None without positions."""
    docs, weights, values = _term_postings(searcher, field, text, with_positions, leaves)
    if not with_positions:
        return docs, weights, None, None
    starts, found = _decoded_positions(searcher.schema[field].format, values)
    return docs, weights, starts, found


class _Earlier:
    """The files of long posting lists as an earlier generation wrote them (update_arrays
    reads them from the folder copied from it), read as queries read them (PostingsFile)."""

    def __init__(self, folder: Path, description: dict) -> None:
        self.table = description["fields"]
        self.offsets: dict[tuple[str, int], tuple[int, int]] = {}  # segment → (first document, size)
        first = 0
        for segment_id, size in description["segments"]:
            self.offsets[segment_id, size] = (first, size)
            first += size
        self._file = PostingsFile(folder, self.table, description.get("positions") or {})

    @classmethod
    def open(cls, folder: Path, fields: tuple[str, ...], positions: tuple[str, ...], min_postings: int) -> _Earlier:
        """The folder's files; Unreadable when they are missing, of another layout, or hold
        lists of other fields or of another least length."""
        try:
            description = json.loads((folder / TABLE_FILE).read_text())
            if description.get("min_postings") != min_postings:
                raise Unreadable("files written with another length of a long list")
            table, positions_table = description["fields"], description.get("positions") or {}
            if any(field not in table for field in fields):
                raise Unreadable("files written for other fields")
            for field in positions:
                if set(table.get(field, {})) != set(positions_table.get(field, {})):
                    raise Unreadable(f"files without the positions of {field}")
            if any(len(entry) != 4 for terms in positions_table.values() for entry in terms.values()):
                raise Unreadable("positions of another layout")
            return cls(folder, description)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise Unreadable(f"no earlier files to update ({exc})") from exc

    def read(self, field: str, text: bytes, with_positions: bool) -> tuple:
        """(document numbers, frequencies, position starts, positions) of a listed term
        (Unreadable when the files are shorter than their table says)."""
        docs, weights = self._file.read(field, text)
        if not with_positions:
            return docs, weights, None, None
        return docs, weights, self._file.position_starts(field, text), self._file.all_positions(field, text)

    def copy(self, field: str, text: bytes, out: IO[bytes], out_positions: IO[bytes], table: dict,
             positions_table: dict | None) -> None:
        """Write a listed term's list as it is (the bytes _write_list would write of it again)."""
        name = text.decode("utf-8")
        arrays, positions = self._file.list_bytes(field, text)
        table[name] = [out.tell(), self.table[field][name][1]]
        out.write(arrays)
        if positions_table is not None:
            positions_table[name] = [out_positions.tell(), *self._file.positions_table[field][name][1:]]
            out_positions.write(positions)

    def __enter__(self) -> _Earlier:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()


# ---------------------------------------------------------------------- from the documents' terms


PART_PREFIX = ".postings-part-"


def part_file(folder: Path, slot: int) -> Path:
    """Where the part of a parallel build in `slot` leaves its posting lists for join_parts."""
    return folder / f"{PART_PREFIX}{slot}.pickle"


def remove_part_files(folder: Path) -> None:
    """Delete the parts' lists from a generation's folder (used or not)."""
    for path in folder.glob(PART_PREFIX + "*"):
        path.unlink(missing_ok=True)


def save_part_lists(path: Path, documents: int, kept: dict[str, tuple[list[str], dict[str, np.ndarray]]],
                    fields: tuple[str, ...], positions: tuple[str, ...] = ()) -> None:
    """Write a part's posting lists for join_parts: by field, (its terms in order,
    posting_lists of its documents), as the segment writer kept them (kept_lists); a field
    no document had has none. Positions are kept for the `positions` fields only.

    Reading the lists back from Whoosh's blocks (write_arrays) unpickles every block and
    every posting's positions again: a tenth of a parallel build's time. A part's writer
    already sorted its documents' terms into lists; join_parts puts the parts' long lists
    together. A posting's frequency is its count of positions, the weight Whoosh gives it in
    a field of boost 1 (the schema's; the tests compare the files with those read back).
    """
    lists = {}
    for field in fields:
        none = np.zeros(0, np.int32)
        names, found = kept.get(field, ([], posting_lists(none, none, none, 0)))
        found = {key: found[key] for key in ("first", "docs", "counts")} | (
            {"at": found["at"], "positions": _position_array(found["positions"])} if field in positions else {})
        lists[field] = {"names": names, **found}
    with open(path, "wb") as handle:
        pickle.dump({"documents": documents, "lists": lists}, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _position_array(positions: np.ndarray) -> np.ndarray:
    """Positions as the file keeps them: two bytes each when they all fit."""
    small = not len(positions) or positions.max() < 2 ** 16
    return positions.astype(np.uint16 if small else np.uint32)


def posting_lists(terms: np.ndarray, docnums: np.ndarray, lengths: np.ndarray, term_count: int
                  ) -> dict[str, np.ndarray]:
    """Every posting list of documents whose terms are `terms` (numbers in term order, each
    document's in order, one document after another; document docnums[k] has lengths[k]):
    each term's first posting ("first", term_count + 1 of them), each posting's document
    ("docs") and count of positions ("counts"), every posting's positions, postings after
    postings ("positions", int32), and where each posting's start ("at", one more than there
    are postings)."""
    count = len(terms)
    order = np.argsort(terms, kind="stable")  # so by document and position within a term
    terms, docs = terms[order], np.repeat(docnums, lengths)[order]
    new = np.ones(count, bool)
    new[1:] = (terms[1:] != terms[:-1]) | (docs[1:] != docs[:-1])
    # Where each posting's positions start (int32: a part keeps fewer than 2**31 terms).
    at = np.append(np.flatnonzero(new), count).astype(np.int32)
    # A term's place in its document: its place among all the terms, less where its
    # document's terms start.
    document_starts = np.cumsum(lengths, dtype=np.int32) - lengths
    return {"first": np.searchsorted(terms[at[:-1]], np.arange(term_count + 1)),
            "docs": docs[at[:-1]], "counts": np.diff(at), "at": at,
            "positions": (np.arange(count, dtype=np.int32) - np.repeat(document_starts, lengths))[order]}


def join_parts(folder: Path, searcher, paths: list[Path], fields: tuple[str, ...], min_postings: int | None = None,
               positions: tuple[str, ...] = ()) -> int:
    """write_arrays from the lists the parts of a build saved (save_part_lists, in the order
    of the searcher's segments) rather than from the index: the same files. Returns how
    many lists were written."""
    min_postings = MIN_POSTINGS if min_postings is None else min_postings
    parts, sizes = [], []
    for path in paths:
        with open(path, "rb") as handle:
            part = pickle.load(handle)
        parts.append(part["lists"])
        sizes.append(part["documents"])
    leaves = searcher.leaf_searchers()
    if sizes != [leaf.doc_count_all() for leaf, _ in leaves]:
        raise Unreadable(f"parts' lists of {sizes} documents for segments of "
                         f"{[leaf.doc_count_all() for leaf, _ in leaves]}")
    offsets = [offset for _, offset in leaves]
    fields = tuple(field for field in fields if field in searcher.schema)
    table: dict[str, dict[str, list[int]]] = {field: {} for field in fields}
    positions_table: dict[str, dict[str, list[int]]] = {field: {} for field in fields if field in positions}
    written = 0
    with WrittenFile(folder / ARRAYS_FILE) as out, WrittenFile(folder / POSITIONS_FILE) as out_positions:
        for field in fields:
            found = [(lists[field], {name: n for n, name in enumerate(lists[field]["names"])}, offset)
                     for lists, offset in zip(parts, offsets)]
            counts: Counter[str] = Counter()
            for lists in parts:
                counts.update(dict(zip(lists[field]["names"], np.diff(lists[field]["first"]).tolist())))
            for text in sorted(text for text, n in counts.items() if n >= min_postings):
                _write_list(text, *_joined(found, text), out, out_positions, table[field],
                            positions_table[field] if field in positions else None)
                written += 1
    _write_table(folder, searcher, table, positions_table, min_postings)
    return written


def _joined(parts: list[tuple[dict, dict, int]], text: str) -> tuple:
    """(document numbers, frequencies, position starts, positions) of a term over the parts'
    lists (the last two None for a field without positions)."""
    docs, counts, found = [], [], []
    for lists, numbers, offset in parts:
        number = numbers.get(text)
        if number is None:
            continue
        lo, hi = lists["first"][number], lists["first"][number + 1]
        docs.append(lists["docs"][lo:hi] + offset)
        counts.append(lists["counts"][lo:hi])
        if "positions" in lists:
            found.append(lists["positions"][lists["at"][lo]:lists["at"][hi]])
    counts = np.concatenate(counts)
    if not found:
        return np.concatenate(docs), counts.astype(np.float32), None, None
    starts = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    return np.concatenate(docs), counts.astype(np.float32), starts, np.concatenate(found)


class WrittenFile:
    """A file written under a temporary name, synced, and renamed into place on success."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temporary = path.with_name(path.name + ".tmp")

    def __enter__(self):
        self.handle = open(self.temporary, "wb")
        return self.handle

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:
            self.handle.close()
            self.temporary.unlink(missing_ok=True)
            return
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.temporary, self.path)


class PostingsFile:
    """The long posting lists of one generation, read one at a time from its file."""

    def __init__(self, folder: Path, table: dict, positions: dict | None = None) -> None:
        self.path = folder / ARRAYS_FILE
        self.table = table
        self.positions_path = folder / POSITIONS_FILE
        self.positions_table = positions or {}
        self._fds: dict[Path, int] = {}  # each file, opened on first use

    @classmethod
    def open(cls, folder: Path | None, searcher) -> PostingsFile | None:
        """The generation's file, if it has one written from the searcher's segments."""
        if folder is None:
            return None
        try:
            description = json.loads((Path(folder) / TABLE_FILE).read_text())
            if description["segments"] != segments_of(searcher):
                return None
            positions = description.get("positions") or {}
            if any(len(entry) != 4 for terms in positions.values() for entry in terms.values()):
                positions = {}  # a layout of another version: positions are read from the index
            return cls(Path(folder), description["fields"], positions)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def read(self, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, frequencies) of a term, or None when the file lacks it."""
        entry = self.table.get(field, {}).get(text.decode("utf-8", "replace"))
        if entry is None:
            return None
        offset, count = entry
        return (self._read(self.path, offset, count, np.int32),
                self._read(self.path, offset + 4 * count, count, np.float32))

    def position_starts(self, field: str, text: bytes) -> np.ndarray | None:
        """Where each posting's positions start (and the last one ends) in the term's
        positions, or None when the file has no positions of the term."""
        entry = self.positions_table.get(field, {}).get(text.decode("utf-8", "replace"))
        if entry is None:
            return None
        return self._read(self.positions_path, entry[0], entry[1], np.uint32)

    def positions(self, field: str, text: bytes, start: int, end: int) -> np.ndarray:
        """The term's positions [start, end) (position_starts says whose)."""
        offset, count, dtype = self._positions_entry(field, text)
        return self._read(self.positions_path, offset + count * 4 + start * dtype.itemsize, end - start, dtype)

    def all_positions(self, field: str, text: bytes) -> np.ndarray:
        """Every position of the term, postings after postings (position_starts says whose)."""
        offset, count, dtype = self._positions_entry(field, text)
        total = self.positions_table[field][text.decode("utf-8", "replace")][2]
        return self._read(self.positions_path, offset + count * 4, total, dtype)

    def _positions_entry(self, field: str, text: bytes) -> tuple[int, int, np.dtype]:
        """(where the term's starts are, how many, the type of its positions)."""
        offset, count, _, itemsize = self.positions_table[field][text.decode("utf-8", "replace")]
        return offset, count, np.dtype(np.uint16 if itemsize == 2 else np.uint32)

    def list_bytes(self, field: str, text: bytes) -> tuple[bytes, bytes | None]:
        """A term's list as the file holds it (document numbers, then frequencies), and its
        positions as the positions file does (starts, then positions; None without): what a
        writer of the same layout copies as it is."""
        offset, count = self.table[field][text.decode("utf-8", "replace")]
        arrays = self._bytes(self.path, offset, 8 * count)
        entry = self.positions_table.get(field, {}).get(text.decode("utf-8", "replace"))
        if entry is None:
            return arrays, None
        offset, starts, total, itemsize = entry
        return arrays, self._bytes(self.positions_path, offset, 4 * starts + itemsize * total)

    def _read(self, path: Path, offset: int, count: int, dtype) -> np.ndarray:
        """count values of dtype at offset of one of the files (read-only)."""
        return np.frombuffer(self._bytes(path, offset, np.dtype(dtype).itemsize * count), dtype)

    def _bytes(self, path: Path, offset: int, size: int) -> bytes:
        """size bytes at offset of one of the files, with one pread on a descriptor kept open:
        a cold query reads several lists and positions."""
        try:
            if path not in self._fds:
                self._fds[path] = os.open(path, os.O_RDONLY)
            data = os.pread(self._fds[path], size, offset)
        except OSError as exc:
            raise Unreadable(f"{path}: {exc}") from exc
        if len(data) != size:
            raise Unreadable(f"{path} is shorter than its table says")
        return data

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def __del__(self) -> None:
        self.close()
