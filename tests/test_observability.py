"""Access log lines and /metrics, from a real gunicorn (tests.conftest.Server)."""
from __future__ import annotations

import json
from datetime import datetime

import requests
from prometheus_client.parser import text_string_to_metric_families

from search_service.config import Config

from .test_security import serve_command, serving

FIELDS = {"time", "method", "path", "status", "duration_ms", "query_length", "results"}
SECRET = "zeppelin secretword"


def log_lines(text: str) -> list[dict]:
    """The JSON access-log lines in some output (other lines are gunicorn's own)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def some_requests(srv) -> None:
    assert srv.get("/api/search", params={"q": "lopez obrador"}).json()["total"] == 5
    assert srv.get("/api/search", params={"q": SECRET, "per_page": 3}).status_code == 200
    assert srv.get("/api/search", params={"q": ""}).status_code == 400
    assert srv.get("/", params={"q": "mexico"}).status_code == 200
    assert srv.get("/api/documents/9eee6b74c3809504").status_code == 200
    assert srv.get("/nothing").status_code == 404


def test_access_log_lines_are_json_without_the_query(built_index, tmp_path):
    log = tmp_path / "access.log"
    with serving(built_index, workers=2, SEARCH_ACCESS_LOG=str(log)) as srv:
        some_requests(srv)
    text = log.read_text()
    assert "secretword" not in text and "obrador" not in text  # private by default
    lines = [line for line in log_lines(text) if line["path"] != "/healthz"]  # Server's start-up probes
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/api/search", 200), ("GET", "/api/search", 200), ("GET", "/api/search", 400),
        ("GET", "/", 200), ("GET", "/api/documents/9eee6b74c3809504", 200), ("GET", "/nothing", 404)]
    for line in lines:
        assert set(line) == FIELDS
        assert datetime.fromisoformat(line["time"]).tzinfo is not None
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert [line["query_length"] for line in lines] == [len("lopez obrador"), len(SECRET), 0, 6, None, None]
    assert [line["results"] for line in lines] == [5, 0, None, 5, None, None]


def test_queries_are_logged_only_when_asked(built_index, tmp_path):
    log = tmp_path / "access.log"
    with serving(built_index, SEARCH_ACCESS_LOG=str(log), SEARCH_LOG_QUERIES="1") as srv:
        srv.get("/api/search", params={"q": SECRET})
    [line] = [line for line in log_lines(log.read_text()) if line["path"] == "/api/search"]
    assert line["query"] == SECRET and set(line) == FIELDS | {"query"}


def test_access_log_on_stderr_joins_gunicorns_error_log(built_index):
    with serving(built_index, SEARCH_ACCESS_LOG="-") as srv:
        srv.get("/api/search", params={"q": "mexico"})
    output = srv.output()  # conftest's Server writes stderr and stdout to one file
    assert "Booting worker" in output  # gunicorn's error log, same stream
    assert any(line["path"] == "/api/search" and line["results"] == 5 for line in log_lines(output))


def test_no_access_log_handler_unless_asked(built_index):
    with serving(built_index) as srv:
        srv.get("/api/search", params={"q": "mexico"})
    assert log_lines(srv.output()) == []


def test_logging_settings():
    assert Config.from_env({}).access_log is None and Config.from_env({}).log_queries is False
    assert Config.from_env({"SEARCH_ACCESS_LOG": "1"}).access_log == "-"
    assert Config.from_env({"SEARCH_ACCESS_LOG": "/var/log/s.log"}).access_log == "/var/log/s.log"
    assert Config.from_env({"SEARCH_ACCESS_LOG": "off"}).access_log is None
    assert Config.from_env({"SEARCH_LOG_QUERIES": "1"}).log_queries is True
    assert Config.from_env({"SEARCH_LOG_QUERIES": "0"}).log_queries is False


# ---------------------------------------------------------------- /metrics

def scrape(url: str) -> dict[str, list]:
    """/metrics parsed by prometheus_client's own parser: family name → samples."""
    response = requests.get(url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {f.name: f.samples for f in text_string_to_metric_families(response.text)}


def value(samples: list, name: str, **labels) -> float:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found)


