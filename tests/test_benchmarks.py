"""Smoke tests of the performance harness (benchmarks/): its pieces, never its timings."""
from __future__ import annotations

import importlib
import sys

import pytest
import requests

from benchmarks import corpus, fts5, http, incremental, memory_soak, nginx, perf_report, queries, query_shapes, report
from search_service import search
from search_service.ingest import ingest

needs_reuters = pytest.mark.skipif(not corpus.REUTERS.exists(), reason="shared bench corpus not present")


def test_sizes_parse_and_print():
    assert corpus.parse_size("10k") == 10_000
    assert corpus.parse_size("1m") == 1_000_000
    assert corpus.parse_size("2500") == 2_500
    assert corpus.size_label(100_000) == "100k"


def test_fts5_match_expression_is_never_syntax():
    assert fts5.match_expression("oil prices") == '"oil" OR "prices"'
    assert fts5.match_expression('"crude oil"') == '"crude oil"'
    assert fts5.match_expression('"crude oil" opec') == '"crude oil" AND ("opec")'
    assert fts5.match_expression("NOT near OR") == '"NOT" OR "near" OR "OR"'


def test_parse_wrk_output():
    out = """Running 10s test @ http://127.0.0.1:1
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   183.75ms   70.0ms   1.20s    72.06%
  Latency Distribution
     50%  167.96ms
     75%  228.04ms
     90%  266.67ms
     99%    1.52s
  221 requests in 5.07s, 2.74MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:     43.59
"""
    r = http.parse_wrk(out)
    assert r["rps"] == 43.59 and r["requests"] == 221
    assert r["mean_ms"] == 183.75 and r["p50_ms"] == 167.96 and r["p99_ms"] == 1520
    assert r["non_2xx"] == 3 and r["socket_errors"] == 3


def test_report_names_only_the_runs_whose_numbers_it_shows():
    runs = {
        "python -m benchmarks --sizes 10k --only http": {"when": "2026-12-02 00:56", "parts": ["10k", "http"]},
        "python -m benchmarks --sizes 1m --only build": {"when": "2026-12-02 01:00", "parts": ["1m", "build"]},
        "python -m benchmarks --only ingest": {"when": "2026-12-02 01:30", "parts": ["ingest"]},
        "python -m benchmarks": {"when": "2026-12-02 03:03",
                                 "parts": ["10k", "100k", "build", "query", "http", "ingest"]},
    }
    # The 10k HTTP and the ingest numbers were measured again by the full run; the 1M build was not.
    assert [command for command, _ in perf_report.shown_runs(runs)] == [
        "python -m benchmarks --sizes 1m --only build", "python -m benchmarks"]


def test_a_run_kept_from_another_machine_names_that_machine():
    here = {"when": "2026-12-02 13:00", "parts": ["10k", "http"], "minutes": 5.0, "machine": report.machine_line()}
    there = here | {"machine": "Machine: 2 cores, Another CPU, Python 3.11.7, Linux 6."}
    assert perf_report.command_line("python -m benchmarks", here) == \
        "Command: `python -m benchmarks` (10k, http; 2026-12-02 13:00, took 5.0 min)  "
    assert perf_report.command_line("python -m benchmarks", there).endswith(
        "took 5.0 min; on another machine: Machine: 2 cores, Another CPU, Python 3.11.7, Linux 6.)  ")


