"""Sources stage: walk a corpus → RawPage (decoded) or SkippedFile (with its reason).

A corpus is a folder (or one file) of pages: `.html`/`.htm`, `.txt`/`.md`, and the containers
scrapers write: JSON Lines (one page a line, optionally gzipped) and WARC files (response
records, as wget, Heritrix and Common Crawl write them).
"""
from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from .decoding import UndecodableError, decode
from .models import RawPage, SkippedFile

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

Item = RawPage | SkippedFile


def file_kind(path: Path) -> str | None:
    """html, text, jsonl or warc by the file's name; None for anything else."""
    name = path.name.lower()
    for kind, suffixes in (("html", HTML_SUFFIXES), ("text", TEXT_SUFFIXES),
                           ("jsonl", JSONL_SUFFIXES), ("warc", WARC_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    return None


def corpus_files(root: str | os.PathLike) -> list[Path]:
    """Every file under root in a stable order, hidden files and folders left out."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / f for f in sorted(files) if not f.startswith("."))
    return found


def iter_corpus(root: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """Every page of a corpus, in a stable order."""
    for path in corpus_files(root):
        yield from read_file(root, path, max_bytes)


# The reason a file that could not be read is skipped for: a failure of the moment (the next
# reading may succeed), where every other reason follows from the file's bytes.
UNREADABLE = "unreadable"


def read_file(root: str | os.PathLike, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """The pages one corpus file holds, or why it has none.

    `max_bytes` bounds a page: a whole .html/.txt file, or one record of a container.
    """
    source = file_source(root, path)
    kind = file_kind(path)
    try:
        if kind is None:
            yield SkippedFile(source, f"unsupported file type ({path.suffix.lower() or 'no extension'})")
        elif kind == "jsonl":
            yield from _read_jsonl(path, source, max_bytes)
        elif kind == "warc":
            yield from _read_warc(path, source, max_bytes)
        else:
            yield _read_page(path, source, kind, max_bytes)
    except OSError as exc:
        yield SkippedFile(source, f"{UNREADABLE} ({exc.strerror or exc})")


def file_source(root: str | os.PathLike, path: Path) -> str:
    """How a corpus file is named in its pages' sources: its path from the corpus root, with
    forward slashes (its name when the corpus is that one file)."""
    root = Path(root)
    return path.name if root.is_file() else path.relative_to(root).as_posix()


def _read_page(path: Path, source: str, kind: str, max_bytes: int) -> Item:
    size = path.stat().st_size
    if size > max_bytes:
        return SkippedFile(source, f"too large ({size:,} bytes > {max_bytes:,})")
    return page_from_bytes(source, path.read_bytes(), kind)


def page_from_bytes(source: str, body: bytes, kind: str, url: str | None = None,
                    charset: str | None = None) -> Item:
    """A RawPage of one page's bytes, or the reason it cannot be one."""
    if not body.strip():
        return SkippedFile(source, "empty")
    try:
        text = decode(body, is_html=kind == "html", declared=charset)
    except UndecodableError as exc:
        return SkippedFile(source, f"undecodable ({exc})")
    if not text.strip():
        return SkippedFile(source, "empty")
    return RawPage(source=source, body=body, text=text, content_type=kind, url=url)


# ----------------------------------------------------------------- JSON Lines


def _read_jsonl(path: Path, source: str, max_bytes: int) -> Iterator[Item]:
    """One page a line: {"url", "title"?, "html" | "text", "id"?, "author"?, "published"?}."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    number = 0
    try:
        with opener(path, "rb") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _jsonl_page(f"{source}:{number}", source, number, line, max_bytes)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield SkippedFile(f"{source}:{number + 1}", f"truncated or corrupt file ({exc})")


def _jsonl_page(where: str, source: str, number: int, line: bytes, max_bytes: int) -> Item:
    if len(line) > max_bytes:
        return SkippedFile(where, f"too large ({len(line):,} bytes > {max_bytes:,})")
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return SkippedFile(where, "undecodable (not UTF-8)")
    except json.JSONDecodeError as exc:
        return SkippedFile(where, f"invalid JSON ({exc.msg})")
    if not isinstance(record, dict):
        return SkippedFile(where, "not a JSON object")
    html, text = _string(record, "html"), _string(record, "text")
    content = html or text
    title = _string(record, "title")
    if not content and not title:
        return SkippedFile(where, "no html, text or title")
    page_id = record.get("id")
    # A text that comes with its title is the scraper's clean main text already.
    content_type = "html" if html else ("clean" if title else "text")
    return RawPage(
        source=f"{source}#{page_id}" if page_id not in (None, "") else f"{source}#{number}",
        body=b"",
        text=content or "",
        content_type=content_type,
        url=_string(record, "url"),
        title=title,
        author=_string(record, "author"),
        published=_string(record, "published") or _string(record, "date"),
    )


def _string(record: dict, key: str) -> str | None:
    value = record.get(key)
    return (value.strip() or None) if isinstance(value, str) else None


# ----------------------------------------------------------------- WARC


def _read_warc(path: Path, source: str, max_bytes: int) -> Iterator[Item]:
    """The HTML and text responses of a WARC file; a truncated record ends the file."""
    number = 0
    with open(path, "rb") as stream:
        try:
            for number, record in enumerate(ArchiveIterator(stream), start=1):
                if record.rec_type in ("response", "resource"):
                    yield _warc_page(f"{source}#{number}", record, max_bytes)
        except (ArchiveLoadFailed, EOFError, zlib.error, ValueError) as exc:
            yield SkippedFile(f"{source}#{number + 1}", f"truncated or corrupt WARC record ({exc})")


def _warc_page(where: str, record, max_bytes: int) -> Item:
    if record.rec_headers.get_header("Content-Length") is None:
        return SkippedFile(where, "truncated or corrupt WARC record (no Content-Length)")
    url = record.rec_headers.get_header("WARC-Target-URI")
    headers = record.http_headers
    if headers is not None and headers.get_statuscode() and not headers.get_statuscode().startswith("2"):
        return SkippedFile(where, f"HTTP status {headers.get_statuscode()}")
    content_type = (headers.get_header("Content-Type") if headers is not None else None) \
        or record.rec_headers.get_header("Content-Type") or ""
    media, charset = _media_type(content_type)
    if "html" in media:
        kind = "html"
    elif media in ("text/plain", "text/markdown", "text/x-markdown"):
        kind = "text"
    else:
        return SkippedFile(where, f"unsupported content type ({media or 'none'})")
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return SkippedFile(where, f"too large (> {max_bytes:,} bytes)")
    # warcio stops quietly at the end of a cut-off file; the record's unread length tells.
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        return SkippedFile(where, f"truncated or corrupt WARC record ({missing:,} bytes missing)")
    return page_from_bytes(where, body, kind, url=url, charset=charset)


def _media_type(content_type: str) -> tuple[str, str | None]:
    if not content_type.strip():
        return "", None
    message = Message()
    message["Content-Type"] = content_type
    return message.get_content_type().lower(), message.get_param("charset")
