"""WSGI entry point: `gunicorn wsgi:app` from the repository root.

Settings come from the environment (search_service/config.py). The app never runs in
debug mode, whatever FLASK_DEBUG says (create_app turns it off).
"""
from search_service.web import create_app

app = create_app()