def test_http_rows_show_each_load_and_its_shares_of_cached_answers():
    load = {"rps": 400.0, "mean_ms": 20.0, "p50_ms": 15.0, "p99_ms": 40.0, "non_2xx": 0, "socket_errors": 0,
            "requests": 8000}
    results = {"sizes": {"10k": {"n": 10_000, "http": {
        "ours": {"zipf": load | {"cache_hit_share": 0.44}, "zipf_continued": load | {"cache_hit_share": 0.52},
                 "distinct": load | {"rps": 250.0}},
        "ours_nginx": {"zipf": load | {"rps": 520.0, "cache_hit_share": 0.05, "proxy_hit_share": 0.55}},
        "hello": {"zipf": load | {"rps": 3000.0}}}}}}
    rows = perf_report.http_table(results)
    assert len(rows) == 2 + 5
    assert rows[2].startswith("| 10k | **ours** | Zipf log | 400 |") and rows[2].endswith("| 44% | — |")
    assert "Zipf log continued" in rows[3] and rows[3].endswith("| 52% | — |")
    assert rows[4].endswith("| — | — |")  # no count of cached answers: none shown
    assert rows[5].startswith("| 10k | **ours** behind nginx with its cache | Zipf log | 520 |")
    assert rows[5].endswith("| 5% | 55% |")
    goals = perf_report.goals(results)
    assert "Zipf log continued" in "\n".join(goals) and "Flask hello 3,000 req/s" in "\n".join(goals)
    behind = [row for row in goals if "behind nginx" in row]
    assert len(behind) == 1 and "520 req/s, 0 errors" in behind[0] and behind[0].endswith("| ✅ yes |")
    # A load that sent more requests than its log has lines went round it again: marked.
    results["sizes"]["10k"]["http"]["zipf_log"] = {"requests": 10_000}
    results["sizes"]["10k"]["http"]["hello"]["zipf"]["requests"] = 60_000
    rows = perf_report.http_table(results)
    assert "| 3,000 ↻ |" in rows[6] and not any("↻" in row for row in rows[2:6])


def test_naive_whoosh_rows_give_ours_as_a_multiple_of_it_beside_the_issues_goals():
    load = {"rps": 400.0, "mean_ms": 20.0, "p50_ms": 15.0, "p99_ms": 40.0, "non_2xx": 0, "socket_errors": 0,
            "requests": 8000}
    results = {"sizes": {"10k": {"n": 10_000, "http": {
        "ours": {"zipf": load, "distinct": load | {"rps": 250.0}},
        "naive": {"zipf": load | {"rps": 50.0}, "distinct": load | {"rps": 50.0}}}}}}
    goals = perf_report.goals(results)
    zipf = [row for row in goals if "naive Whoosh's req/s" in row and "Zipf log" in row]
    distinct = [row for row in goals if "naive Whoosh's req/s" in row and "distinct" in row]
    # the issue's 500 and 150 req/s were 11.1× and 3.3× its naive 45
    assert len(zipf) == 1 and "≥ 11.1×" in zipf[0] and "400 req/s (8.0×)" in zipf[0] and zipf[0].endswith("❌ no |")
    assert len(distinct) == 1 and "≥ 3.3×" in distinct[0] and "(5.0×)" in distinct[0] and distinct[0].endswith("✅ yes |")
    assert any(row.startswith("| 10k | naive Whoosh") for row in perf_report.http_table(results))


def test_naive_whoosh_app_answers_from_the_served_generation(built_index, monkeypatch):
    monkeypatch.setenv("SEARCH_INDEX", str(built_index))
    monkeypatch.delitem(sys.modules, "benchmarks.naive_app", raising=False)
    naive = importlib.import_module("benchmarks.naive_app")
    answer = naive.app.test_client().get("/api/search", query_string={"q": "migrants"}).get_json()
    assert answer["total"] >= 1 and 1 <= len(answer["results"]) <= 10
    assert any("<b" in hit["snippet"] and "migrants" in hit["snippet"].lower() for hit in answer["results"])


def test_memory_soak_without_a_built_index_says_how_to_build_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(corpus, "OUT", tmp_path)
    assert memory_soak.main(["--size", "10k", "--seconds", "1"]) == 2
    assert "python -m benchmarks --sizes 10k --only build" in capsys.readouterr().err


@needs_reuters
def test_query_sets_are_deterministic_and_shaped():
    mix = queries.query_mix(4)
    assert mix == queries.query_mix(4)
    assert [q.kind for q in mix[:5]] == ["1 word", "2 words", "3 words", "phrase", "filter"]
    assert all(q.q.startswith('"') for q in mix if q.kind == "phrase")
    distinct = queries.distinct_queries(500)
    assert len(set(distinct)) == 500
    log = queries.zipf_log(2000)
    n_distinct, repeats = queries.repeat_stats(log)
    assert 0.3 < repeats < 0.9 and n_distinct < 2000