def test_metrics_add_up_the_requests_of_every_worker(built_index, tmp_path):
    with serving(built_index, workers=2, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics")) as srv:
        session = requests.Session()
        for _ in range(20):
            session.get(srv.url + "/api/search", params={"q": "mexico"}, timeout=10)
        for _ in range(3):
            session.get(srv.url + "/api/documents/0000000000000000", timeout=10)
        for _ in range(4):  # whichever worker answers the scrape, the counts are everyone's
            families = scrape(srv.url)
            requests_total = families["search_http_requests"]
            assert value(requests_total, "search_http_requests_total", endpoint="api.search", status="200") == 20
            assert value(requests_total, "search_http_requests_total", endpoint="api.document", status="404") == 3
            latency = families["search_http_request_duration_seconds"]
            assert value(latency, "search_http_request_duration_seconds_count", endpoint="api.search") == 20
            buckets = [s.value for s in latency if s.name.endswith("_bucket") and s.labels["endpoint"] == "api.search"]
            assert buckets == sorted(buckets) and buckets[-1] == 20
            # The same query 20 times: worked out once, then found by whichever worker got it.
            answers = families["search_answer_cache_lookups"]
            assert value(answers, "search_answer_cache_lookups_total", result="miss") == 1
            assert value(answers, "search_answer_cache_lookups_total", result="hit") == 19
    pids = {p.name.split("_")[-1] for p in (tmp_path / "metrics").glob("*.db")}
    assert len(pids) >= 1


def test_metrics_describe_the_served_index(server, built_index):
    families = scrape(server.url)
    generation = (built_index / "CURRENT").read_text().strip()
    assert value(families["search_index_available"], "search_index_available") == 1
    assert value(families["search_index_documents"], "search_index_documents") == 5
    assert families["search_index_generation_info"][0].labels == {"generation": generation}
    assert 0 <= value(families["search_index_age_seconds"], "search_index_age_seconds") < 365 * 86400
    assert {"search_http_requests", "search_http_request_duration_seconds"} <= set(families)


def test_metrics_without_an_index(tmp_path):
    with serving(tmp_path / "empty") as srv:
        families = scrape(srv.url)
    assert value(families["search_index_available"], "search_index_available") == 0
    assert "search_index_documents" not in families
    assert value(families["search_http_requests"], "search_http_requests_total", endpoint="api.healthz", status="503") >= 1


def test_plain_gunicorn_shares_metrics_between_its_workers(built_index, tmp_path):
    # Without PROMETHEUS_MULTIPROC_DIR, the master's on_starting hook makes the folder (in
    # TMPDIR) and its on_exit removes it.
    with serving(built_index, workers=2, TMPDIR=str(tmp_path)) as srv:
        assert len(list(tmp_path.glob("search-service-metrics-*"))) == 1
        for _ in range(10):
            srv.get("/api/search", params={"q": "mexico"})
        for _ in range(4):  # whichever worker answers the scrape
            families = scrape(srv.url)
            assert value(families["search_http_requests"], "search_http_requests_total",
                         endpoint="api.search", status="200") == 10
    assert list(tmp_path.glob("search-service-metrics-*")) == []


def test_serve_shares_metrics_between_its_workers(built_index, tmp_path):
    # The same hooks under `search-service serve`: the folder in TMPDIR, removed on exit.
    with serve_command(built_index, tmp_path, workers=2) as url:
        assert len(list(tmp_path.glob("search-service-metrics-*"))) == 1
        for _ in range(10):
            requests.get(url + "/api/search", params={"q": "mexico"}, timeout=10)
        for _ in range(3):
            families = scrape(url)
            assert value(families["search_http_requests"], "search_http_requests_total",
                         endpoint="api.search", status="200") == 10
    assert list(tmp_path.glob("search-service-metrics-*")) == []
