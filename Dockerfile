FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SEARCH_INDEX=/app/index \
    SEARCH_ACCESS_LOG=-

WORKDIR /app
RUN useradd --create-home --uid 10001 search

COPY pyproject.toml setup.cfg README.md wsgi.py gunicorn.conf.py ./
COPY search_service ./search_service
RUN pip install --no-cache-dir .

# The sample corpus is indexed at build time; mount another index at /app/index to serve yours.
COPY corpus ./corpus
RUN search-service ingest corpus --index /app/index --quiet \
    && chown -R search:search /app/index

USER search
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# The app's own JSON access log (SEARCH_ACCESS_LOG) leaves query text out; gunicorn's would not.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "wsgi:app"]
