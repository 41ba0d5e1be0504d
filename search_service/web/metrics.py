"""/metrics in the Prometheus text format.

- `search_http_requests_total{endpoint, status}`: requests answered, by Flask endpoint
  (`api.search`, `pages.home`, …; `none` for URLs that match no route) and status;
- `search_http_request_duration_seconds{endpoint}`: a latency histogram;
- `search_answer_cache_lookups_total{result}`: /api/search and search page answers found in
  the worker's answer cache or the workers' shared answers (`hit`) or worked out (`miss`);
- `search_index_available`, `search_index_documents`, `search_index_generation_info{generation}`
  and `search_index_age_seconds` (since the served generation was written), read from the
  index when /metrics is scraped.

gunicorn runs several worker processes and a scrape reaches one of them. So that every
scrape sees the counts of all of them, the counters use prometheus_client's multiprocess
mode when PROMETHEUS_MULTIPROC_DIR names a folder (each worker writes its own file there;
a scrape adds them up). Under gunicorn (`gunicorn wsgi:app` or `search-service serve`) the
master makes a fresh folder for each run unless the variable is set (gunicorn_settings.py);
a variable of your own must name an empty folder, emptied before each start. Without a
folder (the app run some other way) each process counts only the requests it answered.

prometheus_client picks its mode when it is first imported, so it is imported here only
when a worker first records a request, never at import time.
"""
from __future__ import annotations

import logging
import os
import time
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, request

from ..indexer import NoIndexError

log = logging.getLogger(__name__)
metrics = Blueprint("metrics", __name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # the format every Prometheus reads


@cache
def _instruments(metrics_dir: Path | None):
    """(registry or None in multiprocess mode, request counter, latency histogram, answer
    cache counter)."""
    if metrics_dir is not None:
        metrics_dir.mkdir(parents=True, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)  # read by prometheus_client's import
    from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, values

    disable_created_metrics()  # no *_created series: Prometheus does not need them
    if metrics_dir is not None and values.ValueClass is values.MutexValue:
        log.warning("prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set: "
                    "/metrics counts this worker's requests only")
        metrics_dir = None
    registry = None if metrics_dir is not None else CollectorRegistry()
    requests = Counter("search_http_requests", "HTTP requests answered, by endpoint and status.",
                       ["endpoint", "status"], registry=registry)
    latency = Histogram("search_http_request_duration_seconds", "Time to answer a request, by endpoint.",
                        ["endpoint"], registry=registry)
    answers = Counter("search_answer_cache_lookups", "Search answers found in the answer cache (hit) or "
                      "worked out (miss).", ["result"], registry=registry)
    return registry, requests, latency, answers


def _metrics_dir() -> Path | None:
    return current_app.config["SEARCH"].metrics_dir


def start_timer() -> None:
    """before_request hook."""
    g.metrics_started = time.perf_counter()


def record(response: Response) -> Response:
    """after_request hook: count the request and its latency."""
    _, requests, latency, answers = _instruments(_metrics_dir())
    endpoint = request.endpoint or "none"
    requests.labels(endpoint, str(response.status_code)).inc()
    cached = g.get("answer_cached")
    if cached is not None:
        answers.labels("hit" if cached else "miss").inc()
    started = g.get("metrics_started")
    if started is not None:
        latency.labels(endpoint).observe(time.perf_counter() - started)
    return response


class IndexCollector:
    """Gauges about the served index, read at scrape time."""

    def __init__(self, index) -> None:
        self.index = index

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        try:
            documents = self.index.document_count()
        except Exception as exc:  # no index yet, or one that cannot be opened: still scrapeable
            if not isinstance(exc, NoIndexError):
                log.exception("metrics: the index cannot be read")
            yield GaugeMetricFamily("search_index_available", "1 when an index is being served.", value=0)
            return
        generation = self.index.generation
        yield GaugeMetricFamily("search_index_available", "1 when an index is being served.", value=1)
        yield GaugeMetricFamily("search_index_documents", "Documents in the served index.", value=documents)
        info = GaugeMetricFamily("search_index_generation_info", "The index generation being served.",
                                 labels=["generation"])
        info.add_metric([generation], 1)
        yield info
        written = (Path(self.index.root) / generation).stat().st_mtime
        yield GaugeMetricFamily("search_index_age_seconds", "Seconds since the served generation was written.",
                                value=max(0.0, time.time() - written))


@metrics.get("/metrics")
def scrape():
    """The counters (of every worker, in multiprocess mode) and the index gauges."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    metrics_dir = _metrics_dir()
    registry = _instruments(metrics_dir)[0]
    if registry is None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(metrics_dir))
    index_registry = CollectorRegistry(auto_describe=False)
    index_registry.register(IndexCollector(current_app.extensions["search_index"]))
    body = generate_latest(registry) + generate_latest(index_registry)
    response = Response(body, content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_metrics(app: Flask) -> None:
    """Install the /metrics route and the hooks that count every request."""
    app.register_blueprint(metrics)
    app.before_request(start_timer)
    app.after_request(record)
