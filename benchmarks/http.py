"""HTTP load: a real gunicorn on 127.0.0.1 loaded by wrk for a bounded time.

The server is `python -m gunicorn <app>` started from the repository root, so that a
gunicorn.conf.py there (worker count, preload, …) applies; without one, workers = cores × 2.
wrk cycles through a file of request paths (one per line) with a small Lua script, each of
its threads taking every n-th line, so that a list of distinct queries is not repeated
before it has been gone through.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent

LUA = """
local paths = {}
local i = 0
local step = 1
function setup(thread)
  thread:set("id", __next_id or 0)
  __next_id = (__next_id or 0) + 1
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  step = tonumber(args[2])
  i = (id or 0)
end
function request()
  local path = paths[(i % #paths) + 1]
  i = i + step
  return wrk.format("GET", path)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_conf() -> Path | None:
    conf = ROOT / "gunicorn.conf.py"
    return conf if conf.exists() else None


@contextlib.contextmanager
def gunicorn(app: str, index: Path | None, log: Path, workers: int | None = None):
    """Run gunicorn on a free port; yields (base url, master pid). Stops it on exit."""
    port = free_port()
    env = dict(os.environ)
    env.pop("SEARCH_RATE_LIMIT", None)  # the product's optional per-client limit would throttle wrk
    # The workers share their counters, so that one scrape of /metrics tells how many answers
    # came from the answer caches: in a folder of the benchmark's own (gunicorn's hooks make one
    # too, but a checkout from before them, measured beside this one, would not).
    metrics_dir = tempfile.mkdtemp(prefix="bench-metrics-")
    env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    if index is not None:
        env["SEARCH_INDEX"] = str(index)
    command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}"]
    if gunicorn_conf() is None or workers:
        command += ["--workers", str(workers or (os.cpu_count() or 1) * 2)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, "gunicorn")
        yield base, proc.pid
    finally:
        stop(proc, signal.SIGTERM, 30)
        shutil.rmtree(metrics_dir, ignore_errors=True)


def wait_ready(base: str, proc: subprocess.Popen, name: str, timeout: float = 120) -> None:
    """Wait until the server `proc` answers /healthz at base with a 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=30) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer /healthz in time")


def stop(proc: subprocess.Popen, sig: int, timeout: float) -> None:
    """Stop a server with a signal (its graceful one), killed if it takes longer than timeout."""
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def workers_of(master: int) -> list[int]:
    """The pids of the master's child processes."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


def rss_mb(pid: int) -> float:
    return memory_mb(pid)["rss"]


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and its parts (RssAnon: the process's own heap; RssFile: mapped files such as the
    index, shared with the other workers through the page cache) and Pss (shared pages divided
    among the processes sharing them), in MB."""
    keys = {"VmRSS:": "rss", "RssAnon:": "anon", "RssFile:": "file"}
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(" ", 1)[0].split("\t", 1)[0]
        if key in keys:
            out[keys[key]] = round(int(line.split()[1]) / 1024, 1)
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["pss"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


def answer_cache_counts(base: str) -> dict[str, float]:
    """{"hit": n, "miss": n}: search answers the workers found in their caches or worked out."""
    try:
        with urllib.request.urlopen(base + "/metrics", timeout=30) as r:
            text = r.read().decode()
    except OSError:
        return {}
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r'^search_answer_cache_lookups_total\{result="(\w+)"\} (\S+)$', text, re.M)}


def warm(base: str, paths: list[str], count: int) -> None:
    """A few requests, so every worker has opened its index before the clock starts."""
    for path in paths[:count]:
        try:
            urllib.request.urlopen(base + path, timeout=60).read()
        except OSError:
            pass


def write_paths(path: Path, queries: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"/api/search?q={quote_plus(q)}\n" for q in queries))
    return path


def wrk(base: str, paths: Path, seconds: int, connections: int = 8, threads: int = 2) -> dict:
    """Run wrk with the cycling script; returns the parsed numbers."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install -y wrk)")
    script = paths.with_suffix(".lua")
    script.write_text(LUA)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "--timeout", "10s", "-s", str(script), base, "--", str(paths), str(threads)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = parse_wrk(out)
    result.update(seconds=seconds, connections=connections, threads=threads)
    return result


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(out: str) -> dict:
    result = {"raw": out}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    result["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in", out)
    result["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    result["mean_ms"] = _ms(m.group(1)) if m else None
    for p in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)
        result[f"p{p}_ms"] = _ms(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return result


def run_loads(app: str, index: Path | None, loads: dict[str, Path], seconds: int, log: Path,
              warm_paths: list[str] | None = None, warm_load: Path | None = None,
              warm_seconds: int = 0, proxy=None) -> dict:
    """One gunicorn, the loads one after the other; worker RSS read after the last.

    With warm_load, wrk first runs it for warm_seconds, unmeasured: every worker then has
    what a server that has been up a while has (its arrays, caches of words and postings),
    and no measured load pays for the others' warming up. Its queries are none of the
    measured ones, so no answer is cached ahead.

    With `proxy` (nginx.cached_proxy), the loads go through it (the warming up does not),
    and each load's share of answers from the proxy's cache is counted too.
    """
    with gunicorn(app, index, log) as (base, master):
        warm(base, warm_paths or [], 40)
        if warm_load is not None and warm_seconds > 0:
            wrk(base, warm_load, warm_seconds)
        with (proxy(base) if proxy else contextlib.nullcontext((base, None))) as (front, proxy_counts):
            results = {}
            for name, paths in loads.items():
                before = answer_cache_counts(base)
                before_proxy = proxy_counts() if proxy_counts else None
                results[name] = wrk(front, paths, seconds)
                after = answer_cache_counts(base)
                looked_up = sum(after.values()) - sum(before.values())
                if looked_up:
                    results[name]["cache_hit_share"] = (after.get("hit", 0) - before.get("hit", 0)) / looked_up
                if proxy_counts:
                    statuses = proxy_counts() - before_proxy
                    results[name]["proxy_hit_share"] = statuses["HIT"] / max(1, sum(statuses.values()))
        pids = workers_of(master)
        results["workers"] = len(pids)
        results["worker_memory_mb"] = [memory_mb(p) for p in pids]
        results["worker_rss_mb"] = [m["rss"] for m in results["worker_memory_mb"]]
        results["master_rss_mb"] = round(rss_mb(master), 1)
    return results
