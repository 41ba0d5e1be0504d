"""The segment writer that writes posting lists a term at a time: the files Whoosh writes."""
from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from search_service import segment_writer
from search_service.analysis import TermSequence, terms
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


def test_the_segment_is_the_one_whoosh_writes_with_smaller_pickles(tmp_path):
    docs = documents(700)
    ours = segment_files(BulkSegmentWriter, docs, tmp_path / "ours")
    whooshs = segment_files(SegmentWriter, docs, tmp_path / "whoosh")
    assert {name for name in ours if name.endswith((".pst", ".trm"))} == {"MAIN.pst", "MAIN.trm"}
    assert_same_index(tmp_path / "ours", tmp_path / "whoosh")
    # Pickle's protocol 2 writes each bytes value (a posting's positions, the text's spans) as
    # a call to _codecs.encode with the bytes as a string.
    assert len(ours["MAIN.pst"]) < 0.8 * len(whooshs["MAIN.pst"])
    assert len(ours["MAIN._stored.col"]) < len(whooshs["MAIN._stored.col"])


# Files holding pickles, which BulkSegmentWriter writes at protocol 5 (PICKLE_PROTOCOL) where
# Whoosh writes at 2: the same values read back, other bytes (and so other places of each
# list in the terms file).
PICKLING = (".pst", ".trm", "._stored.col")


def assert_same_index(ours: Path, whooshs: Path) -> None:
    """Whoosh reads the same index back from both folders: the same files but those that
    hold pickles, the same postings and term statistics, the same stored fields."""
    def files(folder):
        return {re.sub(r"_[a-z0-9]{16}", "", p.name): p.read_bytes() for p in folder.iterdir()
                if not p.name.endswith((".toc",) + PICKLING)}

    assert files(ours) == files(whooshs)
    assert postings_of(ours) == postings_of(whooshs)
    assert stored_of(ours) == stored_of(whooshs)


def stored_of(folder: Path) -> list[dict]:
    reader = whoosh_index.open_dir(str(folder)).reader()
    return [reader.stored_fields(docnum) for docnum in range(reader.doc_count_all())]


@pytest.mark.parametrize("chunk", [1, 50, 1_000])
def test_sorted_terms_are_written_a_slice_of_postings_at_a_time(tmp_path, monkeypatch, chunk):
    """The lists worked out from terms in order are made into Python lists a slice at a
    time: slices of one term, of terms longer than a slice, and of many terms."""
    monkeypatch.setattr(segment_writer, "LIST_CHUNK_POSTINGS", chunk)
    docs = documents(300)
    segment_files(BulkSegmentWriter, docs, tmp_path / "ours")
    segment_files(SegmentWriter, docs, tmp_path / "whoosh")
    assert_same_index(tmp_path / "ours", tmp_path / "whoosh")


def postings_of(folder: Path) -> dict:
    """Every term's statistics and postings (document, weight, value) in an index, decoded."""
    reader = whoosh_index.open_dir(str(folder)).reader()
    found = {}
    for fieldname, btext in reader.all_terms():
        info = reader.term_info(fieldname, btext)
        matcher = reader.postings(fieldname, btext)
        postings = []
        while matcher.is_active():
            postings.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        found[fieldname, btext] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                   info.max_weight(), info.min_id(), info.max_id(), postings)
    return found


def test_postings_over_the_memory_limit_go_to_disk_in_runs_and_come_back_in_order(tmp_path):
    docs = documents(700)
    segment_files(BulkSegmentWriter, docs, tmp_path / "ours", limitmb=0.1)
    segment_files(SegmentWriter, docs, tmp_path / "whoosh", limitmb=0.1)
    assert_same_index(tmp_path / "ours", tmp_path / "whoosh")
    assert not list((tmp_path / "ours").glob("**/*.lists"))  # the runs are gone


def test_the_runs_join_each_terms_pieces_in_document_order(tmp_path):
    """A tiny limit: a run every few documents, most terms in pieces across many runs."""
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    writer = BulkSegmentWriter(ix, compound=False)
    writer._limit = 5_000
    for d in documents(300):
        _add_document(writer, d, Counter())
    assert len(writer._runs) > 20
    writer.commit()
    spilled = postings_of(folder)
    assert spilled == postings_of(_whooshs_index(tmp_path / "whoosh", documents(300)))
    assert [doc for doc, _, _ in spilled["content", b"harbour"][-1]] == \
        sorted(doc for doc, _, _ in spilled["content", b"harbour"][-1])


def _whooshs_index(folder: Path, docs: list[Document], last_boosted: bool = False) -> Path:
    """The index Whoosh's writer makes of docs (the last one's text boosted if last_boosted)."""
    folder.mkdir()
    with SegmentWriter(whoosh_index.create_in(str(folder), SCHEMA), compound=False) as writer:
        for d in docs[:-1] if last_boosted else docs:
            _add_document(writer, d, Counter())
        if last_boosted:
            writer.add_document(id=docs[-1].id, source=docs[-1].source, content=docs[-1].text, _content_boost=2.0)
    return folder


def test_runs_join_whooshs_pool_when_a_later_document_goes_there(tmp_path):
    """Runs written, then a boosted document (Whoosh's own add_document, its pool): the runs
    go into the pool too, and the segment holds every posting."""
    docs = documents(300)
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    writer = BulkSegmentWriter(ix, compound=False)
    writer._limit = 20_000
    for d in docs[:-1]:
        _add_document(writer, d, Counter())
    assert writer._runs
    last = docs[-1]
    writer.add_document(id=last.id, source=last.source, content=last.text, _content_boost=2.0)
    assert writer._uses_pool()
    writer.commit()
    assert postings_of(folder) == postings_of(_whooshs_index(tmp_path / "whoosh", docs, last_boosted=True))


