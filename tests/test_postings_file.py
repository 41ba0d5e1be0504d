"""The generation's file of long posting lists (postings_file.py): what it holds is what
Whoosh reads, and searches answer the same with it and without it."""
from __future__ import annotations

import json
import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

from search_service import indexer, postings_file
from search_service.accumulator import Accumulator
from search_service.analysis import terms
from search_service.cleaning import document_id
from search_service.indexer import (
    RANK_FIELD, build_index, current_generation, write_generation, write_generation_in_parts, writer_lock,
)
from search_service.models import Document, SearchRequest
from search_service.postings_file import ARRAYS_FILE, POSITIONS_FILE, TABLE_FILE, PostingsFile, term_arrays, write_arrays
from search_service.search import FACETS, SearchIndex

WORDS = "harbour dredging river bank fox lazy dog quick brown market price oil wheat grain ship".split()


def documents(count: int, seed: int = 3) -> list[Document]:
    rng = random.Random(seed)
    return [Document(id=document_id(f"d{n}"), source=f"d{n}", title=" ".join(rng.choices(WORDS, k=2)),
                     text=" ".join(rng.choices(WORDS + ["the", "of"], k=rng.randint(5, 60))))
            for n in range(count)]


@pytest.fixture()
def served(tmp_path, monkeypatch) -> SearchIndex:
    monkeypatch.setattr(postings_file, "MIN_POSTINGS", 20)
    build_index(documents(300), tmp_path)
    index = SearchIndex(tmp_path)
    index.searcher()  # opens the generation
    return index


def test_the_file_holds_what_whoosh_reads(served):
    searcher = served.searcher()
    file = PostingsFile.open(served.root / served.generation, searcher)
    assert file is not None and file.table[RANK_FIELD] and file.table["title"]
    for field, terms in file.table.items():
        for text in terms:
            docs, weights = file.read(field, text.encode())
            expected_docs, expected_weights = term_arrays(searcher, field, text.encode())
            assert len(docs) >= 20
            assert np.array_equal(docs, expected_docs) and np.array_equal(weights, expected_weights)
    assert file.read(RANK_FIELD, b"zebra") is None  # not in the file: read from Whoosh


@pytest.mark.parametrize("parts", [2, 3])
def test_the_pool_writes_in_slices_the_files_one_process_writes(served, parts):
    folder = served.root / served.generation
    names = (ARRAYS_FILE, POSITIONS_FILE, TABLE_FILE)
    alone = {name: (folder / name).read_bytes() for name in names}  # written by the build, in one process
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        count = write_arrays(folder, served.searcher(), (RANK_FIELD, "title"), positions=(RANK_FIELD,),
                             pool=pool, parts=parts)
    assert count > parts
    assert {name: (folder / name).read_bytes() for name in names} == alone
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("postings")) == sorted(names)


def test_the_file_holds_the_ranking_fields_positions(served):
    searcher = served.searcher()
    file = PostingsFile.open(served.root / served.generation, searcher)
    assert set(file.positions_table) == {RANK_FIELD}  # not the title's: title phrases are rare
    for text in file.table[RANK_FIELD]:
        starts = file.position_starts(RANK_FIELD, text.encode())
        docs, _ = file.read(RANK_FIELD, text.encode())
        assert len(starts) == len(docs) + 1
        whoosh_positions = {m.id(): m.value_as("positions") for m in _each(searcher, text)}
        for i, doc in enumerate(docs.tolist()):
            assert file.positions(RANK_FIELD, text.encode(), starts[i], starts[i + 1]).tolist() == whoosh_positions[doc]


def _each(searcher, text: str):
    """Whoosh's postings of a term in the ranking field (one segment here), one at a time."""
    matcher = searcher.postings(RANK_FIELD, text)
    while matcher.is_active():
        yield matcher
        matcher.next()


def test_phrases_are_found_from_the_files_positions(served, monkeypatch):
    searcher = served.searcher()
    walked = sorted(searcher.docs_for_query(wq.Phrase(RANK_FIELD, ["lazi", "dog"])))
    monkeypatch.setattr("search_service.accumulator._Positions", None)  # no reading from Whoosh
    arrays = Accumulator(searcher, FACETS)
    assert arrays.phrase_docs(RANK_FIELD, ("lazi", "dog")).tolist() == walked
    assert walked


