"""Running the app under gunicorn from Python, for `search-service serve`."""
from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict) -> None:
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run_gunicorn(app: Flask, host: str = "127.0.0.1", port: int = 8000, workers: int = 2) -> None:
    """Serve app with gunicorn's sync workers until interrupted."""
    _Gunicorn(app, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "accesslog": "-",
        "timeout": 30,
        "graceful_timeout": 10,
    }).run()
