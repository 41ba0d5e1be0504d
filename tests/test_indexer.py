"""The index: its analyzer, stable ids, and the atomic switch that keeps the old index serving."""
from __future__ import annotations

import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from search_service import analysis
from search_service.analysis import ANALYZER, TermSequence, content, preanalyse, terms, vocabulary_words
from search_service.cleaning import document_id
from search_service.indexer import (
    SCHEMA, CurrentPointer, IndexBusyError, build_index, collector_paused, current_generation, has_index,
    index_stats,
    open_index, write_generation, write_generation_in_parts, writer_lock,
)
from search_service.ingest import ingest
from search_service.models import Document, SearchRequest, SkippedFile
from search_service.search import SearchIndex, analyse
from search_service.vocabulary import VOCABULARY_FILE, read_counts


def doc(n: int, text: str, title: str = "") -> Document:
    return Document(id=document_id(f"d{n}.txt"), source=f"d{n}.txt", text=text, title=title or f"Doc {n}")


def test_analyzer_folds_accents_stems_and_keeps_stopwords():
    assert analyse("López Mérida Peña") == analyse("Lopez Merida Pena")
    assert analyse("the who and not") == ["the", "who", "and", "not"]
    assert analyse("running") == analyse("runs")


def test_ids_are_stable_and_derived_from_the_source():
    assert document_id("a/b.txt") == document_id("a/b.txt")
    assert document_id("a/b.txt") != document_id("a/c.txt")
    assert len(document_id("x")) == 16


def test_build_switches_generations_and_prunes_old_ones(tmp_path):
    first = build_index([doc(1, "alpha words")], tmp_path)
    assert current_generation(tmp_path) == first.generation
    second = build_index([doc(1, "beta words")], tmp_path)
    third = build_index([doc(1, "gamma words")], tmp_path)
    assert current_generation(tmp_path) == third.generation
    generations = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("gen-"))
    assert generations == sorted([second.generation, third.generation])
    assert index_stats(tmp_path)["documents"] == 1


def test_failed_build_leaves_the_previous_index_serving(tmp_path):
    build_index([doc(1, "the original text")], tmp_path)
    before = current_generation(tmp_path)
    reader = SearchIndex(tmp_path)
    assert reader.search(SearchRequest("original")).total == 1

    def failing():
        yield doc(2, "half written")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        build_index(failing(), tmp_path)
    assert current_generation(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("gen-")] == [before]
    assert reader.search(SearchRequest("original")).total == 1
    assert reader.search(SearchRequest("half")).total == 0


def test_readers_pick_up_a_new_generation(tmp_path):
    build_index([doc(1, "old content here")], tmp_path)
    reader = SearchIndex(tmp_path)
    assert reader.search(SearchRequest("old")).total == 1
    build_index([doc(1, "new content here")], tmp_path)
    assert reader.search(SearchRequest("old")).total == 0
    assert reader.search(SearchRequest("new")).total == 1


def test_the_current_pointer_follows_a_switch_and_an_edit_in_place(tmp_path):
    pointer = CurrentPointer(tmp_path)
    assert pointer.generation() is None  # no index yet
    build_index([doc(1, "first")], tmp_path)
    first = pointer.generation()
    assert first == current_generation(tmp_path)
    build_index([doc(1, "second")], tmp_path)  # switched by an atomic rename
    second = pointer.generation()
    assert second != first and second == current_generation(tmp_path)
    # An operator pointing CURRENT back by hand, writing the file in place (same inode).
    with open(tmp_path / "CURRENT", "r+") as f:
        f.write(first)
        f.truncate()
    assert pointer.generation() == first
    (tmp_path / "CURRENT").unlink()
    assert pointer.generation() is None


def test_a_reader_reads_the_index_files_rather_than_mapping_them(tmp_path):
    """Mapped, every index page a worker touched counted in its resident memory; read, the
    pages stay in the page cache the workers share."""
    build_index([doc(n, f"mapped or read {n}") for n in range(50)], tmp_path)
    reader = SearchIndex(tmp_path)
    assert reader.search(SearchRequest("mapped read")).total == 50
    maps = Path("/proc/self/maps").read_text()
    assert str(tmp_path / reader.generation) not in maps


def test_one_writer_at_a_time(tmp_path):
    with writer_lock(tmp_path):
        with pytest.raises(IndexBusyError):
            build_index([doc(1, "x")], tmp_path)
    assert not has_index(tmp_path)
    build_index([doc(1, "x")], tmp_path)  # the lock is free again
    assert has_index(tmp_path)