@pytest.mark.parametrize("max_stretch", [1_000_000, 0], ids=["one read", "a read per document"])
def test_a_words_positions_in_a_few_documents_are_picked_from_one_read(served, monkeypatch, max_stretch):
    monkeypatch.setattr("search_service.accumulator.MAX_STRETCH", max_stretch)
    monkeypatch.setattr("search_service.accumulator.STRETCH_PER_POSITION", 0 if max_stretch == 0 else 64)
    searcher = served.searcher()
    monkeypatch.setattr("search_service.accumulator._Positions", None)  # no reading from Whoosh
    arrays = Accumulator(searcher, FACETS)
    text = max(arrays._file.positions_table[RANK_FIELD], key=lambda t: len(arrays.postings(RANK_FIELD, t).docs))
    docs = arrays.postings(RANK_FIELD, text).docs[1::2]  # every other document of the word's
    whoosh_positions = {m.id(): m.value_as("positions") for m in _each(searcher, text)}
    assert len(docs) > 2 and any(len(whoosh_positions[d]) > 1 for d in docs.tolist())
    keys = arrays._positions_in(RANK_FIELD, text, docs).tolist()
    assert keys == [(doc << 32) + p for doc in docs.tolist() for p in whoosh_positions[doc]]


def test_the_accumulator_reads_long_lists_from_the_file(served, monkeypatch):
    searcher = served.searcher()
    arrays = Accumulator(searcher, FACETS)
    assert arrays._file is not None
    read_from_whoosh = []
    monkeypatch.setattr("search_service.accumulator.term_arrays",
                        lambda s, f, t: read_from_whoosh.append(t) or term_arrays(s, f, t))
    arrays.postings(RANK_FIELD, "fox")
    assert read_from_whoosh == []


def test_searches_answer_the_same_with_and_without_the_file(served):
    queries = ["fox", "lazy dog", "quick brown fox", "the river", '"lazy dog"', "grain OR oil", "ship -harbour"]
    with_file = [served.search(SearchRequest(q, per_page=50)) for q in queries]
    (served.root / served.generation / TABLE_FILE).unlink()
    walked = SearchIndex(served.root)
    for q, answer in zip(queries, with_file):
        again = walked.search(SearchRequest(q, per_page=50))
        assert ([h.id for h in answer.hits], answer.total, answer.facets) == ([h.id for h in again.hits], again.total, again.facets), q


def test_a_file_of_other_segments_is_not_used(served):
    before = served.search(SearchRequest("fox")).total
    writer = whoosh_index.open_dir(str(served.root / current_generation(served.root))).writer()
    writer.add_document(id="extra", source="extra", content="fox fox fox", title="fox")
    writer.commit(merge=False)
    fresh = SearchIndex(served.root)
    searcher = fresh.searcher()
    assert PostingsFile.open(fresh.root / fresh.generation, searcher) is None
    assert fresh.search(SearchRequest("fox")).total == before + 1


def test_positions_of_another_layout_are_read_from_the_index(served):
    table = served.root / served.generation / TABLE_FILE
    description = json.loads(table.read_text())
    description["positions"] = {field: {term: entry[:3] for term, entry in terms.items()}
                                for field, terms in description["positions"].items()}
    table.write_text(json.dumps(description))
    fresh = SearchIndex(served.root)
    searcher = fresh.searcher()
    file = PostingsFile.open(fresh.root / fresh.generation, searcher)
    assert file is not None and file.table and file.positions_table == {}
    assert fresh.search(SearchRequest('"lazy dog"')).total == served.search(SearchRequest('"lazy dog"')).total > 0


def test_a_damaged_table_means_no_file(served):
    (served.root / served.generation / TABLE_FILE).write_text("{not json")
    assert PostingsFile.open(served.root / served.generation, served.searcher()) is None


def test_incremental_builds_write_the_file_for_the_new_generation(served, monkeypatch):
    with writer_lock(served.root):
        write_generation(documents(50, seed=9), served.root, base=served.generation)
    fresh = SearchIndex(served.root)
    searcher = fresh.searcher()
    file = PostingsFile.open(fresh.root / fresh.generation, searcher)
    assert file is not None
    docs, _ = file.read(RANK_FIELD, b"fox")
    assert np.array_equal(docs, term_arrays(fresh.searcher(), RANK_FIELD, b"fox")[0])
    assert (fresh.root / fresh.generation / ARRAYS_FILE).exists()


