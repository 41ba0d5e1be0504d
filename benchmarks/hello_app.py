"""The framework ceiling: a Flask app that answers /api/search with a constant small JSON.

    python -m gunicorn benchmarks.hello_app:app
"""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/api/search")
def search():
    return jsonify(query=request.args.get("q", ""), total=0, results=[])


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
