"""WSGI entry point: `gunicorn wsgi:app` from the repository root."""
from search_service.web import create_app

app = create_app()