def more_documents(count: int, prefix: str, seed: int) -> list[Document]:
    rng = random.Random(seed)
    return [Document(id=document_id(f"{prefix}{n}"), source=f"{prefix}{n}", title=" ".join(rng.choices(WORDS, k=2)),
                     text=" ".join(rng.choices(WORDS + ["the", "of", f"rare{n % 7}"], k=rng.randint(5, 60))))
            for n in range(count)]


def test_an_incremental_build_updates_the_files_from_the_earlier_generations(tmp_path, monkeypatch):
    """An incremental build takes the lists of the segments it kept from the files of the
    generation it was copied from, and reads only its new segments from the index: byte for
    byte the files read back from the whole index, through deletions, new words growing long,
    and Whoosh merging the small segments (and numbering the kept ones anew)."""
    monkeypatch.setattr(postings_file, "MIN_POSTINGS", 5)
    read_back = []
    monkeypatch.setattr(indexer, "write_arrays", lambda *args, **kw: read_back.append(1) or write_arrays(*args, **kw))
    root = tmp_path / "index"
    build_in_parts(root, [documents(100, seed=5), documents(190, seed=5)[100:]])
    changes = [(more_documents(20, "a", 1), ["d3", "d150"])]
    changes += [([], ["d7", "a5"])]  # deletions alone: the segments and their files stay
    changes += [(more_documents(1, f"s{k}-", 10 + k), ["a4"] if k == 2 else []) for k in range(7)]
    sizes = []
    for step, (added, deleted) in enumerate(changes):
        with writer_lock(root):
            write_generation(added, root, base=current_generation(root), delete_sources=deleted)
        index = SearchIndex(root)
        searcher = index.searcher()
        folder = root / index.generation
        written = {name: (folder / name).read_bytes() for name in (ARRAYS_FILE, POSITIONS_FILE, TABLE_FILE)}
        assert written == arrays_read_back(folder, searcher, tmp_path / f"read-back-{step}")
        sizes.append([leaf.doc_count_all() for leaf, _ in searcher.leaf_searchers()])
    assert not read_back  # every generation updated, none read back
    assert sizes[0] == sizes[1] == [100, 90, 20]
    merged = [after for before, after in zip(sizes, sizes[1:]) if len(after) < len(before)]
    assert merged and merged[0][:2] == [90, 100]  # the kept segments numbered anew
    assert "rare0" in json.loads(written[TABLE_FILE])["fields"][RANK_FIELD]  # long only with the later documents
    assert all(index.document(document_id(source)) is None for source in ("d3", "d150", "d7", "a5", "a4"))
    assert index.document(document_id("d4")) is not None


def test_deleted_postings_that_open_a_segments_list_are_read_too(tmp_path, monkeypatch):
    """Whoosh's reader skips a segment's deleted postings at the start of a list as it hands
    the list over; the arrays hold deleted postings as Whoosh counts them (the live mask
    takes them out), wherever they stand."""
    monkeypatch.setattr(postings_file, "MIN_POSTINGS", 2)
    root = tmp_path / "index"
    build_index([Document(id=document_id(f"d{n}"), source=f"d{n}", title="x", text="alpha harbour") for n in range(10)],
                root)
    with writer_lock(root):
        write_generation([Document(id=document_id("e0"), source="e0", title="x", text="alpha river")], root,
                         base=current_generation(root))
    with writer_lock(root):  # the new segment's one document deleted: its lists open with it
        write_generation([], root, base=current_generation(root), delete_sources=["e0"])
    index = SearchIndex(root)
    searcher = index.searcher()
    assert len(term_arrays(searcher, RANK_FIELD, b"alpha")[0]) == searcher.doc_frequency(RANK_FIELD, "alpha") == 11
    folder = root / index.generation
    assert {name: (folder / name).read_bytes() for name in (ARRAYS_FILE, POSITIONS_FILE, TABLE_FILE)} == \
        arrays_read_back(folder, searcher, tmp_path / "read-back")
    assert index.search(SearchRequest("river")).total == 0 and index.search(SearchRequest("alpha")).total == 10


