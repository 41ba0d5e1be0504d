"""Indexer stage: Documents → a Whoosh index, written aside and switched in atomically.

Layout of an index folder::

    index/CURRENT             name of the generation being served (replaced atomically)
    index/gen-<time>-<pid>/   one complete Whoosh index per ingest, with its vocabulary file
                              and its long posting lists as arrays (postings_file.py); an
                              incremental ingest's shares the segments it keeps with the
                              generation before by hard links (never written in place)
    index/.lock               held by the one ingest allowed at a time

Readers resolve CURRENT once and keep that generation open until CURRENT changes, so a
running server never sees a half-written index and a failed ingest leaves the old one.
"""
from __future__ import annotations

import fcntl
import gc
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Executor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.fields import COLUMN, ID, STORED, Schema

from .analysis import AnalysedText, PreanalysedDocument, content, preanalyse, vocabulary_words
from .document_keys import write_document_keys
from .models import Document, SkippedFile
from .postings_file import (
    Unreadable, join_parts, part_file, remove_part_files, save_part_lists, update_arrays, write_arrays,
)
from .ranking import document_feedback_terms
from .segment_writer import BulkSegmentWriter
from .vocabulary import read_counts, write_vocabulary

CURRENT = "CURRENT"
LOCK = ".lock"
GENERATION_PREFIX = "gen-"
KEEP_GENERATIONS = 2  # the one served and the one before, for readers still on it
# Postings a segment writer holds before it writes them out as a run (Whoosh's estimate, ~100
# bytes a posting). Runs are cheap to join: a 100k build at 128 against 256 took 111-116 s
# against 120-121, its writing processes peaking at 623 MB against 863 (benchmarks/README.md).
WRITER_MEMORY_MB = 128

# Ranking fields. Words are scored on `content` (title and text as one field, so BM25 sees
# one document length and one term frequency) plus the title at TITLE_WEIGHT of that; see
# search_service/ranking.py and benchmarks/README.md for what each choice measured.
RANK_FIELD = "content"
# A column of each document's FeedbackTerms (ranking.py), what pseudo-relevance feedback
# reads of it: worked out here, read without the stored fields (stored_documents.py).
FEEDBACK_FIELD = "feedback"
TITLE_WEIGHT = 0.3

SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    source=ID(stored=True),
    url=STORED(),
    site=ID(stored=True, sortable=True),
    title=AnalysedText(stored=True),
    author=AnalysedText(stored=True),
    published=ID(stored=True, sortable=True),
    year=ID(sortable=True),  # of published, for the facet
    lang=ID(stored=True),
    # The text is only stored (for snippets and the document view): it is indexed once, in
    # `content`. Indexing it a second time on its own cost a third of the build time and the
    # index size, for phrases that `content` finds as well.
    text=STORED(),
    # title + text, for ranking and phrases. No `spelling=True`: that indexed every word again, unstemmed
    # and with postings, doubling the index and its build time, for "did you mean" and
    # completions, which read the generation's vocabulary file instead (vocabulary.py).
    content=AnalysedText(),
    # Where the text's tokens stand, for snippets (token_spans.py).
    spans=STORED(),
    **{FEEDBACK_FIELD: COLUMN()},
)

# Fields searched by a query's words and phrases (title and text: `content` holds both).
SEARCH_FIELDS = (RANK_FIELD,)
# The fields words are ranked on, whose long posting lists go into the generation's arrays
# (postings_file.py), and the one phrases are looked for in, whose positions go there too.
ARRAY_FIELDS = (RANK_FIELD, "title")
POSITION_FIELDS = (RANK_FIELD,)


class IndexBusyError(RuntimeError):
    """Another ingest holds the index's writer lock."""


class NoIndexError(FileNotFoundError):
    """The folder holds no index yet."""


class UnreadableIndexError(NoIndexError):
    """The folder's current index is damaged."""


@dataclass
class BuildReport:
    generation: str
    documents: int  # written by this build
    total: int  # in the generation, with those it kept from its base
    seconds: float
    skipped: list[SkippedFile] = field(default_factory=list)  # items of parts not indexed


_HELD: set[Path] = set()  # index folders whose writer lock this process holds


