"""Web stage: the Flask application factory."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ..answer_cache import SharedAnswers
from ..config import Config
from ..search import SearchIndex
from .accesslog import register_access_log
from .api import api
from .caching import register_http_caching
from .cors import register_cors
from .embed import embed
from .errors import register_error_handlers
from .formats import register_formats
from .headers import register_security_headers
from .limits import register_limits
from .metrics import register_metrics
from .openapi import openapi
from .pages import pages
from .ratelimit import register_rate_limit


def create_app(config: Config | None = None) -> Flask:
    """A Flask app serving the index named by config (default: from the environment)."""
    config = config or Config.from_env()
    app = Flask(__name__, static_folder=None)  # static files are the pages blueprint's
    # Never in debug mode, whatever FLASK_DEBUG says: errors are answered by errors.py
    # (a JSON 500 without a traceback), never by Werkzeug's interactive debugger.
    app.debug = False
    app.config["SEARCH"] = config
    if config.trusted_proxies:
        # Behind N proxies, the client address is the Nth from the end of X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies, x_proto=0, x_host=0,
                                x_port=0, x_prefix=0)
    register_formats(app)  # JSON provider (?pretty) and text errors for curl
    app.json.sort_keys = False
    # One SearchIndex per worker process: opened on first use, reopened when an ingest
    # switches in a new generation; its answers shared with the other workers when a folder
    # for them is set (under gunicorn, by gunicorn_settings.py).
    shared = SharedAnswers(config.shared_answers_dir) if config.shared_answers_dir else None
    app.extensions["search_index"] = SearchIndex(config.index_dir, time_budget=config.time_budget,
                                                 cache_size=config.cache_entries, shared_answers=shared)
    # Hooks run in this order before a request (and in reverse after it).
    register_access_log(app)
    register_metrics(app)
    register_limits(app)
    register_rate_limit(app)
    app.register_blueprint(api)
    app.register_blueprint(openapi)
    app.register_blueprint(pages)
    app.register_blueprint(embed)
    register_error_handlers(app)
    register_cors(app)
    register_http_caching(app)
    register_security_headers(app)
    return app
