"""Sources stage: walk a corpus folder → RawPage (decoded) or SkippedFile (with its reason)."""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from .decoding import UndecodableError, decode
from .models import RawPage, SkippedFile

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES | JSONL_SUFFIXES

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


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


def read_file(root: str | os.PathLike, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[RawPage | SkippedFile]:
    """The pages one corpus file holds (one, or one per line of JSON Lines), or why it has none."""
    root = Path(root)
    source = path.name if root.is_file() else path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield SkippedFile(source, f"unsupported file type ({suffix or 'no extension'})")
        return
    try:
        size = path.stat().st_size
        if size > max_bytes:
            yield SkippedFile(source, f"too large ({size:,} bytes > {max_bytes:,})")
            return
        body = path.read_bytes()
    except OSError as exc:
        yield SkippedFile(source, f"unreadable ({exc.strerror or exc})")
        return
    if not body.strip():
        yield SkippedFile(source, "empty")
        return
    if suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(source, body)
        return
    is_html = suffix in HTML_SUFFIXES
    try:
        text = decode(body, is_html=is_html)
    except UndecodableError as exc:
        yield SkippedFile(source, f"undecodable ({exc})")
        return
    yield RawPage(source=source, body=body, text=text, content_type="html" if is_html else "text")


def iter_corpus(root: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[RawPage | SkippedFile]:
    """Every page of a corpus folder, in a stable order."""
    for path in corpus_files(root):
        yield from read_file(root, path, max_bytes)


def _read_jsonl(source: str, body: bytes) -> Iterator[RawPage | SkippedFile]:
    """JSON Lines: one page a line, {"url", "title"?, "html" | "text", "id"?}."""
    try:
        lines = decode(body).splitlines()
    except UndecodableError as exc:
        yield SkippedFile(source, f"undecodable ({exc})")
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield SkippedFile(where, f"invalid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            yield SkippedFile(where, "not a JSON object")
            continue
        html, text = record.get("html"), record.get("text")
        content = html if isinstance(html, str) and html.strip() else text
        if not isinstance(content, str) or not content.strip():
            yield SkippedFile(where, "no html or text")
            continue
        page_id = record.get("id")
        title = _string(record, "title")
        if content is html:
            content_type = "html"
        else:
            # A text that comes with its title is the scraper's clean main text already.
            content_type = "clean" if title else "text"
        yield RawPage(
            source=f"{source}#{page_id}" if page_id not in (None, "") else f"{source}#{number}",
            body=content.encode("utf-8"),
            text=content,
            content_type=content_type,
            url=_string(record, "url"),
            title=title,
            author=_string(record, "author"),
            published=_string(record, "published") or _string(record, "date"),
        )


def _string(record: dict, key: str) -> str | None:
    value = record.get(key)
    return value.strip() or None if isinstance(value, str) else None
