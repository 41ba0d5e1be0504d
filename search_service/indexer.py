"""Indexer stage: Documents → a Whoosh index, written aside and switched in atomically.

Layout of an index folder::

    index/CURRENT             name of the generation being served (replaced atomically)
    index/gen-<time>-<pid>/   one complete Whoosh index per ingest, with its vocabulary file
                              and its long posting lists as arrays (postings_file.py)
    index/.lock               held by the one ingest allowed at a time

Readers resolve CURRENT once and keep that generation open until CURRENT changes, so a
running server never sees a half-written index and a failed ingest leaves the old one.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.fields import ID, STORED, Schema

from .analysis import AnalysedText, PreanalysedDocument, content, preanalyse, vocabulary_words
from .models import Document
from .postings_file import Unreadable, write_arrays
from .vocabulary import read_counts, write_vocabulary

CURRENT = "CURRENT"
LOCK = ".lock"
GENERATION_PREFIX = "gen-"
KEEP_GENERATIONS = 2  # the one served and the one before, for readers still on it

# Ranking fields. Words are scored on `content` (title and text as one field, so BM25 sees
# one document length and one term frequency) plus the title at TITLE_WEIGHT of that; see
# search_service/ranking.py and benchmarks/README.md for what each choice measured.
RANK_FIELD = "content"
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
)

# Fields searched by a query's words and phrases (title and text: `content` holds both).
SEARCH_FIELDS = (RANK_FIELD,)


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
    _remove_abandoned_generations(root)
    generation = f"{GENERATION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    folder = root / generation
    try:
        if base:
            shutil.copytree(root / base, folder)
            ix = whoosh_index.open_dir(str(folder))
            delete_sources = list(delete_sources)
            words = _kept_words(ix, folder, delete_sources)
        else:
            folder.mkdir()
            ix = whoosh_index.create_in(str(folder), SCHEMA)
            words = Counter()
        # One writer process. Whoosh's multi-process writer (procs=2, multisegment) built 1.4×
        # faster here, but a full disk then fails in its child processes, which print their
        # tracebacks and leave the parent a misleading FileNotFoundError.
        count = _write_documents(ix, documents, delete_sources, on_document, words)
        write_vocabulary(folder, words)
        with ix.searcher() as searcher:
            # The fields words are ranked on; positions for the one phrases are looked for in.
            # Postings the arrays cannot read (another codec) leave the generation without
            # the files: searches then read Whoosh's postings, as before they existed.
            try:
                write_arrays(folder, searcher, (RANK_FIELD, "title"), positions=(RANK_FIELD,))
            except Unreadable:
                pass
        total = ix.doc_count()
        if before_switch:
            before_switch(folder)
        _switch_current(root, generation)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _prune_generations(root)
    return BuildReport(generation, count, total, time.monotonic() - started)


def _write_documents(ix, documents: Iterable[Document | PreanalysedDocument], delete_sources: Iterable[str],
                     on_document, words: Counter[str]) -> int:
    """Delete the sources' documents, add the documents, and count their words into `words`.

    Documents not analysed yet are analysed here, in the writer's process.
    """
    writer = ix.writer(limitmb=256)
    count = 0
    try:
        for source in delete_sources:
            writer.delete_by_term("source", source)
        for item in documents:
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
            )
            words.update(analysed.words)
            count += 1
            if on_document:
                on_document(doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count


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
