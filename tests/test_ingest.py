"""Ingest end to end: every corpus format gives the same documents; bad input is skipped, not fatal."""
from __future__ import annotations

import gzip
import io
import json
import random
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from search_service.indexer import current_generation, open_index
from search_service import ingest as ingest_module
from search_service import sources
from search_service.cli import format_summary
from search_service.ingest import fingerprint, ingest
from search_service.models import Document, RawPage, SearchRequest
from search_service.search import SearchIndex
from search_service.token_spans import decode
from search_service.vocabulary import read_counts

from .test_indexer import index_contents, reference_index

FIELDS = ("title", "author", "published", "site", "text")


def documents(index_dir: Path) -> dict[str, dict]:
    """Every stored document of an index, keyed by title."""
    searcher = SearchIndex(index_dir).searcher()
    return {d["title"]: {k: d.get(k) for k in FIELDS + ("url", "source")} for d in searcher.documents()}


def served_words(index_dir: Path) -> dict[str, int]:
    """The vocabulary file of the served generation: word → documents using it."""
    return read_counts(index_dir / current_generation(index_dir))


def seed_url(path: Path) -> str:
    return f"https://news.example.org/{path.stem}"


def write_warc(path: Path, pages: list[tuple[str, bytes, str]], gz: bool = True) -> None:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gz)
        for url, body, content_type in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))


