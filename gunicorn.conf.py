"""gunicorn's configuration for `gunicorn wsgi:app` from the repository root (read by default)."""
from search_service.web.gunicorn_settings import SETTINGS

globals().update(SETTINGS)
