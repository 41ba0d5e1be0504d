"""Writing benchmark results into benchmarks/README.md, one marked section per benchmark."""
from __future__ import annotations

import os
import platform
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"
INTRO = ("# Benchmarks\n\nMeasurements of the search service against shared benchmark data in "
         "`../shared/bench` (read at run time, never copied here). Generated files go to "
         "`benchmarks/out/` (git-ignored). Each section below is rewritten by the script it names.\n")


def cpu_model() -> str:
    """The CPU's model name, as /proc/cpuinfo gives it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line() -> str:
    """One line naming the machine a measurement ran on."""
    return (f"Machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}.")


def write_section(name: str, markdown: str, readme: Path = README) -> None:
    """Replace the `name` section of the README (between its markers), or append it."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = readme.read_text(encoding="utf-8") if readme.exists() else INTRO
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")