def test_a_writer_given_up_leaves_no_runs(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    writer = BulkSegmentWriter(ix)
    writer._limit = 20_000
    for d in documents(100):
        _add_document(writer, d, Counter())
    runs = list(writer._runs)
    assert runs and all(writer.pool.tempstore.file_exists(name) for name in runs)
    writer.discard_postings()
    assert not any(writer.pool.tempstore.file_exists(name) for name in runs)
    writer.cancel()


def test_a_merge_writes_what_whoosh_writes(tmp_path):
    """A merge (an optimize here) feeds the old segment's postings through the same writer."""
    docs = documents(400)
    segment_files(BulkSegmentWriter, docs[200:], tmp_path / "ours", merge_with=docs[:200])
    segment_files(SegmentWriter, docs[200:], tmp_path / "whoosh", merge_with=docs[:200])
    assert_same_index(tmp_path / "ours", tmp_path / "whoosh")
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

    add_boosted(BulkSegmentWriter, tmp_path / "ours")
    add_boosted(SegmentWriter, tmp_path / "whoosh")
    assert_same_index(tmp_path / "ours", tmp_path / "whoosh")


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


@pytest.mark.parametrize("where", ["between documents", "last"])
@pytest.mark.parametrize("boosted", [False, True], ids=["gathered", "whoosh's route"])
def test_a_document_that_fails_leaves_nothing_of_it_in_the_segment(tmp_path, where, boosted):
    """Not its field lengths nor its stored fields either: the segment is the one written
    without it. (Whoosh's own writer keeps the lengths of the fields before the bad one, so
    every later document's lengths shift by one and a last such document leaves its stored
    column unreadable.)"""
    docs = documents(60)
    # Fields in sorted order before `source`, the bad one: author, content, feedback, id.
    bad = dict(id="bad", author="Ann Lee", content="tanker crew tanker", title="Bad", source=7)
    if boosted:
        bad["_content_boost"] = 2.0

    def write(folder, with_bad):
        folder.mkdir()
        writer = BulkSegmentWriter(whoosh_index.create_in(str(folder), SCHEMA), compound=False)
        for n, d in enumerate(docs):
            if with_bad and n == (30 if where == "between documents" else len(docs) - 1):
                with pytest.raises(ValueError):  # an ID field takes text, not a number
                    writer.add_document(**bad)
            _add_document(writer, d, Counter())
        if with_bad and where == "last":
            with pytest.raises(ValueError):
                writer.add_document(**bad)
        writer.commit()

    write(tmp_path / "with", True)
    write(tmp_path / "without", False)
    assert_same_index(tmp_path / "with", tmp_path / "without")
    reader = whoosh_index.open_dir(str(tmp_path / "with")).reader()
    expected = whoosh_index.open_dir(str(tmp_path / "without")).reader()
    for field in ("content", "title", "author"):
        assert reader.field_length(field) == expected.field_length(field)
        assert [reader.doc_field_length(n, field) for n in range(len(docs))] == \
            [expected.doc_field_length(n, field) for n in range(len(docs))]


def test_a_field_given_as_terms_then_as_text_keeps_every_posting_in_order(tmp_path):
    """Terms in order are kept as they come and their lists worked out at the end; text
    that comes for the same field later is indexed on from those lists."""
    docs = documents(300)

    def write(writer_class, folder):
        folder.mkdir()
        writer = writer_class(whoosh_index.create_in(str(folder), SCHEMA), compound=False)
        for n, d in enumerate(docs):
            text = d.text if n >= 150 else TermSequence(terms(d.text))
            writer.add_document(id=d.id, source=d.source, content=text)
        writer.commit()

    write(BulkSegmentWriter, tmp_path / "ours")
    write(SegmentWriter, tmp_path / "whoosh")
    assert_same_index(tmp_path / "ours", tmp_path / "whoosh")
    harbour = postings_of(tmp_path / "ours")["content", b"harbour"][-1]
    assert {doc for doc, _, _ in harbour} & set(range(150)) and {doc for doc, _, _ in harbour} & set(range(150, 300))


def test_the_writer_keeps_the_sorted_lists_only_when_it_sorted_them_all_at_once(tmp_path):
    """kept_lists: each kept field's terms and lists when every value came as terms and
    nothing was written out before the end; None otherwise (the caller reads them back)."""
    docs = documents(200)

    def kept(folder, limit=None, text_at=None, author_text_at=None):
        folder.mkdir()
        writer = BulkSegmentWriter(whoosh_index.create_in(str(folder), SCHEMA), keep_lists=("content", "title"))
        if limit:
            writer._limit = limit
        for n, d in enumerate(docs):
            content = d.text if n == text_at else TermSequence(terms(d.text))
            author = "Ann Lee" if n == author_text_at else TermSequence(["ann", "lee"])
            writer.add_document(id=d.id, source=d.source, content=content, author=author)
        if limit:
            assert writer._runs
        writer.commit()
        return writer.kept_lists

    whole = kept(tmp_path / "whole")
    names, lists = whole["content"]
    harbour = names.index("harbour")
    docnums = lists["docs"][lists["first"][harbour]:lists["first"][harbour + 1]].tolist()
    assert docnums == [n for n, d in enumerate(docs) if "harbour" in d.text.split()]
    assert "title" not in whole  # no document had one: nothing kept, none to keep
    assert kept(tmp_path / "spilled", limit=5_000) is None
    assert kept(tmp_path / "mixed", text_at=150) is None
    # text for a field not kept: the kept ones are whole all the same
    other = kept(tmp_path / "author", author_text_at=150)
    assert other["content"][0] == names and all((other["content"][1][k] == lists[k]).all() for k in lists)
