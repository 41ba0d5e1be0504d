"""The stored documents a generation keeps for the queries that read them again."""
import gc
import weakref

from search_service import stored_documents as stored
from search_service.analysis import content, terms
from search_service.cleaning import document_id
from search_service.indexer import build_index, open_index
from search_service.models import Document
from search_service.ranking import feedback_terms
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
    found = documents.feedback_terms(0)
    assert found == expected
    assert dict(zip(found.words, found.counts))["glacier"] == 2
    assert "the" not in found.words and "2019" not in found.words
    assert documents.feedback_terms(0) is found


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