@pytest.fixture(scope="module")
def folder_docs(corpus_dir, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("folder")
    ingest(corpus_dir, index_dir, workers=1)
    return documents(index_dir)


def test_jsonl_of_the_sample_corpus_gives_the_same_documents(corpus_dir, tmp_path, folder_docs):
    seeds = sorted(corpus_dir.glob("*.txt"))
    with gzip.open(tmp_path / "pages.jsonl.gz", "wt") as out:
        for path in seeds:
            out.write(json.dumps({"url": seed_url(path), "text": path.read_text()}) + "\n")
    ingest(tmp_path / "pages.jsonl.gz", tmp_path / "index")
    docs = documents(tmp_path / "index")
    assert docs.keys() == folder_docs.keys()
    for title, doc in docs.items():
        assert {k: doc[k] for k in ("title", "author", "published", "text")} == \
               {k: folder_docs[title][k] for k in ("title", "author", "published", "text")}
        assert doc["url"].startswith("https://news.example.org/")
        assert doc["site"] == "news.example.org"


def test_warc_of_the_sample_corpus_gives_the_same_documents(corpus_dir, tmp_path, folder_docs):
    seeds = sorted(corpus_dir.glob("*.txt"))
    write_warc(tmp_path / "crawl.warc.gz",
               [(seed_url(p), p.read_bytes(), "text/plain; charset=utf-8") for p in seeds])
    summary = ingest(tmp_path / "crawl.warc.gz", tmp_path / "index")
    assert summary.documents == 5
    docs = documents(tmp_path / "index")
    assert docs.keys() == folder_docs.keys()
    for title, doc in docs.items():
        assert doc["text"] == folder_docs[title]["text"]
        assert doc["url"] == seed_url(Path(doc["url"]))


def test_warc_html_records_with_http_charset_and_non_pages(tmp_path):
    html = "<html><head><title>Ünïcode test</title></head><body><article><p>Señor Peña visited Mérida " \
           "on Monday, and the visit went well by every account that was given.</p></article></body></html>"
    write_warc(tmp_path / "a.warc", [
        ("https://example.org/p", html.encode("latin-1"), "text/html; charset=iso-8859-1"),
        ("https://example.org/logo.png", b"\x89PNG....", "image/png"),
    ], gz=False)
    summary = ingest(tmp_path / "a.warc", tmp_path / "index")
    assert summary.documents == 1
    assert [s.reason for s in summary.skipped] == ["unsupported content type (image/png)"]
    hit = SearchIndex(tmp_path / "index").search(SearchRequest("merida")).hits[0]
    assert hit.url == "https://example.org/p"
    assert "Peña" in SearchIndex(tmp_path / "index").document(hit.id)["text"]


def test_jsonl_text_with_title_is_taken_as_clean(tmp_path):
    (tmp_path / "p.jsonl").write_text(json.dumps(
        {"url": "https://example.org/a", "title": "Given", "text": "Share\n\nshort line",
         "author": "Ann Lee", "published": "March 3, 2024"}) + "\n")
    ingest(tmp_path / "p.jsonl", tmp_path / "index")
    (doc,) = documents(tmp_path / "index").values()
    assert doc["text"] == "Share\n\nshort line"  # nothing removed: the scraper cleaned it
    assert (doc["title"], doc["author"], doc["published"]) == ("Given", "Ann Lee", "2024-03-03")


def test_duplicates_are_indexed_once_and_reported(tmp_path, corpus_dir):
    article = (corpus_dir / "001_1b3a628496110bf1.txt").read_text()
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text(article)
    (tmp_path / "c" / "b.txt").write_text(article)  # scraped twice
    (tmp_path / "c" / "c.txt").write_text(article.replace("Tensions rose last week", "Tensions rose sharply last week"))
    summary = ingest(tmp_path / "c", tmp_path / "index")
    assert summary.documents == 1
    assert sorted(summary.duplicates) == [("b.txt", "a.txt"), ("c.txt", "a.txt")]


def test_cleaning_in_processes_gives_what_one_process_gives(corpus_dir, tmp_path, folder_docs):
    ingest(corpus_dir, tmp_path, workers=2)
    assert documents(tmp_path) == folder_docs


def test_a_full_ingest_in_processes_leaves_no_spool_behind(corpus_dir, tmp_path, folder_docs):
    """Each process writes its share of the documents as a segment; the spool they read from
    goes when the ingest ends, and one a killed ingest left goes with the next ingest."""
    index = tmp_path / "index"
    index.mkdir()
    (index / ".spool-abandoned").write_bytes(b"\x80" * 100)
    stages: list[tuple[str, int, int]] = []
    summary = ingest(corpus_dir, index, workers=2, progress=lambda *shown: stages.append(shown))
    assert not list(index.glob(".spool-*"))
    assert documents(index) == folder_docs
    assert ("indexing", summary.documents, summary.documents) in stages


def test_documents_analysed_in_processes_make_the_index_whoosh_makes(corpus_dir, tmp_path):
    """The pool analyses documents after their site's repeated paragraphs are stripped."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for page in corpus_dir.iterdir():
        (corpus / page.name).write_bytes(page.read_bytes())
    with open(corpus / "site.jsonl", "w") as out:
        words = "López Mérida running runs forces forced the who U.S. border troops naïve école x86 2024".split()
        for n in range(150):  # more than a batch of documents, each with the slogan that gets stripped
            story = " ".join(random.Random(n).choices(words, k=40))
            text = f"{story}.\n\nRead our sloganeering newsletter"
            out.write(json.dumps({"url": f"https://site.example/{n}", "title": f"Naïve story {n}", "text": text}) + "\n")
    ingest(corpus, tmp_path / "index", workers=2)
    _, ix = open_index(tmp_path / "index")
    with ix.searcher() as searcher:
        stored = list(searcher.all_stored_fields())
    assert len(stored) == 155 and not any("sloganeering" in fields["text"] for fields in stored)
    # Text, not postings; and the text's spans for snippets.
    assert {type(value) for fields in stored for name, value in fields.items() if name != "spans"} == {str}
    # Spans of the text as stored, after the stripping: they end where it ends.
    assert all(decode(fields["spans"]).starts[-1] == len(fields["text"]) for fields in stored)
    docs = [Document(**{name: fields.get(name) for name in Document.__dataclass_fields__}) for fields in stored]
    assert index_contents(ix) == index_contents(reference_index(docs, tmp_path / "reference"))


# ------------------------------------------------------------------ bad input


ARTICLE_HTML = ("<html><body><article><h1>Fine page</h1>" + "<p>This paragraph of the fine page is long "
                "enough to be the article, and it ends with a full stop.</p>" * 3 + "</article></body></html>")


@pytest.fixture
def bad_corpus(tmp_path) -> Path:
    corpus = tmp_path / "bad"
    corpus.mkdir()
    (corpus / "fine.html").write_text(ARTICLE_HTML)
    (corpus / "binary.html").write_bytes(bytes(range(256)) * 64)
    (corpus / "truncated.html").write_text(ARTICLE_HTML[: len(ARTICLE_HTML) // 2])
    (corpus / "wrong-charset.html").write_bytes(
        ('<meta charset="utf-8"><article><p>Café in Mérida, said the owner of the café, who has run '
         'it for twenty years and plans to keep going.</p></article>').encode("cp1252"))
    (corpus / "huge.html").write_bytes(b"<p>" + b"word " * (50 * 1024 * 1024 // 5) + b"</p>")
    (corpus / "deep.html").write_text("<div>" * 10_000 + "<p>Deep text inside many divs, long enough "
                                      "to count as a sentence of the page.</p>" + "</div>" * 10_000)
    (corpus / "lines.jsonl").write_text('{"url": "https://e.org/1", "text": "A line that is fine and long enough '
                                        'to be indexed as a page of its own, really."}\n{not json\n')
    write_warc(corpus / "cut.warc.gz", [("https://e.org/w1", ARTICLE_HTML.encode(), "text/html"),
                                        ("https://e.org/w2", ARTICLE_HTML.encode(), "text/html")])
    data = (corpus / "cut.warc.gz").read_bytes()
    (corpus / "cut.warc.gz").write_bytes(data[: len(data) - 40])  # the last record is cut short
    return corpus


def test_bad_input_is_skipped_with_reasons_and_the_rest_is_indexed(bad_corpus, tmp_path):
    summary = ingest(bad_corpus, tmp_path / "index")
    reasons = {s.source: s.reason for s in summary.skipped}
    assert reasons["binary.html"].startswith("undecodable")
    assert reasons["huge.html"].startswith("too large")
    assert reasons["lines.jsonl:2"].startswith("invalid JSON")
    assert any(k.startswith("cut.warc.gz#") and v.startswith("truncated or corrupt WARC record")
               for k, v in reasons.items())
    index = SearchIndex(tmp_path / "index")
    # The truncated page and the page with a wrong charset still give their text.
    assert index.search(SearchRequest("fine page")).total >= 1
    assert index.search(SearchRequest("twenty years")).total == 1
    assert index.search(SearchRequest('"line that is fine"')).total == 1
    # The deep page is either cleaned or reported, never fatal.
    assert "deep.html" in reasons or index.search(SearchRequest("deep text")).total == 1


def test_huge_page_is_cleaned_when_the_limit_allows(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "big.txt").write_text(("A sentence that repeats to make a big page. " * 20 + "\n\n") * 2000)
    summary = ingest(corpus, tmp_path / "index", max_bytes=50 * 1024 * 1024)
    assert summary.documents == 1


def test_a_corpus_of_nothing_but_skipped_files_gives_an_empty_index_not_a_failure(tmp_path):
    """Every file skipped (here, empty): the ingest reports it, and the index answers nothing;
    a page added later is indexed, and removed again leaves an empty index (this failed in
    the arrays' file, on an index with no segment)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(b"")
    summary = ingest(corpus, tmp_path / "index")
    assert (summary.documents, summary.total_documents) == (0, 0)
    assert summary.skipped_by_reason() == {"empty": 1}
    index = SearchIndex(tmp_path / "index")
    assert index.search(SearchRequest("harbour")).total == 0
    assert index.search(SearchRequest("harbour", sort="date")).total == 0
    (corpus / "b.txt").write_text("The harbour authority approved the dredging plan on Tuesday.")
    assert ingest(corpus, tmp_path / "index").total_documents == 1
    assert SearchIndex(tmp_path / "index").search(SearchRequest("harbour")).total == 1
    (corpus / "b.txt").unlink()
    assert ingest(corpus, tmp_path / "index").total_documents == 0
    assert SearchIndex(tmp_path / "index").search(SearchRequest("harbour")).total == 0


# ------------------------------------------------------------------ incremental updates


def test_second_ingest_updates_only_what_changed(tmp_path, corpus_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for page in corpus_dir.iterdir():
        (corpus / page.name).write_bytes(page.read_bytes())
    first = ingest(corpus, tmp_path / "index")
    assert not first.incremental and first.documents == 5

    (corpus / "000_e9e9c30c44cf0606.txt").unlink()
    changed = corpus / "004_25d6b86e60019d39.txt"
    changed.write_text(changed.read_text().replace("Welcome mat for US security",
                                                   "Welcome mat for the zeppelin fleet"))
    (corpus / "new.md").write_text("# A new page\n\nThe harbour authority approved the dredging plan "
                                   "on Tuesday, after a year of public hearings and two lawsuits.\n")
    second = ingest(corpus, tmp_path / "index")
    assert second.incremental
    assert (second.added, second.changed, second.removed, second.unchanged) == (1, 1, 1, 3)
    assert second.documents == 2  # only the new and the changed page were cleaned and written
    assert second.total_documents == 5

    index = SearchIndex(tmp_path / "index")
    def phrase_found(phrase: str) -> bool:  # a phrase no page has falls back to its words, and says so
        return not any("no page has the exact phrase" in n for n in index.search(SearchRequest(phrase)).notes)

    assert not phrase_found('"special forces"')  # its page was removed
    assert index.search(SearchRequest("zeppelin")).total == 1
    assert not phrase_found('"welcome mat for us security"') and phrase_found('"welcome mat for the zeppelin"')
    assert index.search(SearchRequest("dredging")).total == 1
    assert index.search(SearchRequest("lopez obrador")).total == 4

    third = ingest(corpus, tmp_path / "index")
    assert (third.added, third.changed, third.removed, third.unchanged, third.documents) == (0, 0, 0, 5, 0)
    assert documents(tmp_path / "index") == documents_of_full_rebuild(corpus, tmp_path / "full")
    assert served_words(tmp_path / "index") == served_words(tmp_path / "full")


def test_an_index_whose_terms_another_stemmer_made_is_rebuilt_in_full(tmp_path, corpus_dir):
    """Its terms would not be the queries' (nor the new pages'): the next ingest is a full one."""
    import pickle

    first = ingest(corpus_dir, tmp_path / "index")
    state_file = tmp_path / "index" / current_generation(tmp_path / "index") / ingest_module.STATE_FILE
    state = pickle.loads(state_file.read_bytes())
    assert any(part.startswith("stemmer:") for part in state.schema)
    state.schema = tuple(part for part in state.schema if not part.startswith("stemmer:")) + ("stemmer:another",)
    state_file.write_bytes(pickle.dumps(state))
    second = ingest(corpus_dir, tmp_path / "index")
    assert not second.incremental and second.documents == first.documents == 5
    assert ingest(corpus_dir, tmp_path / "index").incremental  # and the one after is incremental again


def documents_of_full_rebuild(corpus: Path, index_dir: Path) -> dict[str, dict]:
    ingest(corpus, index_dir, full=True)
    return {title: doc for title, doc in documents(index_dir).items()}


def test_a_file_whose_bytes_are_as_before_is_not_read_again(tmp_path, monkeypatch):
    """An incremental ingest takes a file whose bytes hash as the last incremental ingest's
    did as holding the same pages (unchanged) and skips (reported again), without reading it;
    a file changed in any byte, or read with another limit, is read."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [{"id": f"r{n}", "title": f"Story {n}", "text": f"The harbour pilots met on day {n} to talk about tides."}
               for n in range(3)] + [{"id": "empty", "url": "https://x.example/"}]
    crawl = corpus / "crawl.jsonl"
    crawl.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (corpus / "a.txt").write_text("Dredging the river mouth begins in spring, the port authority said.\n")
    read = []
    reader = ingest_module.read_file
    monkeypatch.setattr(ingest_module, "read_file", lambda root, path, *a: read.append(path.name) or reader(root, path, *a))

    ingest(corpus, tmp_path / "index")
    ingest(corpus, tmp_path / "index")  # incremental: reads every file, and keeps what each held
    (corpus / "b.txt").write_text("The wheat harvest was late this year in the northern plains.\n")
    read.clear()
    summary = ingest(corpus, tmp_path / "index")
    assert read == ["b.txt"]
    assert (summary.added, summary.changed, summary.removed, summary.unchanged) == (1, 0, 0, 4)
    assert summary.files_as_before == 2
    assert "4 unchanged (2 files as before, not read again)" in format_summary(summary, "index")
    assert summary.pages_read == 5 and [s.source for s in summary.skipped] == ["crawl.jsonl:4"]
    index = SearchIndex(tmp_path / "index")
    assert index.search(SearchRequest("harbour pilots")).total == 3 and index.search(SearchRequest("wheat")).total == 1

    crawl.write_text(crawl.read_text().replace("day 1 ", "day 7 "))  # the same length, other bytes
    read.clear()
    summary = ingest(corpus, tmp_path / "index")
    assert read == ["crawl.jsonl"] and (summary.changed, summary.unchanged) == (1, 4)
    read.clear()
    ingest(corpus, tmp_path / "index", max_bytes=10_000)  # another limit: what is skipped may differ
    assert sorted(read) == ["a.txt", "b.txt", "crawl.jsonl"]


def test_a_file_that_failed_to_be_read_is_read_again_next_time(tmp_path, monkeypatch):
    """A read that failed (an I/O error of the moment) is not remembered with the file's hash:
    the next ingest reads the file again, and indexes it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The harbour pilots met to talk about the tides of the estuary.\n")
    (corpus / "b.txt").write_text("The wheat harvest was late this year in the northern plains.\n")
    ingest(corpus, tmp_path / "index")
    ingest(corpus, tmp_path / "index")  # remembers both files' hashes
    (corpus / "b.txt").write_text("The wheat harvest was early this year in the northern plains.\n")
    read_page = sources._read_page

    def failing(path, *args):
        if path.name == "b.txt":
            raise OSError(5, "Input/output error")
        return read_page(path, *args)

    monkeypatch.setattr(sources, "_read_page", failing)
    summary = ingest(corpus, tmp_path / "index")
    assert [s.reason for s in summary.skipped] == ["unreadable (Input/output error)"] and summary.removed == 1
    monkeypatch.setattr(sources, "_read_page", read_page)
    summary = ingest(corpus, tmp_path / "index")
    assert (summary.added, summary.unchanged, summary.skipped) == (1, 1, [])
    assert SearchIndex(tmp_path / "index").search(SearchRequest("early wheat")).total == 1


def test_fingerprints_stay_those_that_earlier_ingests_kept():
    """The ingest state keeps each page's fingerprint: worked out another way, every page of
    an index would look changed to its next incremental ingest (and be cleaned again)."""
    page = RawPage(source="a.txt", body=b"", text="Caf\u00e9 \ud800 text", content_type="clean",
                   url="https://x.example/a", title="T", author=None, published="2020-01-02")
    assert fingerprint(page) == "68bf25bf83da3ddc755fd417c40539b9"
    assert fingerprint(RawPage(source="b.html", body=b"<p>x", text="<p>x</p>", content_type="html")) == \
        "050d3b7359da63a9a0970fe826400ffb"


def test_incremental_ingest_keeps_the_vocabulary_counts(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pages = {
        "a.md": "# Harbour news\n\nThe harbour authority approved the dredging plan on Tuesday.\n",
        "b.md": "# Zeppelin fleet\n\nThe zeppelin fleet returned to the harbour after a long voyage.\n",
        "c.md": "# Orchard report\n\nApple growers expect a record orchard harvest this autumn.\n",
    }
    for name, text in pages.items():
        (corpus / name).write_text(text)
    ingest(corpus, tmp_path / "index")
    words = served_words(tmp_path / "index")
    assert (words["harbour"], words["zeppelin"], words["orchard"], words["the"]) == (2, 1, 1, 2)

    (corpus / "c.md").unlink()
    (corpus / "b.md").write_text(pages["b.md"].replace("Zeppelin", "Airship").replace("zeppelin", "airship"))
    (corpus / "d.md").write_text("# Harbour dues\n\nThe harbour board raised the mooring dues for the winter.\n")
    summary = ingest(corpus, tmp_path / "index")
    assert summary.incremental and (summary.added, summary.changed, summary.removed) == (1, 1, 1)
    words = served_words(tmp_path / "index")
    assert (words["harbour"], words["airship"], words["the"], words["dues"]) == (3, 1, 3, 1)
    assert not {"zeppelin", "orchard", "apple"} & set(words)
    ingest(corpus, tmp_path / "full", full=True)
    assert words == served_words(tmp_path / "full")


def test_a_page_changed_back_is_not_a_duplicate_of_its_old_self(tmp_path, corpus_dir):
    corpus = tmp_path / "c"
    corpus.mkdir()
    page = corpus / "a.txt"
    original = (corpus_dir / "001_1b3a628496110bf1.txt").read_text()
    page.write_text(original)
    ingest(corpus, tmp_path / "index")
    page.write_text(original.replace("Tensions rose last week", "Tensions rose sharply last week"))
    summary = ingest(corpus, tmp_path / "index")
    assert summary.duplicates == [] and summary.documents == 1 and summary.total_documents == 1


def test_a_record_with_a_title_and_no_text_is_a_page(tmp_path):
    (tmp_path / "briefs.jsonl").write_text(
        json.dumps({"url": "https://e.org/1", "title": "Bank of England creates more stock", "text": ""}) + "\n"
        + json.dumps({"url": "https://e.org/2", "text": ""}) + "\n")
    summary = ingest(tmp_path / "briefs.jsonl", tmp_path / "index")
    assert summary.documents == 1
    assert [s.reason for s in summary.skipped] == ["no html, text or title"]
    assert SearchIndex(tmp_path / "index").search(SearchRequest("stock")).hits[0].title == \
        "Bank of England creates more stock"
