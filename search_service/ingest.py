"""Ingest: sources → cleaning → indexer, with progress reporting and a summary.

Cleaning, the costly part, runs in a pool of processes over batches of pages; documents
come back in corpus order, duplicates are dropped, and the rest are spooled to a temporary
file while their short paragraphs are counted per site. Indexing then reads the spool back,
strips each site's repeated paragraphs, analyses the documents' text into postings
(analysis.py) and writes them into a new index generation that is switched in only when
complete. A full ingest does that in the same pool, each process reading its share of the
spool and writing it as one segment of the index (indexer.write_generation_in_parts); an
incremental one writes in this process, its documents analysed by the pool. The writer lock
is held throughout, so a second ingest stops at once instead of after doing all the work.

When the index already has a generation, an ingest is incremental: every page is read and
fingerprinted, and only pages that are new or changed since the last ingest are cleaned;
the new generation is a copy of the current one without the changed and removed pages,
plus the new versions. What the next ingest needs to know (fingerprints, the duplicate
finder, the repetition counts) is stored in each generation's folder.
"""
from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import os
import pickle
import signal
import tempfile
import time
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO

from . import __version__
from .analysis import STEMMER, PreanalysedDocument, preanalyse_batch
from .cleaning import RepeatedParagraphs, clean_page
from .duplicates import DuplicateFinder, TextKey, text_key
from .indexer import SCHEMA, current_generation, has_index, write_generation, write_generation_in_parts, writer_lock
from .models import Document, RawPage, SkippedFile
from .sources import DEFAULT_MAX_BYTES, UNREADABLE, corpus_files, file_source, read_file

Progress = Callable[[str, int, int], None]  # (stage, done, total)

BATCH_PAGES = 64  # pages (or documents to analyse) sent to a worker process at a time
STATE_FILE = "ingest-state.pickle"
SPOOL_PREFIX = ".spool-"


@dataclass
class IngestSummary:
    """What an ingest did: the numbers its closing lines report."""

    files: int = 0
    pages_read: int = 0
    documents: int = 0  # indexed by this ingest
    total_documents: int = 0  # in the index now
    skipped: list[SkippedFile] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, source it repeats)
    incremental: bool = False
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    files_as_before: int = 0  # files an incremental ingest knew by their bytes' hash and did not read
    seconds: float = 0.0
    generation: str | None = None

    def skipped_by_reason(self) -> Counter[str]:
        # "too large (123 bytes > 100)" and "too large (456 …)" are one reason.
        return Counter(s.reason.split(" (")[0] for s in self.skipped)

    @property
    def pages_per_second(self) -> float:
        return self.pages_read / self.seconds if self.seconds else 0.0


@dataclass
class FileRecord:
    """What an incremental ingest read of one corpus file: the next one takes a file whose
    bytes hash the same (read with the same limit) as holding the same pages and skips."""

    digest: str
    max_bytes: int
    pages: list[str] = field(default_factory=list)  # sources, as in IngestState.pages
    skipped: list[SkippedFile] = field(default_factory=list)


@dataclass
class IngestState:
    """What an ingest leaves for the next one, in its generation's folder."""

    pages: dict[str, str] = field(default_factory=dict)  # source → fingerprint, every page read
    # Corpus file (as sources name it) → what it held, for the files an incremental ingest read.
    files: dict[str, FileRecord] = field(default_factory=dict)
    duplicates: DuplicateFinder = field(default_factory=DuplicateFinder)
    repetition: RepeatedParagraphs = field(default_factory=RepeatedParagraphs)
    # An index written by another version, or with another schema, is rebuilt in full.
    version: str = __version__
    schema: tuple[str, ...] = tuple(sorted(f"{name}:{type(SCHEMA[name]).__name__}" for name in SCHEMA.names())) \
        + (f"stemmer:{STEMMER}",)