@pytest.mark.parametrize("damage", ["no table", "other least length", "no positions", "fewer fields", "cut short"])
def test_an_incremental_build_reads_the_index_when_the_earlier_files_cannot_serve(served, damage, monkeypatch):
    read_back = []
    monkeypatch.setattr(indexer, "write_arrays", lambda *args, **kw: read_back.append(1) or write_arrays(*args, **kw))
    folder = served.root / served.generation
    description = json.loads((folder / TABLE_FILE).read_text())
    if damage == "no table":
        (folder / TABLE_FILE).unlink()
    elif damage == "other least length":
        description["min_postings"] = 99
    elif damage == "fewer fields":
        del description["fields"]["title"]
    elif damage == "cut short":
        data = (folder / ARRAYS_FILE).read_bytes()
        (folder / ARRAYS_FILE).write_bytes(data[:-8])
    else:
        description["positions"] = {}
    if damage != "no table":
        (folder / TABLE_FILE).write_text(json.dumps(description))
    with writer_lock(served.root):
        write_generation(more_documents(5, "new", 4), served.root, base=served.generation)
    fresh = SearchIndex(served.root)
    searcher = fresh.searcher()
    updated = fresh.root / fresh.generation
    assert {name: (updated / name).read_bytes() for name in (ARRAYS_FILE, POSITIONS_FILE, TABLE_FILE)} == \
        arrays_read_back(updated, searcher, served.root.parent / f"read-back-{damage.replace(' ', '-')}")
    assert read_back


def test_postings_the_arrays_cannot_read_leave_the_generation_without_the_files(tmp_path, monkeypatch):
    def unreadable(matcher, values=False):
        raise postings_file.Unreadable("postings of another layout")

    monkeypatch.setattr(postings_file, "read_postings", unreadable)
    build_index(documents(100), tmp_path)
    index = SearchIndex(tmp_path)
    index.searcher()
    folder = tmp_path / index.generation
    assert not (folder / ARRAYS_FILE).exists() and not (folder / TABLE_FILE).exists()
    assert not list(folder.glob("*.tmp"))
    assert index.search(SearchRequest('"lazy dog" fox')).total > 0


# ------------------------------------------------------------------ lists kept by the parts of a parallel build


def arrays_read_back(folder, searcher, out) -> dict[str, bytes]:
    """The files write_arrays writes into `out` from the index in folder, by name."""
    out.mkdir()
    write_arrays(out, searcher, (RANK_FIELD, "title"), positions=(RANK_FIELD,))
    return {name: (out / name).read_bytes() for name in (ARRAYS_FILE, POSITIONS_FILE, TABLE_FILE)}


def build_in_parts(root, parts) -> SearchIndex:
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool, writer_lock(root):
        write_generation_in_parts(parts, root, pool)
    index = SearchIndex(root)
    index.searcher()
    return index


@pytest.mark.parametrize("spilled", ["none", "one", "all"])
def test_the_parts_lists_make_the_files_the_index_reads_back(tmp_path, monkeypatch, spilled):
    """Each part of a parallel build keeps the posting lists its writer sorted and the
    files are written from them: byte for byte what reading the finished index gives,
    accents, long documents and all. A part whose writer spilled runs to disk (the first,
    with its long document, or every one) leaves the files to be read back, and no part's
    lists behind."""
    monkeypatch.setattr(postings_file, "MIN_POSTINGS", 5)
    monkeypatch.setattr(indexer, "WRITER_MEMORY_MB", {"none": 128, "one": 1, "all": 0.01}[spilled])
    read_back = []
    monkeypatch.setattr(indexer, "write_arrays", lambda *args, **kw: read_back.append(1) or write_arrays(*args, **kw))
    docs = documents(240, seed=5)
    for n, d in enumerate(docs):  # words in as many documents as make a long list, and one fewer
        d.text += f" tag{n % 48} mark{n % 60}"
    for d in docs[7:14]:
        d.text += " naïve école Mérida"
    docs[7].text += " fox" * 70_000 + " naïve"  # positions past 65,535
    docs[20] = Document(id=document_id("notitle"), source="notitle", title=None, text="harbour fox the")
    index = build_in_parts(tmp_path / "index", [docs[:100], [], docs[100:170], docs[170:]])
    folder = index.root / index.generation
    written = {name: (folder / name).read_bytes() for name in (ARRAYS_FILE, POSITIONS_FILE, TABLE_FILE)}
    assert written == arrays_read_back(folder, index.searcher(), tmp_path / "read-back")
    table = json.loads(written[TABLE_FILE])
    naive = terms("naïve")[0]  # folded and stemmed
    assert naive in table["fields"][RANK_FIELD] and table["positions"][RANK_FIELD][naive][3] == 4
    assert len(table["segments"]) == 3  # the empty part has no segment
    assert bool(read_back) == (spilled != "none")
    assert not list(folder.glob(".postings-part-*"))
    assert {hit.id for hit in index.search(SearchRequest('"naïve école"')).hits} == {d.id for d in docs[7:14]}
