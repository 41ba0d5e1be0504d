"""The stored documents a generation keeps for the queries that read them again."""
import gc
import weakref

from whoosh import index as whoosh_index

from search_service import ranking
from search_service import stored_documents as stored
from search_service.analysis import content, terms
from search_service.cleaning import document_id
from search_service.indexer import build_index, current_generation, open_index
from search_service.models import Document, SearchRequest
from search_service.ranking import feedback_terms
from search_service.search import SearchIndex
from search_service.stored_documents import stored_documents


def searcher_of(root, texts: list[str]):
    build_index([Document(id=document_id(str(i)), source=f"{i}.txt", title=f"Page {i}", text=t)
                 for i, t in enumerate(texts)], root)
    return open_index(root)[1].searcher()


def test_a_document_is_read_once_and_its_feedback_terms_are_those_of_its_words(tmp_path):
    searcher = searcher_of(tmp_path, ["The glacier melts and the glacier retreats, 2019.", "Markets fell."])
    documents = stored_documents(searcher)
    first = documents.fields(0)
    assert first["text"] == "The glacier melts and the glacier retreats, 2019."
    assert documents.fields(0) is first  # kept, not read and decompressed again
    expected = feedback_terms(terms(content("Page 0", first["text"])))
    found = documents.feedback_terms(0)  # from the column ingest wrote
    assert found == expected
    assert dict(zip(found.words, found.counts))["glacier"] == 2
    assert "the" not in found.words and "2019" not in found.words
    assert documents.feedback_terms(1) == feedback_terms(terms(content("Page 1", "Markets fell.")))


def test_a_long_texts_feedback_terms_are_those_of_its_start(tmp_path, monkeypatch):
    monkeypatch.setattr(ranking, "FEEDBACK_CHARS", 40)
    text = "Glaciers retreat every summer. " * 3 + "Markets rallied and markets fell."
    documents = stored_documents(searcher_of(tmp_path, [text]))
    found = documents.feedback_terms(0)
    assert found == feedback_terms(terms(content("Page 0", text[:40])))
    assert "market" not in found.words and found.length == 2 + 5  # the title's words and the start's


def test_a_generation_without_the_column_works_the_terms_out_from_the_text(tmp_path, monkeypatch):
    searcher = searcher_of(tmp_path, ["The glacier melts and the glacier retreats, 2019."])
    with_column = stored_documents(searcher).feedback_terms(0)
    monkeypatch.setattr(stored, "FEEDBACK_FIELD", "no_such_column")  # as a generation written before it
    documents = stored.StoredDocuments(searcher)
    assert documents._column is None
    found = documents.feedback_terms(0)
    assert found == with_column
    assert documents.feedback_terms(0) is found  # kept


def test_a_document_added_without_a_column_value_has_its_terms_worked_out(tmp_path):
    searcher_of(tmp_path, ["The glacier melts."]).close()
    # A plain Whoosh writer, as other code would add one: no feedback value.
    writer = whoosh_index.open_dir(str(tmp_path / current_generation(tmp_path))).writer()
    writer.add_document(id=document_id("x"), source="x.txt", title="Page x", text="Runoff rises.",
                        content="Page x\nRunoff rises.")
    writer.commit(merge=False)
    searcher = open_index(tmp_path)[1].searcher()
    documents = stored_documents(searcher)
    assert documents.feedback_terms(1) == feedback_terms(terms(content("Page x", "Runoff rises.")))
    assert documents.feedback_terms(0) == feedback_terms(terms(content("Page 0", "The glacier melts.")))


def test_searches_rank_alike_with_the_column_and_without(tmp_path, monkeypatch):
    texts = [f"Glacier report {i}: the glacier {'melts' if i % 2 else 'grows'} while ice sheets "
             f"{'thin' if i % 3 else 'thicken'}; runoff {'rises' if i % 5 else 'falls'} in valley {i}."
             for i in range(40)]
    build_index([Document(id=document_id(str(i)), source=f"{i}.txt", title=f"Report {i}", text=t)
                 for i, t in enumerate(texts)], tmp_path)
    queries = ["glacier", "ice sheets", "runoff valley", "melts"]

    def ranked():
        index = SearchIndex(tmp_path, cache_size=0)
        try:
            return [[(h.id, h.score) for h in index.search(SearchRequest(q=q)).hits] for q in queries]
        finally:
            index.close()

    with_column = ranked()
    monkeypatch.setattr(stored, "FEEDBACK_FIELD", "no_such_column")
    assert ranked() == with_column
    assert all(with_column)


def test_the_documents_kept_stay_within_the_budget(tmp_path, monkeypatch):
    # Each document: 87 characters of text, 6 of title, 18 bytes of spans, and the overhead.
    monkeypatch.setattr(stored, "FIELDS_BUDGET", 2 * (stored.FIELDS_OVERHEAD + 120))
    searcher = searcher_of(tmp_path, [f"text {i} " + "x" * 80 for i in range(5)])
    documents = stored.StoredDocuments(searcher)
    for docnum in range(5):
        documents.fields(docnum)
    assert len(documents._fields) == 2
    assert documents.fields(4)["text"].startswith("text 4")


def test_the_documents_go_with_their_searcher(tmp_path):
    searcher = searcher_of(tmp_path, ["One page."])
    documents = stored_documents(searcher)
    assert stored_documents(searcher) is documents
    assert documents.fields(0)["text"] == "One page."
    kept = weakref.ref(documents)
    searcher.close()
    del searcher, documents
    gc.collect()
    assert kept() is None
