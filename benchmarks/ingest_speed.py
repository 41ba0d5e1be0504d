"""Ingest and index-build speed: ours through search_service.ingest.ingest(), with
workers = cores, beside FTS5's build rate and trafilatura's cleaning speed."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from search_service.indexer import current_generation
from search_service.ingest import ingest

from . import fts5
from .corpus import read_jsonl


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def ingest_folder(corpus: Path, index_root: Path, workers: int | None = None) -> dict:
    """A full ingest of corpus into a fresh index_root; pages/s end to end (read, clean, index)."""
    shutil.rmtree(index_root, ignore_errors=True)
    workers = workers or os.cpu_count() or 1
    summary = ingest(corpus, index_root, workers=workers, full=True)
    generation = index_root / (current_generation(index_root) or "")
    size = folder_bytes(generation)
    return {
        "pages": summary.pages_read,
        "documents": summary.documents,
        "duplicates": len(summary.duplicates),
        "skipped": len(summary.skipped),
        "seconds": summary.seconds,
        "pages_per_s": summary.pages_per_second,
        "workers": workers,
        "index_bytes": size,
        "index_kb_per_1000_docs": size / 1024 / max(1, summary.documents) * 1000,
    }


def build_fts5(jsonl: Path, db: Path) -> dict:
    count, seconds = fts5.build(db, read_jsonl(jsonl))
    size = db.stat().st_size
    return {"documents": count, "seconds": seconds, "docs_per_s": count / seconds,
            "index_bytes": size, "index_kb_per_1000_docs": size / 1024 / count * 1000}


def trafilatura_speed(html_folder: Path, limit: int) -> dict | None:
    """trafilatura.extract(html, include_comments=False) on the first `limit` pages, one process."""
    try:
        import trafilatura
    except ImportError:
        return None
    pages = sorted(html_folder.rglob("*.html"))[:limit]
    texts = [p.read_bytes().decode("utf-8") for p in pages]  # reading is not timed
    started = time.perf_counter()
    empty = sum(1 for t in texts if not trafilatura.extract(t, include_comments=False))
    seconds = time.perf_counter() - started
    return {"pages": len(texts), "seconds": seconds, "pages_per_s": len(texts) / seconds, "empty": empty,
            "version": getattr(trafilatura, "__version__", "?")}


def our_cleaning_speed(html_folder: Path, limit: int) -> dict:
    """Our cleaner alone (clean_page), one process, on the same pages as trafilatura."""
    from search_service.cleaning import clean_page
    from search_service.sources import page_from_bytes

    pages = sorted(html_folder.rglob("*.html"))[:limit]
    raw = [page_from_bytes(p.name, p.read_bytes(), "html") for p in pages]
    started = time.perf_counter()
    for page in raw:
        clean_page(page)
    seconds = time.perf_counter() - started
    return {"pages": len(raw), "seconds": seconds, "pages_per_s": len(raw) / seconds}