def ingest(
    corpus: str | os.PathLike,
    index_root: str | os.PathLike,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    workers: int | None = None,
    full: bool = False,
) -> IngestSummary:
    """Read, clean and index a corpus into a new generation of index_root.

    Incremental when index_root has a generation from this version (unless `full`).
    """
    started = time.monotonic()
    root = Path(index_root)
    files = corpus_files(corpus)
    summary = IngestSummary(files=len(files))
    with writer_lock(root), ExitStack() as stack:
        _remove_abandoned_spools(root)
        # Named: the processes that write the index's parts read it too.
        doc_spool = stack.enter_context(tempfile.NamedTemporaryFile(dir=root, prefix=SPOOL_PREFIX))
        base = None if full or not has_index(root) else current_generation(root)
        state = _load_state(root, base) if base else None
        if state is None:
            base, state, seen = None, IngestState(), {}
            pages = _labelled("cleaning", _read_pages(corpus, files, max_bytes, summary, seen), len(files))
            stale: set[str] = set()
        else:
            summary.incremental = True
            page_spool = stack.enter_context(tempfile.TemporaryFile(dir=root, prefix=SPOOL_PREFIX))
            seen, held, stale, count = _spool_changed_pages(corpus, files, max_bytes, state, summary, page_spool,
                                                            progress)
            state.files = held
            state.duplicates.forget(stale)
            page_spool.seek(0)
            pages = ((("cleaning", n, count), page) for n, page in enumerate(_unspool(page_spool), start=1))
        workers = workers or os.cpu_count() or 1
        pool = stack.enter_context(_worker_pool(workers))
        offsets = array("q")  # where each document starts in the spool
        # Written to the file itself, its offsets counted: the wrapper adds a Python call to
        # each write, and tell() is a system call.
        spool, at = doc_spool.file, 0
        for doc in _cleaned(pages, pool, state.duplicates, summary, progress):
            state.repetition.count(doc)
            data = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
            offsets.append(at)
            spool.write(data)
            at += len(data)
        spool.flush()
        state.pages = seen
        save_state = partial(_save_state, state=state)
        if base is None and workers > 1 and offsets:
            stripping = state.repetition.for_stripping()
            parts = [SpooledDocuments(doc_spool.name, offsets[start], stop - start, stripping)
                     for start, stop in _spans(len(offsets), workers) if stop > start]
            shown = (lambda done: progress("indexing", done, len(offsets))) if progress else None
            report = write_generation_in_parts(parts, root, pool, progress=shown, before_switch=save_state)
            summary.skipped.extend(report.skipped)
        else:
            doc_spool.seek(0)
            documents = _without_repeats(_unspool(doc_spool), state.repetition, summary)
            documents = _counted(_preanalysed(documents, pool), len(offsets), progress)
            report = write_generation(documents, root, base=base, delete_sources=stale, before_switch=save_state)
    summary.documents = report.documents
    summary.total_documents = report.total
    summary.generation = report.generation
    summary.seconds = time.monotonic() - started
    return summary


def fingerprint(page: RawPage) -> str:
    """A hash of everything about a page that its document is made from: its parts, each
    followed by a NUL, in UTF-8 (as the ingest state keeps them: this must not change)."""
    parts = (page.content_type, page.text, page.url, page.title, page.author, page.published)
    data = "".join([(part or "") + "\0" for part in parts]).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _load_state(root: Path, generation: str) -> IngestState | None:
    """The state the generation's ingest left, or None when missing or from another version."""
    try:
        with open(root / generation / STATE_FILE, "rb") as handle:
            state = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    fresh = IngestState()
    if not isinstance(state, IngestState) or (state.version, state.schema) != (fresh.version, fresh.schema):
        return None
    if not hasattr(state, "files"):  # kept by an ingest from before files were recorded
        state.files = {}
    return state


def _save_state(folder: Path, state: IngestState) -> None:
    with open(folder / STATE_FILE, "wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _read_pages(corpus, files: list[Path], max_bytes: int, summary: IngestSummary,
                seen: dict[str, str]) -> Iterator[tuple[int, RawPage]]:
    """(files read so far, page) for every readable page, fingerprinted into `seen`."""
    for number, path in enumerate(files, start=1):
        for page in _file_pages(corpus, path, max_bytes, summary, seen):
            yield number, page


def _file_pages(corpus, path: Path, max_bytes: int, summary: IngestSummary, seen: dict[str, str],
                record: FileRecord | None = None) -> Iterator[RawPage]:
    """The readable pages of one corpus file, fingerprinted into `seen`; its skips go into the
    summary, and its pages' sources and its skips into `record` if given."""
    for item in read_file(corpus, path, max_bytes):
        if isinstance(item, SkippedFile):
            summary.skipped.append(item)
            if record is not None:
                record.skipped.append(item)
            continue
        summary.pages_read += 1
        page = replace(item, body=b"") if item.body else item  # cleaning reads the text; spare the copy
        seen[page.source] = fingerprint(page)
        if record is not None:
            record.pages.append(page.source)
        yield page


