"""`search-service ingest | search | serve | stats`: argument parsing over the stage functions."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import Config
from .indexer import IndexBusyError, NoIndexError, has_index, index_stats
from .ingest import IngestSummary, ingest
from .models import SearchRequest
from .search import QueryError, SearchIndex
from .web.formats import render_results


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (NoIndexError, FileNotFoundError, IndexBusyError, QueryError, ValueError) as exc:
        print(f"search-service: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a read-only folder, a quota
        print(f"search-service: could not write the index: {exc.strerror or exc} ({exc.filename or args.index}); "
              "the previous index is still the one served", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nsearch-service: interrupted; the previous index is still the one served", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="search-service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = Config.from_env()

    p = commands.add_parser("ingest", help="read, clean and index a corpus folder")
    p.add_argument("corpus", nargs="?", default=str(defaults.corpus_dir), help="corpus folder (default: %(default)s)")
    p.add_argument("--index", default=str(defaults.index_dir), help="index folder (default: %(default)s)")
    p.add_argument("--max-file-mb", type=float, default=defaults.max_file_bytes / 1024 / 1024,
                   help="skip files larger than this (default: %(default)g)")
    p.add_argument("--workers", type=int, default=None, help="cleaning processes (default: one per core)")
    p.add_argument("--full", action="store_true",
                   help="rebuild from scratch instead of updating only new, changed and removed pages")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_ingest)

    p = commands.add_parser("search", help="query an index from the shell")
    p.add_argument("query")
    p.add_argument("--index", default=str(defaults.index_dir))
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=defaults.default_per_page)
    p.add_argument("--json", action="store_true", help="print the API's JSON instead of text")
    p.set_defaults(run=cmd_search)

    p = commands.add_parser("serve", help="serve the index over HTTP with gunicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: one per core, at least 2)")
    p.add_argument("--index", default=str(defaults.index_dir))
    p.add_argument("--corpus", default=str(defaults.corpus_dir), help="built into the index first when there is none")
    p.set_defaults(run=cmd_serve)

    p = commands.add_parser("stats", help="what the index holds")
    p.add_argument("--index", default=str(defaults.index_dir))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_stats)
    return parser


def cmd_ingest(args) -> int:
    if args.max_file_mb <= 0:
        raise ValueError("--max-file-mb must be positive")
    bar = None if args.quiet else ProgressBar() if sys.stderr.isatty() else ProgressLines()
    summary = ingest(args.corpus, args.index, int(args.max_file_mb * 1024 * 1024), progress=bar,
                     workers=args.workers, full=args.full)
    if bar:
        bar.finish()
    print(format_summary(summary, args.index))
    return 0


def format_summary(summary: IngestSummary, index: str) -> str:
    """The closing report of an ingest, for people."""
    lines = [
        f"files: {summary.files}   pages read: {summary.pages_read}   "
        f"skipped: {len(summary.skipped)}   duplicates: {len(summary.duplicates)}   "
        f"documents indexed: {summary.documents}   "
        f"time: {summary.seconds:.1f}s ({summary.pages_per_second:,.0f} pages/s)",
    ]
    if summary.incremental:
        as_before = f" ({summary.files_as_before} files as before, not read again)" if summary.files_as_before else ""
        lines.append(f"update: {summary.added} added, {summary.changed} changed, {summary.removed} removed, "
                     f"{summary.unchanged} unchanged{as_before}   documents in the index: {summary.total_documents}")
    for reason, count in summary.skipped_by_reason().most_common():
        lines.append(f"  skipped {count} × {reason}")
    for skipped in summary.skipped[:20]:
        lines.append(f"    {skipped.source}: {skipped.reason}")
    if len(summary.skipped) > 20:
        lines.append(f"    … and {len(summary.skipped) - 20} more")
    for source, original in summary.duplicates[:20]:
        lines.append(f"  duplicate: {source} repeats {original}")
    if len(summary.duplicates) > 20:
        lines.append(f"    … and {len(summary.duplicates) - 20} more duplicates")
    lines.append(f"index: {Path(index) / (summary.generation or '')} (now current)")
    return "\n".join(lines)


class ProgressBar:
    """A one-line progress bar per stage on stderr, redrawn in place."""

    WIDTH = 30

    def __init__(self) -> None:
        self._stage: str | None = None
        self._last = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            if self._stage is not None:
                sys.stderr.write("\n")
            self._stage, self._last = stage, -1
        filled = self.WIDTH * done // max(1, total)
        if filled == self._last and done != total:
            return
        self._last = filled
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r{stage:>9} [{bar}] {done}/{total}")
        sys.stderr.flush()

    def finish(self) -> None:
        if self._stage is not None:
            sys.stderr.write("\n")


class ProgressLines:
    """Progress for logs and pipes: a line each time a stage passes another tenth."""

    def __init__(self) -> None:
        self._shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        tenth = 10 * done // max(1, total)
        if self._shown.get(stage, -1) < tenth:
            self._shown[stage] = tenth
            print(f"{stage}: {done}/{total}", file=sys.stderr, flush=True)

    def finish(self) -> None:
        pass


def cmd_search(args) -> int:
    index = SearchIndex(args.index)
    results = index.search(SearchRequest(args.query, max(1, args.page), max(1, min(100, args.per_page))))
    if args.json:
        print(json.dumps(results.as_dict(), ensure_ascii=False, indent=2))
        return 0
    # The same text /api/search?format=text gives curl (control characters in scraped text
    # are never passed to the terminal).
    print(render_results(results.as_dict()))
    return 0


def cmd_stats(args) -> int:
    stats = index_stats(args.index)
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        for key, value in stats.items():
            print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    return 0


def cmd_serve(args) -> int:
    if not has_index(args.index):
        print(f"no index in {args.index}: building it from {args.corpus} first", file=sys.stderr)
        summary = ingest(args.corpus, args.index, progress=None)
        print(format_summary(summary, args.index), file=sys.stderr)
    from .web.server import run_gunicorn

    config = Config.from_env(index_dir=Path(args.index), corpus_dir=Path(args.corpus))
    run_gunicorn(config, host=args.host, port=args.port, workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