@needs_reuters
def test_scale_up_documents_are_distinct_and_deterministic():
    docs = [corpus.made_up(i) for i in range(30_000, 30_050)]
    assert docs[0] == corpus.made_up(30_000)
    assert len({d["text"] for d in docs}) == 50 and all(d["title"] and d["url"] for d in docs)
    first = list(corpus.documents(3))
    assert first[0]["id"] == corpus.reuters()[0]["id"]


@needs_reuters
def test_fts5_baseline_on_200_documents(tmp_path):
    db = tmp_path / "fts.sqlite"
    count, _ = fts5.build(db, corpus.documents(200))
    assert count == 200
    index = fts5.Fts5Index(db)
    rows = index.search("oil")
    assert rows and all("<mark>" in r[4] for r in rows)
    assert len(index.search("oil", site="news.example.com", date_from="1987-01-01", date_to="1987-12-31")) == len(rows)
    assert index.search("oil", site="elsewhere.example") == []
    index.close()


@needs_reuters
def test_incremental_benchmark_changes_one_page_and_reports_each_size(tmp_path):
    result = incremental.measure(300, rounds=2, out=tmp_path)
    assert result["pages"] == 300 and len(result["ours"]) == 2 and len(result["fts5_update_seconds"]) == 2
    assert all(r["documents"] == result["ours"][0]["documents"] > 0 for r in result["ours"])
    assert all(0 < r["reading"] < r["seconds"] for r in result["ours"] + result["new_file"])
    assert [r["documents"] for r in result["new_file"]] == [result["ours"][0]["documents"] + k for k in (1, 2)]
    assert not (tmp_path / "incremental" / "300").exists()  # the scratch copy is removed
    table = incremental.report([result], rounds=2)
    assert "| 300 |" in table and "Command: `python -m benchmarks.incremental`" in table


@needs_reuters
def test_query_shapes_benchmark_asks_every_shape_of_three_engines(tmp_path):
    shaped = query_shapes.shaped_queries(2)
    assert shaped == query_shapes.shaped_queries(2) and len(shaped) == 2 * len(query_shapes.KINDS)
    assert [s.kind for s in shaped[:len(query_shapes.KINDS)]] == list(query_shapes.KINDS)
    corpus.write_jsonl(tmp_path / "corpus" / "docs.jsonl", 300)
    ingest(tmp_path / "corpus", tmp_path / "index", max_bytes=1 << 30)
    fts5.build(tmp_path / "fts5.sqlite", corpus.documents(300))
    result = query_shapes.measure(tmp_path / "index", tmp_path / "fts5.sqlite", shaped)
    for engine in ("ours", "walked", "fts5"):
        assert {kind: r["n"] for kind, r in result["engines"][engine].items()} == dict.fromkeys(query_shapes.KINDS, 2)
    assert search.ACCUMULATE  # turned back on after the walked runs
    table = query_shapes.report({"300": result}, shaped)
    assert all(f"| 300 | {kind} |" in table for kind in query_shapes.KINDS)


def test_deploy_nginx_cache_keeps_api_answers_and_nothing_else(server):
    """deploy/nginx.conf with its optional cache on (as the benchmark runs it), in front of
    the real service: a repeated search is answered from nginx's cache, the same answer;
    the HTML page and /healthz, which carry no Cache-Control, always go to the service."""
    with nginx.cached_proxy(server.url) as (base, statuses):
        first = requests.get(base + "/api/search?q=mexico", timeout=20)
        again = requests.get(base + "/api/search?q=mexico", timeout=20)
        assert first.status_code == again.status_code == 200
        assert first.headers["X-Cache-Status"] == "MISS" and again.headers["X-Cache-Status"] == "HIT"
        assert again.json()["results"] == first.json()["results"] and again.json()["total"] > 0
        for path in ("/?q=mexico", "/?q=mexico", "/healthz", "/healthz"):
            assert requests.get(base + path, timeout=20).headers.get("X-Cache-Status") != "HIT"
        counted = statuses()
    assert counted["HIT"] == 1 and sum(counted.values()) >= 6
