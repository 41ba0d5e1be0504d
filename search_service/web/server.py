"""Running the app under gunicorn from Python, for `search-service serve`.

Production settings: never debug, never reload; no gunicorn access log (the app writes
its own JSON lines, which leave the query out unless SEARCH_LOG_QUERIES=1, see
accesslog.py); gunicorn's `limit_request_line` at its largest (8190 bytes), above the app's
own URL limit (limits.py), so that the app answers long URLs in JSON. Each worker builds
its app after the fork, as under `gunicorn wsgi:app`, so that it reads the settings the
master's hooks made (the folders for shared answers and metrics, gunicorn_settings.py).
"""
from __future__ import annotations

from dataclasses import replace

from flask import Flask
from gunicorn.app.base import BaseApplication

from ..config import Config
from . import create_app
from .gunicorn_settings import SETTINGS


class _Gunicorn(BaseApplication):
    def __init__(self, config: Config, options: dict) -> None:
        self.config, self.options = config, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # In the worker, after the fork: the environment now holds the folders the hooks made.
        made = Config.from_env()
        return create_app(replace(self.config, shared_answers_dir=made.shared_answers_dir, metrics_dir=made.metrics_dir))


def run_gunicorn(config: Config, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None) -> None:
    """Serve the app of config with gunicorn's sync workers until interrupted."""
    _Gunicorn(config, {**SETTINGS, "bind": f"{host}:{port}", "workers": workers or SETTINGS["workers"]}).run()
