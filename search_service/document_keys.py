"""The schema's facets and sort orders, and each generation's file of their values per
document, worked out once at ingest.

A worker's first query of a generation needs every document's site and year (the facet
counts) and, for a page newest first, every document's place in the date order: read from
Whoosh's columns and numbered (segment_columns), that took ~0.5 s at a million documents, in
every worker after every ingest. The ingest works them out once and writes them beside the
index (KEYS_FILE); a worker's accumulator loads them when the file was written from the
segments it reads, and works them out itself otherwise (an index from before the file).
"""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import sorting

from .postings_file import WrittenFile, segments_of
from .segment_columns import facet_values, sort_places

KEYS_FILE = "document-keys.pickle"

FACETS = {"site": sorting.FieldFacet("site"), "year": sorting.FieldFacet("year")}


def _newest_first(published) -> tuple[int, ...]:
    """A sort key of a published date (YYYY-MM-DD) that puts later dates first, undated last.

    Not a date but a number when no segment has the column of dates (Whoosh's FieldFacet
    then categorizes by postings): every document is undated."""
    return tuple(-c for c in published) if published and isinstance(published, bytes) else (1,)


# Not FieldFacet("published", reverse=True): Whoosh's reversed order of a column fails
# ("b'' is not in list") on an index with a segment where no document has a date.
NEWEST_FIRST = sorting.TranslateFacet(_newest_first, sorting.FieldFacet("published"))
SORTS = {"newest_first": NEWEST_FIRST}


def _described(facet) -> str:
    """What makes a facet's keys: its kind, its field, a translation's function."""
    inner = getattr(facet, "facets", None) or [facet]
    fn = getattr(facet, "fn", None)
    return "/".join([type(facet).__name__, getattr(fn, "__qualname__", "")]
                    + [f"{type(f).__name__}:{getattr(f, 'fieldname', '')}" for f in inner])


# A file written for other facets (an older version's) is not used, though its segments match.
LAYOUT = tuple(sorted((name, _described(facet)) for name, facet in {**FACETS, **SORTS}.items()))


DIGEST_BYTES = 16  # the file: a hash of its pickle, then the pickle


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=DIGEST_BYTES).digest()


@dataclass
class DocumentKeys:
    """Facet values (each document's value number, the values) and sort places (each
    document's place in the order) of one generation, by facet name."""

    segments: list  # postings_file.segments_of the searcher they were worked out from
    layout: tuple  # LAYOUT when they were worked out
    facets: dict[str, tuple[np.ndarray, list]]
    sorts: dict[str, np.ndarray]


def write_document_keys(folder: str | os.PathLike, searcher) -> None:
    """Work out FACETS' values and SORTS' places over the searcher's documents into folder."""
    keys = DocumentKeys(segments_of(searcher), LAYOUT,
                        {name: facet_values(searcher, name, facet) for name, facet in FACETS.items()},
                        {name: sort_places(searcher, name, facet) for name, facet in SORTS.items()})
    data = pickle.dumps(keys, protocol=pickle.HIGHEST_PROTOCOL)
    with WrittenFile(Path(folder) / KEYS_FILE) as out:
        out.write(_digest(data) + data)


def read_document_keys(folder: str | os.PathLike | None, searcher) -> DocumentKeys | None:
    """The generation's keys, if its folder has them and they were written from the
    searcher's segments; else None."""
    if folder is None:
        return None
    try:
        written = (Path(folder) / KEYS_FILE).read_bytes()
        digest, data = written[:DIGEST_BYTES], written[DIGEST_BYTES:]
        if digest != _digest(data):  # damaged: a byte changed in an array unpickles as well
            return None
        keys = pickle.loads(data)
        count = searcher.doc_count_all()
        if not isinstance(keys, DocumentKeys) or (keys.segments, keys.layout) != (segments_of(searcher), LAYOUT) \
                or any(len(ordinals) != count for ordinals, _ in keys.facets.values()) \
                or any(len(places) != count for places in keys.sorts.values()):
            return None
    except Exception:  # (unpickling a damaged file raises almost anything) worked out instead
        return None
    return keys
