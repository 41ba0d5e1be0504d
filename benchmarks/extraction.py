"""Main-text extraction: our cleaner beside readability-lxml and trafilatura, in one run.

    python benchmarks/extraction.py [--limit N] [--no-readme]

Runs ../shared/bench/extraction/evaluate.py (543 pages with human gold text) on
search_service.cleaning:extract_main_text and, when installed (`pip install -e '.[bench]'`),
on readability-lxml and trafilatura with comments off, and writes the table into
benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.report import machine_line, write_section  # noqa: E402

BENCH = HERE.parent.parent / "shared" / "bench" / "extraction"
OUT = HERE / "out" / "extraction"

# (row label, evaluate.py --extractor, module that must be importable)
EXTRACTORS = [
    ("**search_service**", "search_service.cleaning:extract_main_text", "search_service"),
    ("readability-lxml", "readability", "readability"),
    ("trafilatura, comments off", "trafilatura-nocomments", "trafilatura"),
]


def evaluate(extractor: str, limit: int | None) -> dict:
    """The evaluator's summary for one extractor."""
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / (extractor.replace(":", "_").replace(".", "_") + ".json")
    command = [sys.executable, str(BENCH / "evaluate.py"), "--extractor", extractor, "--json", str(out)]
    if limit:
        command += ["--limit", str(limit)]
    subprocess.run(command, check=True, cwd=HERE.parent, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())["summary"]


def version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version as dist_version

    for dist in {"readability": "readability-lxml", "search_service": "search_service"}.get(module, module), module:
        try:
            return dist_version(dist)
        except PackageNotFoundError:
            continue
    return "?"


SPEED_NOTE = "cleaning speed in one process (parse included)"


def table(rows: list[tuple[str, str, dict]], command: str, heading: str = "Main-text extraction",
          speed_note: str = SPEED_NOTE) -> str:
    lines = [
        f"## {heading}",
        "",
        "Bag-of-tokens F1 against human gold text on the 543 pages of "
        f"`../shared/bench/extraction` (mean over pages), {speed_note}. Measured in one run, same machine.",
        "",
        "| extractor | version | mean F1 | median F1 | mean P | mean R | empty outputs | pages/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, ver, s in rows:
        a = s["all"]
        lines.append(f"| {label} | {ver} | {a['mean_f1']:.3f} | {a['median_f1']:.3f} | "
                     f"{a['mean_precision']:.3f} | {a['mean_recall']:.3f} | {a['empty_outputs']} | "
                     f"{a['pages_per_second']:.0f} |")
    sources = [k for k in rows[0][2] if k not in ("all", "extractor", "data")]
    lines += ["", "Mean F1 per source:", "", "| extractor | " + " | ".join(sources) + " |",
              "|---|" + "---:|" * len(sources)]
    for label, _, s in rows:
        lines.append(f"| {label} | " + " | ".join(f"{s[src]['mean_f1']:.3f}" for src in sources) + " |")
    lines += ["", machine_line() + "  ", f"Command: `{command}`"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return run(argv, __doc__, "benchmarks/extraction.py", "extraction",
               [row for row in EXTRACTORS if _installed(*row)])


def _installed(label: str, extractor: str, module: str) -> bool:
    if importlib.util.find_spec(module) is None:
        print(f"skipping {label}: {module} is not installed", file=sys.stderr)
        return False
    return True


def run(argv: list[str] | None, doc: str, script: str, section: str, extractors: list[tuple[str, str, str]],
        **table_options) -> int:
    """A script's command line: evaluate each (row label, evaluate.py extractor, module whose
    version is shown), print the table, and write it into the README section (unless
    --limit or --no-readme)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    rows = []
    for label, extractor, module in extractors:
        print(f"evaluating {label} …", file=sys.stderr)
        rows.append((label, version(module), evaluate(extractor, args.limit)))
    command = f"python {script}" + (f" --limit {args.limit}" if args.limit else "")
    markdown = table(rows, command, **table_options)
    print(markdown)
    if not args.no_readme and not args.limit:
        write_section(section, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
