"""Ingest: sources → cleaning → indexer, with progress reporting and a summary.

Reading is sequential; cleaning, the costly part, runs in a pool of processes over batches
of pages; documents come back in corpus order, duplicates are dropped, and the indexer
writes them into a new generation that is switched in only when complete.
"""
from __future__ import annotations

import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from .cleaning import RepeatedBlocks, clean_page
from .duplicates import DuplicateFinder
from .indexer import build_index
from .models import Document, RawPage, SkippedFile
from .sources import DEFAULT_MAX_BYTES, corpus_files, file_kind, read_file

Progress = Callable[[int, int], None]  # (files done, files in all)

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
    files = corpus_files(corpus)
    summary = IngestSummary(files=len(files))
    repeated = _count_repetitions(corpus, files, max_bytes)
    workers = workers or os.cpu_count() or 1

    def documents() -> Iterator[Document]:
        finder = DuplicateFinder()
        batches = _read_batches(corpus, files, max_bytes, summary)
        with _cleaning_pool(workers, repeated) as pool:
            for files_done, results in _ordered_map(pool, batches):
                for item in results:
                    if isinstance(item, SkippedFile):
                        summary.skipped.append(item)
                    elif (original := finder.original_of(item)) is not None:
                        summary.duplicates.append((item.source, original))
                    else:
                        yield item
                if progress:
                    progress(files_done, len(files))

    report = build_index(documents(), index_root)
    summary.documents = report.documents
    summary.generation = report.generation
    summary.seconds = time.monotonic() - started
    return summary


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

_repeated: RepeatedBlocks | None = None  # set once per cleaning process


def _init_cleaner(repeated: RepeatedBlocks) -> None:
    global _repeated
    _repeated = repeated


def clean_batch(pages: list[RawPage]) -> list[Document | SkippedFile]:
    """Clean pages; a page that fails or has no main text becomes a SkippedFile."""
    repeated = _repeated or RepeatedBlocks()
    out: list[Document | SkippedFile] = []
    for page in pages:
        try:
            doc = clean_page(page, repeated.for_page(page))
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


def _cleaning_pool(workers: int, repeated: RepeatedBlocks) -> Executor:
    if workers > 1:
        return ProcessPoolExecutor(workers, initializer=_init_cleaner, initargs=(repeated,))
    _init_cleaner(repeated)
    return _InlineExecutor()


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


def _count_repetitions(corpus, files, max_bytes: int) -> RepeatedBlocks:
    """First pass over the text pages: which short blocks repeat across a site's pages."""
    repeated = RepeatedBlocks()
    for path in files:
        if file_kind(path) != "text":
            continue
        for item in read_file(corpus, path, max_bytes):
            if isinstance(item, RawPage):
                repeated.add(item)
    return repeated
