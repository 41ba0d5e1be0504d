"""The segment writer that writes posting lists a term at a time: the files Whoosh writes."""
from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from search_service.cleaning import document_id
from search_service.indexer import SCHEMA, _add_document
from search_service.models import Document
from search_service.segment_writer import BulkSegmentWriter

WORDS = "harbour strike grain wheat tanker port union crew cargo ship oil price rise fall the of".split()


def documents(count: int) -> list[Document]:
    """Documents whose common words have lists of several blocks (128 postings each) and
    whose rare words have one posting; some have no author, some no title."""
    rng = random.Random(7)
    docs = []
    for n in range(count):
        words = rng.choices(WORDS, k=rng.randint(0, 60)) + [f"rare{n}"]
        docs.append(Document(id=document_id(f"{n}.txt"), source=f"{n}.txt", text=" ".join(words),
                             title=None if n % 7 == 0 else f"Story {n}", author="Ann Lee" if n % 3 == 0 else None))
    return docs


def segment_files(writer_class, docs: list[Document], folder: Path, merge_with: list[Document] = (),
                  limitmb: float = 128) -> dict[str, bytes]:
    """The bytes of each file of the segment writer_class writes (named without the
    segment's random name); with merge_with, a first segment of those is merged in."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    if merge_with:
        with SegmentWriter(ix, compound=False) as first:
            for d in merge_with:
                _add_document(first, d, Counter())
        ix = whoosh_index.open_dir(str(folder))
    writer = writer_class(ix, compound=False, limitmb=limitmb)
    for d in docs:
        _add_document(writer, d, Counter())
    writer.commit(optimize=bool(merge_with))
    return {re.sub(r"_[a-z0-9]{16}", "", p.name): p.read_bytes() for p in folder.iterdir() if not p.name.endswith(".toc")}


def test_the_segment_is_byte_for_byte_the_one_whoosh_writes(tmp_path):
    docs = documents(700)
    ours = segment_files(BulkSegmentWriter, docs, tmp_path / "ours")
    whooshs = segment_files(SegmentWriter, docs, tmp_path / "whoosh")
    assert {name for name in ours if name.endswith((".pst", ".trm"))} == {"MAIN.pst", "MAIN.trm"}
    assert ours == whooshs


def test_postings_over_the_memory_limit_go_to_disk_and_come_back_in_order(tmp_path):
    docs = documents(700)
    ours = segment_files(BulkSegmentWriter, docs, tmp_path / "ours", limitmb=0.5)
    assert ours == segment_files(SegmentWriter, docs, tmp_path / "whoosh", limitmb=0.5)


def test_a_merge_writes_what_whoosh_writes(tmp_path):
    """A merge (an optimize here) feeds the old segment's postings through the same writer."""
    docs = documents(400)
    ours = segment_files(BulkSegmentWriter, docs[200:], tmp_path / "ours", merge_with=docs[:200])
    whooshs = segment_files(SegmentWriter, docs[200:], tmp_path / "whoosh", merge_with=docs[:200])
    assert ours == whooshs
    assert whoosh_index.open_dir(str(tmp_path / "ours")).doc_count() == 400


def test_boosted_documents_go_through_whooshs_pool_and_write_what_whoosh_writes(tmp_path):
    docs = documents(300)

    def add_boosted(writer_class, folder):
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), SCHEMA)
        writer = writer_class(ix, compound=False)
        for n, d in enumerate(docs):
            if n % 50 == 0:  # a boost on a field: Whoosh's own add_document
                writer.add_document(id=d.id, source=d.source, content=d.text, _content_boost=2.0)
            else:
                _add_document(writer, d, Counter())
        writer.commit()
        return {re.sub(r"_[a-z0-9]{16}", "", p.name): p.read_bytes() for p in folder.iterdir()
                if not p.name.endswith(".toc")}

    assert add_boosted(BulkSegmentWriter, tmp_path / "ours") == add_boosted(SegmentWriter, tmp_path / "whoosh")


def test_a_document_that_fails_leaves_none_of_its_postings(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    writer = BulkSegmentWriter(ix)
    _add_document(writer, Document(id="a", source="a.txt", text="harbour strike"), Counter())
    with pytest.raises(ValueError):  # an ID field takes text, not a number
        writer.add_document(id="b", source=7, content="tanker crew")
    _add_document(writer, Document(id="c", source="c.txt", text="grain cargo"), Counter())
    writer.commit()
    with whoosh_index.open_dir(str(tmp_path)).searcher() as searcher:
        assert searcher.doc_count() == 2
        assert [searcher.stored_fields(n)["id"] for n in range(2)] == ["a", "c"]
        assert ("content", b"tanker") not in searcher.reader()
        assert searcher.document_number(content="cargo") == 1
