"""Walking a corpus: what is read, how it is decoded, and what is skipped with which reason."""
from __future__ import annotations

import codecs
import json
import pytest

from search_service.decoding import decode
from search_service.models import RawPage, SkippedFile
from search_service.sources import iter_corpus


def read_all(root, **kwargs):
    items = list(iter_corpus(root, **kwargs))
    pages = {i.source: i for i in items if isinstance(i, RawPage)}
    skipped = {i.source: i.reason for i in items if isinstance(i, SkippedFile)}
    return pages, skipped


def test_walks_supported_files_recursively_in_stable_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.html").write_text("<p>hi</p>")
    (tmp_path / "b" / "c.txt").write_text("hello")
    (tmp_path / "b" / "d.md").write_text("# hi")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "e.txt").write_text("secret")
    pages, _ = read_all(tmp_path)
    assert list(pages) == ["a.html", "b/c.txt", "b/d.md"]
    assert pages["a.html"].content_type == "html"
    assert pages["b/c.txt"].content_type == "text"


def test_bad_files_are_skipped_with_reasons(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "huge.txt").write_text("word " * 3000)
    (tmp_path / "image.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "good.txt").write_text("fine")
    pages, skipped = read_all(tmp_path, max_bytes=10_000)
    assert list(pages) == ["good.txt"]
    assert skipped["empty.txt"] == "empty"
    assert skipped["binary.html"].startswith("undecodable (binary")
    assert skipped["huge.txt"].startswith("too large")
    assert skipped["image.jpg"].startswith("unsupported file type")


def test_unreadable_file_is_skipped(tmp_path):
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "good.txt").write_text("fine")
    pages, skipped = read_all(tmp_path)
    assert list(pages) == ["good.txt"]
    assert skipped["dangling.txt"].startswith("unreadable")


def test_decoding_bom_meta_charset_and_detection():
    assert decode(codecs.BOM_UTF8 + "café".encode()) == "café"
    assert decode(codecs.BOM_UTF16_LE + "café".encode("utf-16-le")) == "café"
    html = '<html><head><meta charset="windows-1252"></head><body>“Peña”</body></html>'
    assert "“Peña”" in decode(html.encode("cp1252"), is_html=True)
    http_equiv = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>Mérida</p>'
    assert "Mérida" in decode(http_equiv.encode("latin-1"), is_html=True)
    # No declaration, not UTF-8: detection decides.
    assert "Mérida" in decode("La ciudad de Mérida está en el sureste de México.".encode("latin-1"))


def test_json_lines_pages(tmp_path):
    lines = [
        {"url": "https://example.org/a", "title": "A", "html": "<p>alpha</p>", "id": "a1"},
        {"url": "https://example.org/b", "text": "beta"},
        {"url": "https://example.org/c"},
        "not an object",
    ]
    (tmp_path / "pages.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    pages, skipped = read_all(tmp_path)
    assert pages["pages.jsonl#a1"].content_type == "html"
    assert pages["pages.jsonl#a1"].url == "https://example.org/a"
    assert pages["pages.jsonl#a1"].title == "A"
    assert pages["pages.jsonl#2"].text == "beta"
    assert skipped == {"pages.jsonl:3": "no html, text or title", "pages.jsonl:4": "not a JSON object",
                       "pages.jsonl:5": skipped["pages.jsonl:5"]}
    assert skipped["pages.jsonl:5"].startswith("invalid JSON")


def test_missing_corpus_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(iter_corpus(tmp_path / "nope"))
