"""Ingest: sources → cleaning → indexer, with progress reporting and a summary.

Two phases. Cleaning, the costly part of reading, runs in a pool of processes over batches
of pages; documents come back in corpus order, duplicates are dropped, and the rest are
spooled to a temporary file while their short paragraphs are counted per site. Indexing
then reads the spool back, strips each site's repeated paragraphs, and writes a new index
generation that is switched in only when complete. The writer lock is held throughout, so
a second ingest stops at once instead of after doing all the work.
"""
from __future__ import annotations

import os
import pickle
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from .cleaning import RepeatedParagraphs, clean_page
from .duplicates import DuplicateFinder
from .indexer import write_generation, writer_lock
from .models import Document, RawPage, SkippedFile
from .sources import DEFAULT_MAX_BYTES, corpus_files, read_file

Progress = Callable[[str, int, int], None]  # (stage, done, total)

BATCH_PAGES = 64  # pages sent to a cleaning process at a time


@dataclass
class IngestSummary:
    """What an ingest did: the numbers its closing lines report."""

    files: int = 0
    pages_read: int = 0
    documents: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, source it repeats)
    seconds: float = 0.0
    generation: str | None = None

    def skipped_by_reason(self) -> Counter[str]:
        # "too large (123 bytes > 100)" and "too large (456 …)" are one reason.
        return Counter(s.reason.split(" (")[0] for s in self.skipped)

    @property
    def pages_per_second(self) -> float:
        return self.pages_read / self.seconds if self.seconds else 0.0


def ingest(
    corpus: str | os.PathLike,
    index_root: str | os.PathLike,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """Read, clean and index a corpus into a new index generation of index_root."""
    started = time.monotonic()
    root = Path(index_root)
    files = corpus_files(corpus)
    summary = IngestSummary(files=len(files))
    repetition = RepeatedParagraphs()
    with writer_lock(root), tempfile.TemporaryFile(dir=root, prefix=".spool-") as spool:
        spooled = 0
        for doc in _cleaned(corpus, files, max_bytes, workers or os.cpu_count() or 1, summary, progress):
            repetition.count(doc)
            pickle.dump(doc, spool, protocol=pickle.HIGHEST_PROTOCOL)
            spooled += 1
        spool.seek(0)
        documents = _without_repeats(_unspool(spool), repetition, summary)
        report = write_generation(_counted(documents, spooled, progress), root)
    summary.documents = report.documents
    summary.generation = report.generation
    summary.seconds = time.monotonic() - started
    return summary


def _cleaned(corpus, files: list[Path], max_bytes: int, workers: int, summary: IngestSummary,
             progress: Progress | None) -> Iterator[Document]:
    """Clean documents in corpus order, without duplicates; skips go into the summary."""
    finder = DuplicateFinder()
    batches = _read_batches(corpus, files, max_bytes, summary)
    with _cleaning_pool(workers) as pool:
        for files_done, results in _ordered_map(pool, batches):
            for item in results:
                if isinstance(item, SkippedFile):
                    summary.skipped.append(item)
                elif (original := finder.original_of(item)) is not None:
                    summary.duplicates.append((item.source, original))
                else:
                    yield item
            if progress:
                progress("cleaning", files_done, len(files))


def _unspool(spool: IO[bytes]) -> Iterator[Document]:
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _without_repeats(documents: Iterable[Document], repetition: RepeatedParagraphs,
                     summary: IngestSummary) -> Iterator[Document]:
    for doc in documents:
        doc = repetition.strip(doc)
        if doc.text.strip():
            yield doc
        else:
            summary.skipped.append(SkippedFile(doc.source, "no main text found (only text repeated across the site)"))


def _counted(documents: Iterable[Document], total: int, progress: Progress | None) -> Iterator[Document]:
    for done, doc in enumerate(documents, start=1):
        yield doc
        if progress and (done % 100 == 0 or done == total):
            progress("indexing", done, total)


def _read_batches(corpus, files, max_bytes: int, summary: IngestSummary) -> Iterator[tuple[int, list[RawPage]]]:
    """Pages in batches, each with the count of files read when it was cut."""
    batch: list[RawPage] = []
    for number, path in enumerate(files, start=1):
        for item in read_file(corpus, path, max_bytes):
            if isinstance(item, SkippedFile):
                summary.skipped.append(item)
                continue
            summary.pages_read += 1
            batch.append(replace(item, body=b""))  # cleaning reads the text; spare the copy
            if len(batch) >= BATCH_PAGES:
                yield number, batch
                batch = []
    yield len(files), batch


# ------------------------------------------------------------------ cleaning, in processes


def clean_batch(pages: list[RawPage]) -> list[Document | SkippedFile]:
    """Clean pages; a page that fails or has no main text becomes a SkippedFile."""
    out: list[Document | SkippedFile] = []
    for page in pages:
        try:
            doc = clean_page(page)
        except RecursionError:
            out.append(SkippedFile(page.source, "cleaning failed (markup nested too deeply)"))
            continue
        except Exception as exc:  # one bad page must not sink the ingest
            out.append(SkippedFile(page.source, f"cleaning failed ({type(exc).__name__}: {exc})"))
            continue
        out.append(doc if doc.text.strip() else SkippedFile(page.source, "no main text found"))
    return out


class _InlineExecutor(Executor):
    """An executor that runs each task at once, in this process (one core)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def _cleaning_pool(workers: int) -> Executor:
    return ProcessPoolExecutor(workers) if workers > 1 else _InlineExecutor()


def _ordered_map(pool: Executor, batches: Iterable[tuple[int, list[RawPage]]], window: int = 8):
    """(files done, cleaned batch) in input order, with at most `window` batches in flight."""
    pending: deque = deque()
    for files_done, pages in batches:
        pending.append((files_done, pool.submit(clean_batch, pages)))
        if len(pending) >= window:
            done, future = pending.popleft()
            yield done, future.result()
    while pending:
        done, future = pending.popleft()
        yield done, future.result()
