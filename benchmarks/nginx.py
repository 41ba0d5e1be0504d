"""nginx in front of the benchmark's gunicorn: deploy/nginx.conf as shipped, with its cache on.

The deployment example keeps nginx's answer cache commented out; here its lines are
uncommented (the cache folder moved to a temporary one), both upstream servers point at the
one gunicorn under test, and nginx listens on a free port of 127.0.0.1. nginx runs as a child
process with its own prefix, so nothing of the machine's nginx is touched. Each request is
logged with `$upstream_cache_status`, so a load can say how many answers nginx gave from
its cache.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from .http import ROOT, free_port, stop, wait_ready

DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"

MAIN = """\
{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format fields '{log_format}';
    access_log {tmp}/access.log fields;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/search.conf;
}}
"""


def main_conf(tmp: Path, log_format: str) -> str:
    """nginx's main configuration for a private nginx: everything under tmp, the site in
    tmp/search.conf, requests logged to tmp/access.log as log_format."""
    # As root, nginx's workers would switch to `nobody` and lose the temporary folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return MAIN.format(user=user, tmp=tmp, log_format=log_format)


def cached_site(upstream_port: int, listen_port: int, cache_dir: Path) -> str:
    """deploy/nginx.conf with its cache lines uncommented, the upstream and the listen port replaced."""
    text = DEPLOY_CONF.read_text()
    text = re.sub(r"(?m)^# (proxy_cache_path) /var/cache/nginx/search(.*)\n#(\s+max_size.*)$",
                  rf"\1 {cache_dir}\2\n\3", text)
    text = re.sub(r"(?m)^(\s*)# (proxy_cache\w*|add_header X-Cache-Status)\b", r"\1\2", text)
    text = re.sub(r"(?m)^(\s*server\s+)127\.0\.0\.1:800[12]\b", rf"\g<1>127.0.0.1:{upstream_port}", text)
    text = re.sub(r"(?m)^(\s*)listen\s+80;", rf"\g<1>listen 127.0.0.1:{listen_port};", text)
    for needed in (f"proxy_cache_path {cache_dir}", "proxy_cache search;", f"listen 127.0.0.1:{listen_port};"):
        if needed not in text:
            raise RuntimeError(f"deploy/nginx.conf has changed: could not turn on `{needed}`")
    return text


def find_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install -y nginx)")
    return found


@contextlib.contextmanager
def cached_proxy(upstream: str):
    """Run nginx with deploy/nginx.conf's cache in front of `upstream` (a base URL); yields
    (its base URL, a function that counts the access log's cache statuses so far)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    port = free_port()
    (tmp / "search.conf").write_text(cached_site(int(upstream.rsplit(":", 1)[1]), port, tmp / "cache"))
    (tmp / "nginx.conf").write_text(main_conf(tmp, "$upstream_cache_status $status"))
    command = [find_nginx(), "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(tmp / "nginx.conf")]
    check = subprocess.run(command + ["-t"], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError("nginx -t: " + check.stderr)
    process = subprocess.Popen(command + ["-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, "nginx", timeout=20)
        yield base, lambda: Counter(line.split(" ", 1)[0] for line in
                                    (tmp / "access.log").read_text().splitlines())
    finally:
        stop(process, signal.SIGQUIT, 10)  # SIGQUIT: nginx's graceful stop
        shutil.rmtree(tmp, ignore_errors=True)
