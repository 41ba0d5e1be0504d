"""Stored fields read straight from the segments' files give what Whoosh's searcher gives."""
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, Schema
from whoosh.filedb.filestore import RamStorage

from search_service.cleaning import document_id
from search_service.indexer import build_index, current_generation, open_index
from search_service.models import Document
from search_service.stored_fields import StoredFieldsFile


def test_every_documents_fields_are_the_searchers(tmp_path):
    build_index([Document(id=document_id(str(i)), source=f"{i}.txt", title=f"Page {i}",
                          text=f"Text of page {i}. " * (1 + i % 7), url=f"https://example.org/{i}")
                 for i in range(60)], tmp_path)
    # A second segment from a plain Whoosh writer, with one document deleted from the first.
    writer = whoosh_index.open_dir(str(tmp_path / current_generation(tmp_path))).writer()
    writer.delete_by_term("source", "3.txt")
    writer.add_document(id=document_id("x"), source="x.txt", title="Page x", text="Added later.")
    writer.add_document(id=document_id("y"), source="y.txt")  # nothing but its id and source
    writer.commit(merge=False)
    searcher = open_index(tmp_path)[1].searcher()
    assert len(searcher.leaf_searchers()) == 2
    file = StoredFieldsFile.open(searcher)
    assert file is not None
    for docnum in range(searcher.doc_count_all()):
        assert file.fields(docnum) == searcher.stored_fields(docnum)
    assert file.fields(60)["text"] == "Added later." and "text" not in file.fields(61)


def test_a_closed_searchers_file_is_not_read(tmp_path):
    build_index([Document(id=document_id("a"), source="a.txt", title="A", text="Some text.")], tmp_path)
    searcher = open_index(tmp_path)[1].searcher()
    file = StoredFieldsFile.open(searcher)
    assert file.fields(0)["text"] == "Some text."
    searcher.close()
    with pytest.raises(ValueError):
        file.fields(0)


def test_an_index_not_in_files_is_left_to_the_searcher():
    ix = RamStorage().create_index(Schema(id=ID(stored=True), text=STORED()))
    with ix.writer() as writer:
        writer.add_document(id="a", text="In memory.")
    with ix.searcher() as searcher:
        assert StoredFieldsFile.open(searcher) is None
