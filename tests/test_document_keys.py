"""Each generation's facet values and date order per document, written at ingest and loaded
by the workers' accumulators instead of being worked out on their first query."""
from __future__ import annotations

import pickle
import random
import shutil

import numpy as np
import pytest

from search_service import accumulator as accumulator_module
from search_service import document_keys
from search_service.cleaning import document_id
from search_service.document_keys import FACETS, KEYS_FILE, NEWEST_FIRST, SORTS, read_document_keys
from search_service.indexer import build_index, current_generation
from search_service.models import Document, SearchRequest
from search_service.search import SearchIndex
from search_service.segment_columns import facet_values, sort_places

SITES = ["a.example.org", "b.example.com", None]


def documents(count: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        year = rng.choice((1999, 2005, 2020, None))
        docs.append(Document(id=document_id(f"{seed}-{n}"), source=f"{seed}-{n}.txt",
                             text=" ".join(rng.choices("harbour ship grain wheat port crew".split(), k=12)),
                             site=rng.choice(SITES),
                             published=f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}" if year else None))
    return docs


@pytest.fixture
def index(tmp_path) -> SearchIndex:
    build_index(documents(400, seed=1), tmp_path)
    return SearchIndex(tmp_path)


def folder_of(index: SearchIndex):
    return index.root / current_generation(index.root)


def test_an_ingest_writes_the_keys_a_worker_would_work_out(index):
    searcher = index.searcher()
    keys = read_document_keys(folder_of(index), searcher)
    assert keys is not None and set(keys.facets) == set(FACETS) and set(keys.sorts) == set(SORTS)
    for name, facet in FACETS.items():
        ordinals, values = keys.facets[name]
        expected = facet_values(searcher, name, facet)
        assert np.array_equal(ordinals, expected[0]) and values == expected[1] and len(values) > 2
    assert np.array_equal(keys.sorts["newest_first"], sort_places(searcher, "newest_first", NEWEST_FIRST))


def test_a_worker_answers_from_the_keys_file_without_working_them_out(index, monkeypatch):
    expected = index.search(SearchRequest("harbour", per_page=50, sort="date"))
    fresh = SearchIndex(index.root)

    def not_again(*args):
        raise AssertionError("worked out again")

    monkeypatch.setattr(accumulator_module, "facet_values", not_again)
    monkeypatch.setattr(accumulator_module, "sort_places", not_again)
    answer = fresh.search(SearchRequest("harbour", per_page=50, sort="date"))
    assert answer.facets == expected.facets and [h.id for h in answer.hits] == [h.id for h in expected.hits]
    assert len(answer.facets["site"]) == 2 and len(answer.facets["year"]) == 3 and answer.total > 50


def test_keys_of_other_segments_or_unreadable_are_not_used(index, tmp_path):
    """A keys file left from another generation (other segments) or another version (other
    facets), or damaged, is ignored:
    the worker works the keys out, and answers the same."""
    expected = index.search(SearchRequest("harbour", per_page=50, sort="date"))
    other = tmp_path / "other"
    build_index(documents(300, seed=2), other)
    keys_file = folder_of(index) / KEYS_FILE
    written = keys_file.read_bytes()

    def rewritten(value) -> bytes:  # a file as write_document_keys writes one
        data = pickle.dumps(value)
        return document_keys._digest(data) + data

    for damage in ("another generation's", "for other facets", "not keys", "a byte changed", "truncated",
                   "missing"):
        if damage == "another generation's":
            shutil.copy(other / current_generation(other) / KEYS_FILE, keys_file)
        elif damage == "for other facets":  # the same segments, an older version's facets
            keys = pickle.loads(written[document_keys.DIGEST_BYTES:])
            keys.layout = (("site", "FieldFacet//FieldFacet:host"),)
            keys_file.write_bytes(rewritten(keys))
        elif damage == "not keys":
            keys_file.write_bytes(rewritten({"segments": pickle.loads(written[document_keys.DIGEST_BYTES:]).segments}))
        elif damage == "a byte changed":  # in the last array: it would unpickle, wrong
            keys_file.write_bytes(written[:-40] + bytes([written[-40] ^ 1]) + written[-39:])
        elif damage == "truncated":
            keys_file.write_bytes(keys_file.read_bytes()[:100])
        else:
            keys_file.unlink()
        fresh = SearchIndex(index.root)
        assert read_document_keys(folder_of(index), fresh.searcher()) is None, damage
        answer = fresh.search(SearchRequest("harbour", per_page=50, sort="date"))
        assert answer.facets == expected.facets and [h.id for h in answer.hits] == [h.id for h in expected.hits]
