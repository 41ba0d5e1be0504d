"""Web stage: the Flask application factory."""
from __future__ import annotations

from flask import Flask

from ..config import Config
from ..search import SearchIndex
from .api import api
from .cors import register_cors
from .embed import embed
from .errors import register_error_handlers
from .formats import register_formats
from .pages import pages


def create_app(config: Config | None = None) -> Flask:
    """A Flask app serving the index named by config (default: from the environment)."""
    config = config or Config.from_env()
    app = Flask(__name__, static_folder=None)  # static files are the pages blueprint's
    app.config["SEARCH"] = config
    register_formats(app)  # JSON provider (?pretty) and text errors for curl
    app.json.sort_keys = False
    # One SearchIndex per worker process: opened on first use, reopened when an
    # ingest switches in a new generation.
    app.extensions["search_index"] = SearchIndex(config.index_dir)
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(embed)
    register_error_handlers(app)
    register_cors(app)
    return app