def _labelled(stage: str, pages: Iterator[tuple[int, RawPage]], total: int):
    for number, page in pages:
        yield (stage, number, total), page


def _spool_changed_pages(corpus, files, max_bytes: int, state: IngestState, summary: IngestSummary,
                         spool: IO[bytes], progress: Progress | None
                         ) -> tuple[dict[str, str], dict[str, FileRecord], set[str], int]:
    """Read every page of every file whose bytes changed; spool the new and changed pages.
    Returns (seen, the files' records, stale sources, spooled).

    A file whose bytes hash as the last ingest's did holds the pages it held then: they are
    taken as unchanged without reading them (parsing a JSON Lines file of a million records
    took ~15 s; hashing it ~2)."""
    seen: dict[str, str] = {}
    held: dict[str, FileRecord] = {}
    stale: set[str] = set()
    count = 0
    for number, path in enumerate(files, start=1):
        key = file_source(corpus, path)
        before = _file_stamp(path)
        digest = _file_digest(path)
        record = state.files.get(key)
        if record is not None and digest is not None and (record.digest, record.max_bytes) == (digest, max_bytes) \
                and all(source in state.pages for source in record.pages):
            _take_as_before(record, state, seen, summary)
            held[key] = record
        else:
            record = FileRecord(digest or "", max_bytes)
            count += _spool_file(corpus, path, max_bytes, state, summary, seen, record, stale, spool)
            # Kept for the next ingest only if what was read is what was hashed: not a file
            # that changed meanwhile, nor one that failed to read this time.
            if digest is not None and _file_stamp(path) == before \
                    and not any(skip.reason.startswith(UNREADABLE) for skip in record.skipped):
                held[key] = record
        if progress:
            progress("reading", number, len(files))
    removed = set(state.pages) - set(seen)
    summary.removed = len(removed)
    return seen, held, stale | removed, count


def _take_as_before(record: FileRecord, state: IngestState, seen: dict[str, str], summary: IngestSummary) -> None:
    """Count a file that is as the last ingest read it: its pages unchanged, its skips again."""
    seen.update((source, state.pages[source]) for source in record.pages)
    summary.pages_read += len(record.pages)
    summary.unchanged += len(record.pages)
    summary.skipped.extend(record.skipped)
    summary.files_as_before += 1


def _spool_file(corpus, path: Path, max_bytes: int, state: IngestState, summary: IngestSummary,
                seen: dict[str, str], record: FileRecord, stale: set[str], spool: IO[bytes]) -> int:
    """Read one file, spool its new and changed pages (adding the changed to `stale`); how many."""
    count = 0
    for page in _file_pages(corpus, path, max_bytes, summary, seen, record):
        known = state.pages.get(page.source)
        if known == seen[page.source]:
            summary.unchanged += 1
            continue
        if known is None:
            summary.added += 1
        else:
            summary.changed += 1
            stale.add(page.source)
        pickle.dump(page, spool, protocol=pickle.HIGHEST_PROTOCOL)
        count += 1
    return count


def _file_digest(path: Path) -> str | None:
    """A hash of the file's bytes; None when it cannot be read (reading it then says why)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, _file_hash).hexdigest()
    except OSError:
        return None


def _file_stamp(path: Path) -> tuple[int, int] | None:
    """(size, modification time) of a file, None when it is gone."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def _file_hash():
    return hashlib.blake2b(digest_size=16)


def _cleaned(pages, pool: Executor, finder: DuplicateFinder, summary: IngestSummary,
             progress: Progress | None) -> Iterator[Document]:
    """Clean documents in corpus order, without duplicates; skips go into the summary."""
    for label, results in _ordered_map(pool, clean_and_key_batch, _batched(pages)):
        for item, key in results:
            if isinstance(item, SkippedFile):
                summary.skipped.append(item)
            elif (original := finder.original_of(item, key)) is not None:
                summary.duplicates.append((item.source, original))
            else:
                yield item
        if progress:
            progress(*label)


def _preanalysed(documents: Iterable[Document], pool: Executor) -> Iterator[PreanalysedDocument]:
    """The documents analysed for the writer by the pool, in order (the writer's process
    would otherwise spend most of its time analysing)."""
    for _, analysed in _ordered_map(pool, preanalyse_batch, ((None, batch) for batch in _chunks(documents))):
        yield from analysed