@contextmanager
def writer_lock(root: Path):
    """Hold the index folder's single-writer lock, or raise IndexBusyError at once.

    A POSIX record lock (lockf), not flock: processes forked while it is held (cleaning
    workers, Whoosh's segment writers) do not inherit it, so a killed ingest never leaves
    the lock behind in an orphan.
    """
    root.mkdir(parents=True, exist_ok=True)
    key = root.resolve()
    busy = IndexBusyError(f"another ingest is writing {root}; try again when it ends")
    if key in _HELD:  # record locks do not exclude the process that holds them
        raise busy
    with open(root / LOCK, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            raise busy from None
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
            fcntl.lockf(handle, fcntl.LOCK_UN)


def build_index(
    documents: Iterable[Document],
    root: str | os.PathLike,
    on_document: Callable[[Document], None] | None = None,
) -> BuildReport:
    """Index documents into a new generation under root and switch it in when complete."""
    with writer_lock(Path(root)):
        return write_generation(documents, root, on_document)


def write_generation(
    documents: Iterable[Document],
    root: str | os.PathLike,
    on_document: Callable[[Document], None] | None = None,
    base: str | None = None,
    delete_sources: Iterable[str] = (),
    before_switch: Callable[[Path], None] | None = None,
) -> BuildReport:
    """build_index for a caller that already holds the writer lock.

    With `base`, the new generation starts as a copy of that generation, less the
    documents of `delete_sources`, and the documents are added to it (an incremental
    update); the base itself is never written to. `before_switch` may add files to the
    finished generation before it is switched in. The generation's vocabulary (vocabulary.py)
    is written before it is switched in, counted from the base's and the documents' words,
    and so are its long posting lists as arrays (postings_file.py).
    """
    root = Path(root)
    started = time.monotonic()
    folder = _new_generation_folder(root)
    try:
        if base:
            shutil.copytree(root / base, folder, copy_function=_link_or_copy)
            ix = writing_storage(folder).open_index()
            delete_sources = list(delete_sources)
            words = _kept_words(ix, folder, delete_sources)
        else:
            folder.mkdir()
            ix = writing_storage(folder).create_index(SCHEMA)
            words = Counter()
        count = _write_documents(ix, documents, delete_sources, on_document, words)
        total = _complete_generation(root, folder, ix, words, before_switch, copied=base is not None)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _prune_generations(root)
    return BuildReport(folder.name, count, total, time.monotonic() - started)


def write_generation_in_parts(
    parts: Sequence[Iterable[Document | SkippedFile]],
    root: str | os.PathLike,
    pool: Executor,
    progress: Callable[[int], None] | None = None,
    before_switch: Callable[[Path], None] | None = None,
) -> BuildReport:
    """write_generation of a new index (no base) whose documents come in parts, written at once.

    Each part is written as one segment by one of the pool's processes, so parts must be
    picklable iterables that a process can read on its own; the segments are committed
    together, in the parts' order (so documents keep their order). A part's SkippedFile
    items are not indexed but returned in the report. `progress` is called, about twice a
    second, with the number of documents written so far. The caller holds the writer lock.

    Not Whoosh's own multi-process writer: a full disk made its processes print their
    tracebacks and leave the caller a misleading FileNotFoundError, where a pool's process
    hands its exception back.
    """
    root = Path(root)
    started = time.monotonic()
    folder = _new_generation_folder(root)
    try:
        folder.mkdir()
        ix = writing_storage(folder).create_index(SCHEMA)
        # This writer holds Whoosh's own lock on the new index and commits the segments
        # that the processes write without one, as whoosh.multiproc's MpWriter does.
        writer = ix.writer()
        try:
            results = _write_parts(folder, parts, pool, progress)
            writer._close_segment()
            writer._commit_toc([result.segment for result in results if result.documents])
        finally:
            writer._finish()
        words = sum((result.words for result in results), Counter())
        written = [result for result in results if result.documents]
        lists = [result.lists for result in written] if all(result.lists for result in written) else None
        total = _complete_generation(root, folder, ix, words, before_switch, pool, len(parts), lists)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _prune_generations(root)
    return BuildReport(folder.name, sum(r.documents for r in results), total, time.monotonic() - started,
                       skipped=[skip for result in results for skip in result.skipped])


@dataclass
class _PartWritten:
    """What a process reports of the part it wrote as a segment."""

    segment: object  # Whoosh's segment, for the table of contents
    documents: int
    words: Counter[str]
    skipped: list[SkippedFile]
    lists: Path | None = None  # its posting lists (save_part_lists), when its writer kept them


def _write_parts(folder: Path, parts: Sequence[Iterable], pool: Executor,
                 progress: Callable[[int], None] | None) -> list[_PartWritten]:
    """Each part written by the pool as one segment of the index in folder, in order."""
    futures = [pool.submit(_write_part, str(folder), part, k) for k, part in enumerate(parts)]
    while True:
        done, running = wait(futures, timeout=PROGRESS_SECONDS, return_when=FIRST_EXCEPTION)
        failed = [future for future in done if future.exception() is not None]
        if failed or not running:
            break
        if progress:
            progress(sum(_read_count(folder, k) for k in range(len(parts))))
    # Let the other parts end before the caller removes their folder, then raise the failure
    # that came first (the others may only be its consequences).
    wait(futures)
    if failed:
        raise failed[0].exception()
    results = [future.result() for future in futures]
    for k in range(len(parts)):
        _count_file(folder, k).unlink(missing_ok=True)
    if progress:
        progress(sum(result.documents for result in results))
    return results


# A part's process writes its count of documents written to a file of the new generation
# every PROGRESS_DOCUMENTS documents, for the progress bar: a file, because the pool's
# processes were forked before the parts existed and share nothing else with the caller.
PROGRESS_SECONDS = 0.5
PROGRESS_DOCUMENTS = 200


def _count_file(folder: Path, slot: int) -> Path:
    return folder / f".written-{slot}"


def _read_count(folder: Path, slot: int) -> int:
    try:
        return int(_count_file(folder, slot).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def _write_part(folder: str, part: Iterable, slot: int) -> _PartWritten:
    """Write one part's documents as a new segment of the index in folder (in a pool's process)."""
    ix = writing_storage(folder).open_index()
    # It keeps the lists of the arrays' fields it sorted, for join_parts.
    writer = BulkSegmentWriter(ix, keep_lists=ARRAY_FIELDS, _lk=False, limitmb=WRITER_MEMORY_MB)
    words: Counter[str] = Counter()
    skipped: list[SkippedFile] = []
    count = 0
    try:
        with collector_paused():
            for item in part:
                if isinstance(item, SkippedFile):
                    skipped.append(item)
                    continue
                _add_document(writer, item, words)
                count += 1
                if count % PROGRESS_DOCUMENTS == 0:
                    _count_file(Path(folder), slot).write_text(str(count))
            # Not commit(): the caller's writer commits every part's segment at once. Nor
            # _finish(): it would delete the temporary folder that every writer of the index
            # shares, the caller's among them; the caller's writer deletes it when it ends.
            segment = writer._finalize_segment()
            saved = None
            if count and writer.kept_lists is not None:
                saved = part_file(Path(folder), slot)
                save_part_lists(saved, count, writer.kept_lists, ARRAY_FIELDS, POSITION_FIELDS)
    except BaseException:
        # Not cancel() either, for the same reason: the caller removes the whole folder.
        writer.discard_postings()
        raise
    return _PartWritten(segment, count, words, skipped, saved)


# Files of a generation that are never written to once they are: Whoosh's segments (their
# deletions are kept in the table of contents) and the postings arrays (replaced whole,
# postings_file.WrittenFile). A new generation links them rather than copying them, so that
# an incremental ingest does not copy the index (~1 s of its ~5 s at 100k documents).
_SHARED_SUFFIXES = (".seg", ".bin")


def _link_or_copy(source: str, target: str) -> None:
    """copytree's copy of one file: a hard link for files never written in place, else a copy
    (also when the file system cannot link)."""
    if source.endswith(_SHARED_SUFFIXES):
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copy2(source, target)


def writing_storage(folder: str | os.PathLike) -> FileStorage:
    """The storage of a generation being written. Not memory-mapped: Whoosh copies each part
    of a mapped segment it opens (a segment's whole terms table, each time a reader opens it):
    opening the 100k index so took 386 MB and 0.3-0.6 s against 21 MB and 0.1 s, and an
    incremental ingest of a million documents peaked at 5.6 GB against 2.2."""
    return FileStorage(str(folder), supports_mmap=False)


def _new_generation_folder(root: Path) -> Path:
    """The path of a new generation under root (not made yet), after removing abandoned ones."""
    _remove_abandoned_generations(root)
    return root / f"{GENERATION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"


def _complete_generation(root: Path, folder: Path, ix, words: Counter[str],
                         before_switch: Callable[[Path], None] | None,
                         pool: Executor | None = None, parts: int = 1, lists: list[Path] | None = None,
                         copied: bool = False) -> int:
    """Write the committed index's vocabulary, arrays and document keys, then switch it in;
    its document count.

    `lists`: the files of posting lists that the parts of a parallel build kept, one per
    segment, from which the arrays are written rather than read back from the index.
    `copied`: the folder is a copy of an earlier generation, its arrays files among them,
    which give the lists of the segments the new generation kept.
    """
    write_vocabulary(folder, words)
    with ix.searcher() as searcher:
        # Postings the arrays cannot read (another codec) leave the generation without
        # the files: searches then read Whoosh's postings, as before they existed.
        try:
            _write_arrays(folder, searcher, pool, parts, lists, copied)
        except Unreadable:
            pass
        finally:
            remove_part_files(folder)  # those of parts that kept theirs when another could not
        write_document_keys(folder, searcher)
    total = ix.doc_count()
    if before_switch:
        before_switch(folder)
    _switch_current(root, folder.name)
    return total


def _write_arrays(folder: Path, searcher, pool: Executor | None, parts: int, lists: list[Path] | None,
                  copied: bool = False) -> None:
    """The generation's arrays (postings_file.py), from the parts' lists when there are
    such and they match the segments, or updated from the copied generation's files, else
    read from the index."""
    if lists:
        try:
            join_parts(folder, searcher, lists, ARRAY_FIELDS, positions=POSITION_FIELDS)
            return
        except Unreadable:
            pass
    if copied:
        try:
            update_arrays(folder, searcher, ARRAY_FIELDS, positions=POSITION_FIELDS)
            return
        except Unreadable:
            pass
    write_arrays(folder, searcher, ARRAY_FIELDS, positions=POSITION_FIELDS, pool=pool, parts=parts)


def _write_documents(ix, documents: Iterable[Document | PreanalysedDocument], delete_sources: Iterable[str],
                     on_document, words: Counter[str]) -> int:
    """Delete the sources' documents, add the documents, and count their words into `words`.

    Documents not analysed yet are analysed here, in the writer's process.
    """
    writer = BulkSegmentWriter(ix, limitmb=WRITER_MEMORY_MB)
    count = 0
    with collector_paused():
        try:
            for source in delete_sources:
                writer.delete_by_term("source", source)
            for item in documents:
                doc = _add_document(writer, item, words)
                count += 1
                if on_document:
                    on_document(doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return count


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off for a segment's writing.

    A writer holds every posting it gathered (hundreds of thousands of tuples and lists),
    and the collector's passes walk them all again and again: one process reading 4,984
    Reuters stories from a spool and writing them took 0.72-0.74 ms a document with it and
    0.67-0.69 without (alternated). Adding documents leaves no cycles behind (after such a
    writing with the collector off, the cycles it found were the segment writer's own, its
    terms table's entries), so nothing piles up meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _add_document(writer, item: Document | PreanalysedDocument, words: Counter[str]) -> Document:
    """Add a document to the writer (analysed here if it was not yet), its words to `words`."""
    analysed = item if isinstance(item, PreanalysedDocument) else preanalyse(item)
    doc = analysed.doc
    writer.add_document(
        id=doc.id,
        source=doc.source,
        url=doc.url,
        site=doc.site,
        published=doc.published,
        year=doc.published[:4] if doc.published else None,
        lang=doc.lang,
        text=doc.text,
        # title, author, content: their postings; Whoosh stores the _stored_ text
        **analysed.fields,
        _stored_title=doc.title,
        _stored_author=doc.author,
        spans=analysed.spans,
        **{FEEDBACK_FIELD: document_feedback_terms(doc.title, doc.text, analysed.fields[RANK_FIELD].terms).to_bytes()},
    )
    words.update(analysed.words)
    return doc


def _kept_words(ix, folder: Path, delete_sources: list[str]) -> Counter[str]:
    """The base generation's word counts (copied into folder), less those of the documents
    of delete_sources, which the new generation drops."""
    with ix.searcher() as searcher:
        words = read_counts(folder)
        if words is None:  # a base from before vocabulary files: count its documents
            words = Counter()
            for fields in searcher.all_stored_fields():
                words.update(_stored_words(fields))
        for source in delete_sources:
            for docnum in searcher.document_numbers(source=source):
                words.subtract(_stored_words(searcher.stored_fields(docnum)))
    return words


def _stored_words(fields: dict) -> set[str]:
    return vocabulary_words(content(fields.get("title"), fields.get("text")))


def _remove_abandoned_generations(root: Path) -> None:
    """Delete generation folders an interrupted ingest left half-written (writer lock held)."""
    current = current_generation(root)
    for path in root.iterdir():
        if path.is_dir() and path.name.startswith(GENERATION_PREFIX) and path.name != current \
                and not whoosh_index.exists_in(str(path)):
            shutil.rmtree(path, ignore_errors=True)


def _switch_current(root: Path, generation: str) -> None:
    """Point CURRENT at the generation with one atomic rename, durable on disk."""
    tmp = root / f"{CURRENT}.{os.getpid()}.tmp"
    with open(tmp, "w") as handle:
        handle.write(generation + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / CURRENT)
    dir_fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _prune_generations(root: Path) -> None:
    """Remove old and abandoned generations, keeping the current one and its predecessor."""
    current = current_generation(root)
    generations = sorted(
        (p for p in root.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX)),
        key=lambda p: p.stat().st_mtime,
    )
    keep = {current}
    keep.update(p.name for p in [g for g in generations if g.name != current][-(KEEP_GENERATIONS - 1):])
    for path in generations:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def current_generation(root: str | os.PathLike) -> str | None:
    """The generation CURRENT names, or None when there is no index."""
    try:
        name = (Path(root) / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


class CurrentPointer:
    """CURRENT of one index, for a reader that asks on every request: read again only when
    the file changed (a new inode from the atomic rename, or a new mtime or size from an
    edit in place), so that a request costs a stat, not an open and a read."""

    def __init__(self, root: str | os.PathLike) -> None:
        self._path = Path(root) / CURRENT
        self._seen: tuple[int, int, int] | None = None
        self._name: str | None = None

    def generation(self) -> str | None:
        """The generation CURRENT names now, or None when there is no index."""
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            self._seen = self._name = None
            return None
        seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        if seen != self._seen:
            # Read after the stat: a switch in between is read now and seen again next time.
            self._seen, self._name = seen, current_generation(self._path.parent)
        return self._name


def has_index(root: str | os.PathLike) -> bool:
    """True when root holds a complete, readable, switched-in index."""
    try:
        open_index(root)
    except NoIndexError:
        return False
    return True


def open_index(root: str | os.PathLike):
    """Open the generation CURRENT names; returns (generation, whoosh index)."""
    name = current_generation(root)
    folder = Path(root) / name if name else None
    if folder is None or not folder.is_dir():
        raise NoIndexError(f"no index in {root}: run `search-service ingest` first")
    try:
        # Files read, not memory-mapped: mapped, the pages of the index a worker touched
        # counted in its resident memory (922 MB per worker at 100k documents, 436 MB of it
        # index pages); read, they stay in the page cache that every worker shares.
        return name, FileStorage(str(folder), supports_mmap=False, readonly=True).open_index()
    except whoosh_index.EmptyIndexError:
        raise NoIndexError(f"no index in {root}: run `search-service ingest` first") from None
    except Exception as exc:  # a damaged table of contents: whatever unpickling it raised
        raise UnreadableIndexError(f"the index in {folder} cannot be read ({type(exc).__name__}: {exc}); "
                                   "rebuild it with `search-service ingest --full`") from exc


def index_stats(root: str | os.PathLike) -> dict:
    """Document count, generation, size on disk and field names of the served index."""
    generation, ix = open_index(root)
    folder = Path(root) / generation
    with ix.searcher() as searcher:
        documents = searcher.doc_count()
    return {
        "documents": documents,
        "generation": generation,
        "path": str(folder.resolve()),
        "size_bytes": sum(p.stat().st_size for p in folder.iterdir() if p.is_file()),
        "fields": sorted(SCHEMA.names()),
    }
