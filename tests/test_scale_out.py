"""Scale out: two instances behind nginx (deploy/nginx.conf); one dies under load, no request fails.

Runs Debian's nginx (`apt-get install nginx`; the test fails, not skips, without it) as a
child process with its own prefix, config and logs in a temporary folder, in front of two
gunicorn instances (conftest's Server), each serving its own copy of the sample index. The
nginx config is deploy/nginx.conf itself, with only the upstream addresses and the listen
port replaced. A few threads send searches and document fetches through nginx; a few
seconds in, one instance is stopped (SIGTERM, as an operator or an orchestrator stops it:
it finishes the requests in hand and closes its socket); every request must still get a 200
with the right body, since nginx passes the refused attempts to the other instance
(proxy_next_upstream, max_fails). A crash (SIGKILL) can also cut the one or two answers that
instance was writing at that moment, which no proxy can retry once it has begun to pass them
on: CI showed 1 such request in 6,948.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from benchmarks.nginx import main_conf

from .conftest import ROOT, Server, free_port

NGINX = "/usr/sbin/nginx"
DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"
LOAD_SECONDS = 8.0   # load through nginx, in all
KILL_AFTER = 3.0     # seconds into the load when one instance is stopped
THREADS = 4
TIMEOUT = 20         # per request: generous, the machine may be busy

# (path, what the body must hold) — checked against what the instance itself answers.
PATHS = (
    "/api/search?q=lopez+obrador",
    "/api/search?q=%22special+forces%22",
    "/api/search?q=mexico&page=2&per_page=2",
    "/api/documents/9eee6b74c3809504",
    "/healthz",
)

def find_nginx() -> str:
    path = NGINX if os.access(NGINX, os.X_OK) else shutil.which("nginx")
    if not path:
        pytest.fail(f"nginx is not installed ({NGINX} not found): this test needs Debian's "
                    "nginx; install it with `sudo apt-get install -y nginx` (.ci/run does)",
                    pytrace=False)
    return path


def site_config(ports: tuple[int, int], listen_port: int) -> str:
    """deploy/nginx.conf with the two upstream servers and the listen port replaced."""
    text = DEPLOY_CONF.read_text()
    for example, port in zip((8001, 8002), ports):
        text, n = re.subn(rf"(?m)^(\s*server\s+)127\.0\.0\.1:{example}\b", rf"\g<1>127.0.0.1:{port}", text)
        assert n == 1, f"deploy/nginx.conf: expected one `server 127.0.0.1:{example}` line"
    text, n = re.subn(r"(?m)^(\s*)listen\s+80;", rf"\g<1>listen 127.0.0.1:{listen_port};", text)
    assert n == 1, "deploy/nginx.conf: expected one `listen 80;` line"
    return text


class Nginx:
    """nginx in the foreground with everything (config, pid, logs, temp files) under tmp."""

    def __init__(self, tmp: Path, ports: tuple[int, int]) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (tmp / "search.conf").write_text(site_config(ports, self.port))
        (tmp / "nginx.conf").write_text(main_conf(tmp, '$msec $status "$upstream_addr" "$upstream_status" $request_uri'))
        binary = find_nginx()
        command = [binary, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(tmp / "nginx.conf")]
        check = subprocess.run(command + ["-t"], capture_output=True, text=True)
        assert check.returncode == 0, "nginx -t: " + check.stderr
        self.log = open(tmp / "nginx.out", "wb")
        self.process = subprocess.Popen(command + ["-g", "daemon off;"],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            assert self.process.poll() is None, "nginx exited: " + self.errors()
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("nginx did not answer in time: " + self.errors())
            time.sleep(0.1)

    def errors(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in
                         (self.tmp / "error.log", self.tmp / "nginx.out") if p.exists())

    def access_log(self) -> list[tuple[float, int, list[str]]]:
        """(time, status, upstream addresses tried) per request nginx logged."""
        entries = []
        for line in (self.tmp / "access.log").read_text().splitlines():
            msec, status, upstreams = line.split(" ", 2)
            addresses = upstreams.split('"')[1]
            entries.append((float(msec), int(status), re.split(r"\s*[,:]\s+", addresses)))
        return entries

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish requests, then exit
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def stop(server: Server) -> None:
    """Stop the instance as an orchestrator would: SIGTERM, and wait until it is gone."""
    server.process.terminate()
    server.process.wait(timeout=30)


def essence(path: str, body: dict) -> object:
    """The part of an answer that must be the same from every instance."""
    if path.startswith("/api/search"):
        return body["total"], [hit["id"] for hit in body["results"]]
    if path.startswith("/api/documents/"):
        return body["id"], body["title"], body["text"]
    return body["status"], body["documents"], body["generation"]


def test_one_instance_dies_under_load_and_no_request_fails(built_index, tmp_path):
    find_nginx()  # fail at once, with the install hint, when nginx is missing
    started = time.monotonic()
    indexes = []
    for name in ("index-a", "index-b"):  # each instance its own copy, as on separate machines
        shutil.copytree(built_index, tmp_path / name)
        indexes.append(tmp_path / name)
    servers: list[Server] = []
    nginx = None
    try:
        servers = [Server(index) for index in indexes]
        a, b = servers
        expected = {path: essence(path, a.get(path).json()) for path in PATHS}
        assert expected["/api/search?q=lopez+obrador"][0] == 5
        assert expected["/api/search?q=%22special+forces%22"][0] == 1
        assert expected == {path: essence(path, b.get(path).json()) for path in PATHS}

        (tmp_path / "nginx").mkdir()
        nginx = Nginx(tmp_path / "nginx", (a.port, b.port))

        lock = threading.Lock()
        sent: list[float] = []  # client time of each request's answer
        failures: list[str] = []
        stop_at = time.monotonic() + LOAD_SECONDS

        def load(worker: int) -> None:
            session = requests.Session()
            n = worker
            while time.monotonic() < stop_at:
                path = PATHS[n % len(PATHS)]
                n += 1
                problem = None
                try:
                    response = session.get(nginx.url + path, timeout=TIMEOUT)
                    if response.status_code != 200:
                        problem = f"{path}: {response.status_code} {response.text[:200]!r}"
                    elif essence(path, response.json()) != expected[path]:
                        problem = f"{path}: wrong body {response.text[:200]!r}"
                except (requests.RequestException, ValueError, KeyError) as exc:
                    problem = f"{path}: {exc!r}"
                with lock:
                    sent.append(time.time())
                    if problem:
                        failures.append(problem)

        threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(KILL_AFTER)
        stop(b)
        killed_at = time.time()  # B is gone: master and workers stopped
        for thread in threads:
            thread.join(timeout=LOAD_SECONDS + 2 * TIMEOUT)
        assert not any(thread.is_alive() for thread in threads), "a load thread hung"
        assert nginx.process.poll() is None, "nginx died: " + nginx.errors()

        log = nginx.access_log()
        names = {f"127.0.0.1:{a.port}": "instance A", f"127.0.0.1:{b.port}": "instance B (stopped)"}
        counts = {(name, when): 0 for name in names.values() for when in ("before", "after")}
        retried = 0
        for at, status, tried in log:
            when = "before" if at < killed_at else "after"
            if status == 200 and tried[-1] in names:
                counts[(names[tried[-1]], when)] += 1
            retried += len(tried) > 1
        after = sum(1 for t in sent if t >= killed_at)
        print(f"\nscale-out: {len(sent)} requests sent through nginx in {LOAD_SECONDS:.0f} s "
              f"({THREADS} threads), {len(failures)} failed; instance B stopped after "
              f"{KILL_AFTER:.0f} s; {len(sent) - after} answered before the stop, {after} after; "
              f"{retried} passed to the other instance after a failed attempt")
        for (name, when), count in counts.items():
            print(f"  {name:<20} {when:<6} the stop: {count} answers")
        print(f"  total time {time.monotonic() - started:.1f} s")

        assert not failures, f"{len(failures)} of {len(sent)} requests failed: {failures[:5]}"
        assert len(log) >= len(sent)  # nginx logged every request (plus the start-up probe)
        assert counts[("instance A", "before")] > 0 and counts[("instance B (stopped)", "before")] > 0, \
            "nginx did not spread the load over both instances"
        assert after > 0 and counts[("instance A", "after")] > 0, "no load after the stop"
    finally:
        if nginx is not None:
            nginx.stop()
        for server in servers:
            server.stop()