def test_ingest_reports_pages_skips_and_documents(tmp_path, corpus_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for page in corpus_dir.iterdir():
        (corpus / page.name).write_bytes(page.read_bytes())
    (corpus / "empty.txt").write_text("")
    (corpus / "junk.html").write_bytes(b"\x00\x01\x02" * 100)
    (corpus / "chrome.txt").write_text("Share\n\nFacebook Twitter\n")
    summary = ingest(corpus, tmp_path / "index")
    assert summary.files == 8
    assert summary.pages_read == 6
    assert summary.documents == 5
    assert dict(summary.skipped_by_reason()) == {"empty": 1, "undecodable": 1, "no main text found": 1}


# ------------------------------------------------------------------ the vocabulary file


def served_words(root):
    return read_counts(root / current_generation(root))


def test_vocabulary_words_are_the_analyzers_unstemmed_words():
    text = "López's U.S. troops RUNNING through the Straße, naïve x86 2024 ÉCOLE forces force"
    expected = {t.text for t in ANALYZER(text, no_morph=True) if t.text.isalpha()}
    assert vocabulary_words(text) == expected
    assert {"lopez", "running", "naive", "ecole", "forces", "force"} <= expected
    assert not {"x86", "2024", "u.s"} & expected


def test_build_writes_document_counts_instead_of_a_spelling_field(tmp_path):
    build_index([doc(1, "Red fox, red fox.", "Foxes"), doc(2, "A red barn.", "Barn")], tmp_path)
    assert "spell_content" not in SCHEMA.names()
    # A document counts once per word, however often it uses it, in title and text.
    assert served_words(tmp_path) == {"foxes": 1, "red": 2, "fox": 1, "barn": 1, "a": 1}


def test_incremental_build_counts_from_its_base_less_what_it_drops(tmp_path):
    build_index([doc(1, "alpha beta"), doc(2, "beta gamma"), doc(3, "gamma delta")], tmp_path)
    base = current_generation(tmp_path)
    (tmp_path / base / VOCABULARY_FILE).unlink()  # a base from before vocabulary files is counted
    with writer_lock(tmp_path):
        write_generation([doc(2, "beta epsilon")], tmp_path, base=base, delete_sources=["d2.txt", "d3.txt"])
    assert served_words(tmp_path) == {"doc": 2, "alpha": 1, "beta": 2, "epsilon": 1}
    assert read_counts(tmp_path / base) is None  # the base is never written to


def test_an_incremental_build_links_the_files_never_written_in_place_and_leaves_its_base_as_it_was(tmp_path):
    """Segments and postings arrays are shared with the base by hard links (no copy of the
    index); nothing of the base changes, however the new generation is written."""
    build_index([doc(n, f"alpha beta word{n % 3}") for n in range(40)], tmp_path)
    base = tmp_path / current_generation(tmp_path)
    before = {p.name: p.read_bytes() for p in base.iterdir() if p.is_file()}
    with writer_lock(tmp_path):
        write_generation([doc(99, "alpha gamma")], tmp_path, base=base.name, delete_sources=["d3.txt"])
    new = tmp_path / current_generation(tmp_path)
    assert {p.name: p.read_bytes() for p in base.iterdir() if p.is_file()} == before
    linked = {p.name for p in new.iterdir() if (base / p.name).exists() and p.samefile(base / p.name)}
    assert linked and all(name.endswith((".seg", ".bin")) for name in linked)
    assert any(name.endswith(".seg") for name in linked)
    index = SearchIndex(tmp_path)
    assert index.search(SearchRequest("gamma")).total == 1 and index.search(SearchRequest("alpha")).total == 40


def test_the_vocabulary_is_in_the_generation_before_it_is_switched_in(tmp_path):
    present = []
    with writer_lock(tmp_path):
        write_generation([doc(1, "words")], tmp_path,
                         before_switch=lambda folder: present.append((folder / VOCABULARY_FILE).is_file()))
    assert present == [True]
    assert not [p for p in (tmp_path / current_generation(tmp_path)).iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------------ parts written at once


@pytest.fixture
def pool():
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as executor:
        yield executor


def test_parts_are_written_at_once_as_one_index_in_their_order(tmp_path, pool):
    docs = [doc(n, f"story {n} of the harbour strike" + " and more" * n) for n in range(450)]
    parts = [docs[:200], [*docs[200:300], SkippedFile("gone.txt", "no main text found")], docs[300:]]
    seen: list[int] = []
    with writer_lock(tmp_path):
        report = write_generation_in_parts(parts, tmp_path, pool, progress=seen.append)
    assert (report.documents, report.total) == (450, 450)
    assert report.skipped == [SkippedFile("gone.txt", "no main text found")]
    assert seen == sorted(seen) and seen[-1] == 450
    _, ix = open_index(tmp_path)
    assert len(ix._segments()) == 3
    with ix.searcher() as searcher:
        assert [fields["id"] for fields in searcher.all_stored_fields()] == [d.id for d in docs]
    assert index_contents(ix) == index_contents(reference_index(docs, tmp_path / "reference"))
    assert not list((tmp_path / report.generation).glob(".written-*"))  # progress counts removed
    assert SearchIndex(tmp_path).search(SearchRequest('"story 321"')).hits[0].id == docs[321].id


class FailingPart:
    """A part whose reading fails after a few documents, as a full disk would."""

    def __iter__(self):
        yield doc(1000, "written before the failure")
        raise OSError(28, "No space left on device")


def test_a_failed_part_leaves_the_previous_index_serving(tmp_path, pool):
    build_index([doc(1, "the original text")], tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with writer_lock(tmp_path), pytest.raises(OSError, match="No space left"):
        write_generation_in_parts([[doc(2, "a fine part")] * 300, FailingPart()], tmp_path, pool)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no half-written generation
    assert SearchIndex(tmp_path).search(SearchRequest("original")).total == 1


@dataclass
class CollectorWatch:
    """A part that notes in a file whether the collector was on while it was read."""

    note: Path

    def __iter__(self):
        with open(self.note, "a") as handle:
            handle.write(f"{gc.isenabled()}\n")
        yield doc(1, "the harbour strike")


def test_the_collector_is_off_only_while_a_segment_is_written(tmp_path, pool):
    """Writing pauses Python's cyclic collector (the writer's postings make its passes slow)
    and gives it back as it was, also when the writing fails."""
    note = tmp_path / "collector"
    index = tmp_path / "ix"
    assert gc.isenabled()
    build_index(CollectorWatch(note), index)
    with writer_lock(index):
        write_generation_in_parts([CollectorWatch(note)], index, pool)
    assert note.read_text().split() == ["False", "False"]
    assert gc.isenabled()
    with pytest.raises(OSError), writer_lock(index):
        write_generation(FailingPart(), index)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # not turned on where it was off
    finally:
        gc.enable()


# ------------------------------------------------------------------ analysis ahead of the writer

TRICKY = [
    "López Mérida PEÑA peña Straße naïve ÉCOLE école",  # case, accents, ß
    "running runs runner ran; forces force forced",  # stems, several words to one stem
    "the the the who the who, U.S. troops at the U.S.-Mexico border",  # repeats, dotted abbreviations
    "x86 2024 3.141 under_score e.g. a.b.c. ..dots.. tail.",  # digits, underscores, dots
    "日本語のテキスト Ελληνικά ﬁnance ａｂｃ",  # other scripts, ligatures, full-width letters
    "",
]


def reference_index(docs, folder):
    """The docs indexed the plain Whoosh way: each text field analysed by the writer, as
    indexer.py did before it took analysed values (the text's spans stored as given: see
    tests/test_token_spans.py for what they hold)."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    with ix.writer() as writer:
        for d in docs:
            writer.add_document(id=d.id, source=d.source, url=d.url, site=d.site, title=d.title, author=d.author,
                                published=d.published, lang=d.lang, text=d.text, content=content(d.title, d.text),
                                spans=preanalyse(d).spans)
    return ix


def index_contents(ix) -> dict:
    """Everything the writer derives from the text fields: terms, postings with positions and
    weights, field lengths, stored fields."""
    with ix.reader() as reader:
        postings = {(field, term): [(m.id(), m.weight(), tuple(m.value_as("positions"))) for m in _each(
            reader.postings(field, term))] for field, term in reader.all_terms() if field in ("title", "author", "content")}
        # No length is 0: a segment where no document has the field reads None instead.
        lengths = {field: [reader.doc_field_length(n, field) or 0 for n in range(reader.doc_count_all())]
                   for field in ("title", "author", "content")}
        return {"postings": postings, "lengths": lengths, "stored": list(reader.all_stored_fields())}


def _each(matcher):
    while matcher.is_active():
        yield matcher
        matcher.next()


def scores(ix, queries: list[str]) -> list[list[tuple[int, float]]]:
    parser = QueryParser("content", SCHEMA)
    with ix.searcher() as searcher:
        return [[(hit.docnum, hit.score) for hit in searcher.search(parser.parse(q), limit=None)] for q in queries]


@pytest.mark.parametrize("text", TRICKY)
def test_a_term_sequence_is_indexed_as_its_text(text):
    field = SCHEMA["content"]
    assert sorted(field.index(TermSequence(terms(text)))) == sorted(field.index(text))
    assert sorted(field.index(TermSequence(terms(text * 3)))) == sorted(field.index(text * 3))


@pytest.mark.parametrize("text", TRICKY)
def test_terms_are_the_analyzers_terms_in_order(text):
    assert terms(text) == [token.text for token in ANALYZER(text)]


def test_the_cache_of_terms_is_emptied_at_its_bound_and_stays_right(monkeypatch):
    """The terms and the vocabulary words kept with them, emptied together at their bound."""
    monkeypatch.setattr(analysis, "_TERMS", {})
    monkeypatch.setattr(analysis, "_WORDS", {})
    monkeypatch.setattr(analysis, "TERMS_KEPT", 8)
    text = " ".join(TRICKY)
    words = {t.text for t in ANALYZER(text, no_morph=True) if t.text.isalpha()}
    for _ in range(2):  # the second time from the cache, what is left of it
        assert terms(text) == [token.text for token in ANALYZER(text)]
        assert preanalyse(Document("0" * 16, "t.txt", text, title=None)).words == vocabulary_words(text) == words
        assert len(analysis._TERMS) <= 8 and analysis._WORDS.keys() == analysis._TERMS.keys()


def tricky_docs() -> list:
    docs = [doc(n, text, title) for n, (text, title) in enumerate(zip(TRICKY, reversed(TRICKY)))]
    docs[1].author, docs[2].author = "Ana López", ""  # an author, an empty one, and none
    docs[3].title = ""
    return docs


def test_preanalysed_documents_make_the_index_whoosh_makes(tmp_path):
    docs = tricky_docs()
    reference = reference_index(docs, tmp_path / "reference")
    build_index([preanalyse(d) for d in docs], tmp_path / "pre")
    build_index(docs, tmp_path / "plain")  # Documents not analysed: the writer analyses them
    expected = index_contents(reference)
    assert ("content", b"lopez") in expected["postings"] and ("author", b"lopez") in expected["postings"]
    queries = ["lopez", "running", '"the who"', "u.s", "title:forces", "author:lopez", "ﬁnance OR 日本語のテキスト"]
    for root in (tmp_path / "pre", tmp_path / "plain"):
        _, ix = open_index(root)
        assert index_contents(ix) == expected
        assert scores(ix, queries) == scores(reference, queries)
    assert all(scores(reference, queries[:5]))  # the queries find something to compare


def test_preanalysed_words_are_the_vocabulary_words(tmp_path):
    for d in tricky_docs():
        assert preanalyse(d).words == vocabulary_words(content(d.title, d.text))


def test_the_same_vocabulary_is_written_as_the_same_bytes(tmp_path):
    from search_service.vocabulary import write_vocabulary

    (tmp_path / "a").mkdir()
    write_vocabulary(tmp_path / "a", {"glacier": 2, "moraine": 1})
    data = (tmp_path / "a" / VOCABULARY_FILE).read_bytes()
    assert data[3] & 0x08 == 0  # gzip's FNAME flag: no (temporary, per-process) file name inside
    assert data[4:8] == b"\0\0\0\0"  # and no time


def test_each_tokens_term_is_the_analyzers_across_scripts_and_cases(corpus_dir, monkeypatch):
    """_term runs ANALYZER's filters on a token without ANALYZER: the same term for every
    token of the sample corpus and of words in other scripts, cases and accents."""
    text = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus_dir.iterdir()))
    text += " İstanbul STRASSE Straße ﬁnance K ſtory Ǆemal ÉCOLE naïveté Ωmega 東京 x86 U.S. 3.14 running"
    tokens = set(analysis._TOKEN.findall(text))
    monkeypatch.setattr(analysis, "_TERMS", {})  # each term worked out, none remembered
    assert len(tokens) > 2_000
    for token in tokens:
        assert analysis._term(token) == next(ANALYZER(token)).text, token
