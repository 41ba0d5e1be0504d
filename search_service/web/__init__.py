"""Web stage: the Flask application factory."""
from __future__ import annotations

from flask import Flask

from ..config import Config
from ..search import SearchIndex
from .api import api
from .errors import register_error_handlers
from .pages import pages


def create_app(config: Config | None = None) -> Flask:
    """A Flask app serving the index named by config (default: from the environment)."""
    config = config or Config.from_env()
    app = Flask(__name__)
    app.config["SEARCH"] = config
    app.json.sort_keys = False
    # One SearchIndex per worker process: opened on first use, reopened when an
    # ingest switches in a new generation.
    app.extensions["search_index"] = SearchIndex(config.index_dir)
    app.register_blueprint(api)
    app.register_blueprint(pages)
    register_error_handlers(app)
    return app
