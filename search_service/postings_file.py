"""Posting lists as arrays: read from Whoosh's codec, and kept in a file per generation.

whoosh3 keeps a posting list in blocks of 128 postings, each a pickled tuple of document
numbers, frequencies and encoded positions; reading a long list unpickles every block,
positions and all. At 100k documents that was most of a cold query's time, and every
worker process paid it again for the same words (benchmarks/README.md, "Where the time
goes"). So ingest writes, into each generation, the document numbers and frequencies of
every posting list of at least MIN_POSTINGS postings of the ranked fields (write_arrays),
and the accumulator reads such a list with one seek (PostingsFile.read): the page cache
then shares it between workers, and a worker that starts afresh finds it there.

The file holds what reading the index gives: the same document numbers (deleted ones
included) and the same float32 frequencies. It names the segments it was read from; a
generation whose segments differ (documents added without this module) reads from Whoosh.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher

ARRAYS_FILE = "postings-arrays.bin"
TABLE_FILE = "postings-arrays.json"
# Shorter lists are one or two blocks (or inlined in the term's entry): cheap to read.
MIN_POSTINGS = 256


class Unreadable(Exception):
    """The index or the searcher holds something that cannot be read as arrays."""


# ---------------------------------------------------------------------- Whoosh's postings


def read_postings(matcher) -> tuple[list, list]:
    """(document numbers, frequencies) of one segment's posting list, deleted ones included
    (the live mask takes them out), read block by block rather than posting by posting."""
    if isinstance(matcher, FilterMatcher):  # the segment's deletions
        matcher = matcher.child
    ids: list = []
    weights: list = []
    try:
        if isinstance(matcher, W3LeafMatcher):
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                ids.extend(matcher._ids)
                weights.extend(matcher._weights)
                matcher._next_block()
        elif isinstance(matcher, ListMatcher):  # postings inlined in the term's entry
            ids.extend(matcher._ids)
            if matcher._all_weights:
                weights.extend([matcher._all_weights] * len(ids))
            else:
                weights.extend(matcher._weights or [1.0] * len(ids))
        else:
            raise Unreadable(f"postings read by {type(matcher).__name__}")
    except (AttributeError, TypeError) as exc:  # a codec of another layout
        raise Unreadable(f"postings of another layout ({exc})") from exc
    if len(weights) != len(ids):
        raise Unreadable("postings with more or fewer frequencies than documents")
    return ids, weights


def term_arrays(searcher, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers int32, frequencies float32) of a term over every segment of a
    searcher, each segment's numbers at its offset."""
    docs, weights = [np.zeros(0, np.int32)], [np.zeros(0, np.float32)]
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (field, text) in reader:
            ids, tf = read_postings(reader.postings(field, text))
            docs.append(np.asarray(ids, dtype=np.int32) + offset)
            weights.append(np.asarray(tf, dtype=np.float32))
    return np.concatenate(docs), np.concatenate(weights)


def segments_of(searcher) -> list:
    """What the file must match: the segments' ids and sizes, in the searcher's order."""
    return [[leaf.reader().segment().segment_id(), leaf.doc_count_all()] for leaf, _ in searcher.leaf_searchers()]


# ---------------------------------------------------------------------- the file


def write_arrays(folder: Path, searcher, fields: tuple[str, ...], min_postings: int | None = None) -> int:
    """Write the posting lists of `fields` of at least min_postings (MIN_POSTINGS) postings
    into folder; returns how many were written."""
    min_postings = MIN_POSTINGS if min_postings is None else min_postings
    table: dict[str, dict[str, list[int]]] = {}
    written = 0
    temporary = folder / (ARRAYS_FILE + ".tmp")
    with open(temporary, "wb") as out:
        offset = 0
        for field in fields:
            if field not in searcher.schema:
                continue
            entries = table[field] = {}
            for text, info in searcher.reader().iter_field(field):
                if info.doc_frequency() < min_postings:
                    continue
                docs, weights = term_arrays(searcher, field, text)
                out.write(docs.tobytes())
                out.write(weights.tobytes())
                entries[text.decode("utf-8")] = [offset, len(docs)]
                offset += len(docs) * 8
                written += 1
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, folder / ARRAYS_FILE)
    description = {"segments": segments_of(searcher), "fields": table}
    (folder / (TABLE_FILE + ".tmp")).write_text(json.dumps(description, separators=(",", ":")))
    os.replace(folder / (TABLE_FILE + ".tmp"), folder / TABLE_FILE)
    return written


class PostingsFile:
    """The long posting lists of one generation, read one at a time from its file."""

    def __init__(self, path: Path, table: dict) -> None:
        self.path = path
        self.table = table

    @classmethod
    def open(cls, folder: Path | None, searcher) -> PostingsFile | None:
        """The generation's file, if it has one written from the searcher's segments."""
        if folder is None:
            return None
        try:
            description = json.loads((Path(folder) / TABLE_FILE).read_text())
            if description["segments"] != segments_of(searcher):
                return None
            return cls(Path(folder) / ARRAYS_FILE, description["fields"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def read(self, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, frequencies) of a term, or None when the file lacks it."""
        entry = self.table.get(field, {}).get(text.decode("utf-8", "replace"))
        if entry is None:
            return None
        offset, count = entry
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            docs = np.fromfile(handle, np.int32, count)
            weights = np.fromfile(handle, np.float32, count)
        if len(docs) != count or len(weights) != count:
            raise Unreadable(f"{self.path} is shorter than its table says")
        return docs, weights