def _batched(pages) -> Iterator[tuple[tuple, list[RawPage]]]:
    """Batches of pages, each with the progress label of its last page."""
    for chunk in _chunks(pages):
        yield chunk[-1][0], [page for _, page in chunk]


def _chunks(items: Iterable, size: int = BATCH_PAGES) -> Iterator[list]:
    """Lists of `size` consecutive items (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _unspool(spool: IO[bytes]) -> Iterator:
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _without_repeats(documents: Iterable[Document], repetition: RepeatedParagraphs,
                     summary: IngestSummary) -> Iterator[Document]:
    for item in (_stripped(original, repetition) for original in documents):
        if isinstance(item, SkippedFile):
            summary.skipped.append(item)
        else:
            yield item


def _stripped(original: Document, repetition: RepeatedParagraphs) -> Document | SkippedFile:
    """The document without its site's repeated paragraphs; skipped if nothing else was left."""
    doc = repetition.strip(original)
    if doc.text.strip() or not original.text.strip():
        return doc
    return SkippedFile(doc.source, "no main text found (only text repeated across the site)")


@dataclass
class SpooledDocuments:
    """`count` documents of a spool file from byte `offset` on, without their sites' repeated
    paragraphs (or as SkippedFile if nothing else was left): a part of the index that a
    process can read on its own."""

    path: str
    offset: int
    count: int
    repetition: RepeatedParagraphs

    def __iter__(self) -> Iterator[Document | SkippedFile]:
        with open(self.path, "rb") as spool:
            spool.seek(self.offset)
            for _ in range(self.count):
                yield _stripped(pickle.load(spool), self.repetition)


def _spans(count: int, parts: int) -> list[tuple[int, int]]:
    """`parts` consecutive (start, stop) ranges of range(count), their sizes within one."""
    bounds = [count * k // parts for k in range(parts + 1)]
    return list(zip(bounds, bounds[1:]))


def _remove_abandoned_spools(root: Path) -> None:
    """Delete the spool files of an ingest that was killed (the caller holds the writer lock)."""
    for path in root.glob(SPOOL_PREFIX + "*"):
        path.unlink(missing_ok=True)


def _counted(documents: Iterable, total: int, progress: Progress | None) -> Iterator:
    for done, doc in enumerate(documents, start=1):
        yield doc
        if progress and (done % 100 == 0 or done == total):
            progress("indexing", done, total)


# ------------------------------------------------------------------ cleaning and analysis, in processes


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
        # A scraper's record of a title alone is a page (a brief, a headline); anything else
        # needs text.
        keep = doc.text.strip() or (page.content_type == "clean" and doc.title)
        out.append(doc if keep else SkippedFile(page.source, "no main text found"))
    return out


def clean_and_key_batch(pages: list[RawPage]) -> list[tuple[Document, TextKey] | tuple[SkippedFile, None]]:
    """clean_batch, each document with its text_key for the duplicate finder: worked out
    here, in the pool's processes, it took ~0.9 of the ~2.2 s of CPU that the ingest's own
    process spent on 10,000 Reuters stories, while the pool waited on it."""
    return [(item, None if isinstance(item, SkippedFile) else text_key(item)) for item in clean_batch(pages)]


class _InlineExecutor(Executor):
    """An executor that runs each task at once, in this process (one core)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def _worker_pool(workers: int) -> Executor:
    """Processes that clean batches of pages, then analyse documents (forked: forkserver and
    spawn would re-import the caller's main module, which a script without a main guard
    cannot bear)."""
    if workers > 1:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_die_with_parent, initargs=(os.getpid(),))
    return _InlineExecutor()


PR_SET_PDEATHSIG = 1  # Linux prctl option


def _die_with_parent(parent: int) -> None:
    """Make a worker end when the ingest that forked it is killed: a SIGKILLed
    parent cannot shut its pool down, and the workers would linger, idle, for ever."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the workers end when their pipe does
        return
    if os.getppid() != parent:  # killed before the prctl took effect
        os._exit(1)


def _ordered_map(pool: Executor, work: Callable[[list], list], batches: Iterable[tuple[object, list]],
                 window: int = 8):
    """(label, work(batch)) for each (label, batch) in input order, at most `window` batches in flight."""
    pending: deque = deque()
    for label, batch in batches:
        pending.append((label, pool.submit(work, batch)))
        if len(pending) >= window:
            done, future = pending.popleft()
            yield done, future.result()
    while pending:
        done, future = pending.popleft()
        yield done, future.result()
