"""A segment's per-document values read in one piece: the field lengths BM25 needs and the
keys facets and sorting use, as Whoosh's readers would give them a document at a time (a
call per document cost seconds at a million documents, on each worker's first query of a
generation). Read from whoosh3's column readers (whoosh3 is pinned); for any other column
or categorizer the functions say so (None) or read a document at a time.
"""
from __future__ import annotations

from itertools import accumulate

import numpy as np
from whoosh import sorting
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.util.numeric import byte_to_length

from .postings_file import Unreadable


def facet_values(searcher, name: str, facet) -> tuple[np.ndarray, list]:
    """(each document's value number, the values in the order documents first have them)
    of a facet over the searcher's documents, each value as its categorizer names it."""
    categorizer = _categorizer(searcher, name, facet)
    numbers: dict = {}
    ordinals = np.zeros(searcher.doc_count_all(), np.int32)
    for leaf, offset in searcher.leaf_searchers():
        categorizer.set_searcher(leaf, offset)
        codes, keys = segment_codes(categorizer, leaf.doc_count_all())
        # Keys in the order first met: values numbered in the order first met.
        numbered = [numbers.setdefault(categorizer.key_to_name(key), len(numbers)) for key in keys]
        ordinals[offset:offset + len(codes)] = np.array(numbered, np.int32)[codes]
    return ordinals, list(numbers)


def sort_places(searcher, name: str, facet) -> np.ndarray:
    """Each document's place in the order of a sort facet's keys (equal keys, equal places)."""
    categorizer = _categorizer(searcher, name, facet)
    segments = []  # (codes, distinct keys) of each segment, in document order
    for leaf, offset in searcher.leaf_searchers():
        categorizer.set_searcher(leaf, offset)
        segments.append(segment_codes(categorizer, leaf.doc_count_all()))
    order = sorted(set().union(*(keys for _, keys in segments)))
    place = {key: i for i, key in enumerate(order)}
    return np.concatenate([np.zeros(0, np.int32)] + [np.array([place[key] for key in keys], np.int32)[codes]
                                                     for codes, keys in segments])


def _categorizer(searcher, name: str, facet):
    categorizer = facet.categorizer(searcher)
    if categorizer.needs_current:
        raise Unreadable(f"facet {name} needs a matcher")
    return categorizer


def segment_codes(categorizer, n: int) -> tuple[np.ndarray, list]:
    """The keys (categorizer.key_for) of the n documents of the segment the categorizer is
    set to, as (each document's number among the distinct keys, those keys in the order
    first met), so that what is worked out of a key (its name, its place in an order) is
    worked out once a distinct key. A column of bytes (a sortable field), or a translation
    of one, is read in one piece (key_for a document at a time took ~3 us, and a Python step
    per document ~0.5 us: seconds, then ~0.4 s, at a million documents, on each worker's
    first query of a generation)."""
    translate = None
    if type(categorizer) is sorting.TranslateFacet.TranslateCategorizer and len(categorizer.catters) == 1:
        keys = column_keys(categorizer.catters[0], n)
        translate = categorizer.fn
    else:
        keys = column_keys(categorizer, n)
    if keys is None:
        keys, translate = [categorizer.key_for(None, d) for d in range(n)], None
    codes, distinct = _numbered(keys)
    if translate is not None:  # translated once a distinct key (a date: ~1,000 of them)
        translated, distinct = _numbered([translate(key) for key in distinct])
        codes = translated[codes]
    return codes, distinct


def _numbered(keys: list) -> tuple[np.ndarray, list]:
    """(each key's number among the distinct keys, those keys in the order first met)."""
    distinct = list(dict.fromkeys(keys))
    number = dict(zip(distinct, range(len(distinct))))
    return np.fromiter(map(number.__getitem__, keys), np.int32, count=len(keys)), distinct


def column_keys(categorizer, n: int) -> list | None:
    """A ColumnCategorizer's keys of a segment's n documents from its VarBytesColumn, whose
    values lie end to end in document order; None for any other categorizer or column."""
    if type(categorizer) is not sorting.ColumnCategorizer or categorizer._reverse:
        return None
    column = categorizer._creader
    if type(column) is not VarBytesColumn.Reader or len(column._lengths) != n:
        return None
    lengths = column._lengths.tolist()  # an array (or memoryview): its ints in one call
    data = column._dbfile.get(column._basepos, sum(lengths))
    ends = list(accumulate(lengths))
    return [data[end - length:end] for end, length in zip(ends, lengths)]


# Whoosh's one-byte lengths decoded (a 0 byte: doc_field_length gives nothing, read as 0).
BYTE_LENGTHS = np.array([0] + [byte_to_length(b) for b in range(1, 256)], np.float64)


def segment_lengths(reader, field: str, n: int) -> np.ndarray | None:
    """A segment's lengths of a field as doc_field_length gives them, read from its lengths
    column in one piece (a call per document took ~5 us: 10 s for two fields at a million
    documents, on each worker's first query of a generation); None when the segment keeps
    them otherwise (read document by document)."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return None
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if not isinstance(column, NumericColumn.Reader) or column._typecode != "B" or column._default != 0:
        return None
    count = min(column._count, n)
    stored = np.zeros(n, np.uint8)
    stored[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), np.uint8)
    return BYTE_LENGTHS[stored]
