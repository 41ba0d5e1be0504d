"""Ingest: sources → cleaning → indexer, with progress reporting and a summary."""
from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .cleaning import RepeatedBlocks, clean_page
from .indexer import build_index
from .models import Document, RawPage, SkippedFile
from .sources import DEFAULT_MAX_BYTES, TEXT_SUFFIXES, corpus_files, read_file

Progress = Callable[[int, int], None]  # (files done, files in all)


@dataclass
class IngestSummary:
    """What an ingest did: the numbers its closing line reports."""

    files: int = 0
    pages_read: int = 0
    documents: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    generation: str | None = None

    def skipped_by_reason(self) -> Counter[str]:
        # "too large (123 bytes > 100)" and "too large (456 …)" are one reason.
        return Counter(s.reason.split(" (")[0] for s in self.skipped)


def ingest(
    corpus: str | os.PathLike,
    index_root: str | os.PathLike,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
) -> IngestSummary:
    """Read, clean and index a corpus folder into a new index generation."""
    started = time.monotonic()
    files = corpus_files(corpus)
    summary = IngestSummary(files=len(files))
    repeated = _count_repetitions(corpus, files, max_bytes)

    def documents() -> Iterator[Document]:
        for done, path in enumerate(files, start=1):
            for item in read_file(corpus, path, max_bytes):
                if isinstance(item, SkippedFile):
                    summary.skipped.append(item)
                    continue
                summary.pages_read += 1
                doc = _clean(item, repeated, summary)
                if doc is not None:
                    yield doc
            if progress:
                progress(done, len(files))

    report = build_index(documents(), index_root)
    summary.documents = report.documents
    summary.generation = report.generation
    summary.seconds = time.monotonic() - started
    return summary


def _clean(page: RawPage, repeated: RepeatedBlocks, summary: IngestSummary) -> Document | None:
    try:
        doc = clean_page(page, repeated.for_page(page))
    except Exception as exc:  # one bad page must not sink the ingest
        summary.skipped.append(SkippedFile(page.source, f"cleaning failed ({type(exc).__name__}: {exc})"))
        return None
    if not doc.text.strip():
        summary.skipped.append(SkippedFile(page.source, "no main text found"))
        return None
    return doc


def _count_repetitions(corpus, files, max_bytes: int) -> RepeatedBlocks:
    """First pass over the text pages: which short blocks repeat across a site's pages."""
    repeated = RepeatedBlocks()
    for path in files:
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        for item in read_file(corpus, path, max_bytes):
            if isinstance(item, RawPage):
                repeated.add(item)
    return repeated
