"""The command line, run as a user would run it."""
from __future__ import annotations

import json
import subprocess
import sys


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "search_service.cli", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_ingest_prints_a_summary(tmp_path, corpus_dir):
    result = run("ingest", str(corpus_dir), "--index", str(tmp_path / "ix"))
    assert result.returncode == 0, result.stderr
    assert "pages read: 5" in result.stdout
    assert "documents indexed: 5" in result.stdout
    assert "skipped: 0" in result.stdout


def test_search_as_text_and_json(built_index):
    text = run("search", '"special forces"', "--index", str(built_index))
    assert text.returncode == 0
    assert text.stdout.startswith("1 result for")
    assert "[Special] [Forces]" in text.stdout
    data = json.loads(run("search", "lopez obrador", "--index", str(built_index), "--json").stdout)
    assert data["total"] == 5


def test_stats(built_index):
    data = json.loads(run("stats", "--index", str(built_index), "--json").stdout)
    assert data["documents"] == 5


def test_errors_are_messages_not_tracebacks(tmp_path):
    result = run("search", "x", "--index", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "no index" in result.stderr and "Traceback" not in result.stderr
    result = run("ingest", str(tmp_path / "missing"), "--index", str(tmp_path / "ix"))
    assert result.returncode == 2 and "corpus folder not found" in result.stderr
    result = run("search", "*", "--index", str(tmp_path / "none"))
    assert result.returncode == 2
