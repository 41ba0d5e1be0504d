"""The OpenAPI 3.1 description of the HTTP API, served at /api/openapi.json.

Written by hand, as data. To describe a new endpoint, add its operation to PATHS (and any
new body to SCHEMAS), using the helpers below; tests/test_api_fuzz.py then fuzzes it
against the live server with schemathesis.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import __version__
from ..config import Config

openapi = Blueprint("openapi", __name__)

_DEFAULTS = Config()
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def nullable(schema: dict) -> dict:
    """schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict, description: str, **extra) -> dict:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def error(description: str, text: bool = False, **extra) -> dict:
    """An error response: the JSON error body (or its text form for /api/search)."""
    response = json_body(ref("Error"), description, **extra)
    if text:
        response["content"]["text/plain"] = {"schema": {"type": "string"}}
    return response


def query(name: str, schema: dict, description: str, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description, **extra}


RATE_LIMITED = error("Too many requests from this client (only when SEARCH_RATE_LIMIT is set).",
                     headers={"Retry-After": {"description": "Seconds to wait before trying again.",
                                              "schema": {"type": "string", "pattern": r"^\d+$"}}})
NO_INDEX = error("No index has been built yet (`no_index`).")

SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string", "pattern": r"^[a-z_]+$"}, "message": {"type": "string"}},
        }},
    },
    "Hit": {
        "type": "object",
        "required": ["id", "title", "title_highlighted", "url", "source", "site", "author", "published",
                     "score", "snippet"],
        "properties": {
            "id": {"type": "string", "pattern": r"^[0-9a-f]{16}$"},
            "title": {"type": "string"},
            "title_highlighted": {"type": "string", "description": "the title, escaped, with <mark>…</mark>"},
            "url": nullable({"type": "string"}),
            "source": {"type": "string", "description": "path of the page relative to the corpus folder"},
            "site": nullable({"type": "string"}),
            "author": nullable({"type": "string"}),
            "published": nullable(DATE),
            "score": {"type": "number", "description": "relevance, higher is better; 0 with sort=date"},
            "snippet": {"type": "string", "description": "escaped text with <mark>…</mark> around matches"},
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["query", "interpreted_as", "notes", "total", "page", "per_page", "took_ms", "partial",
                     "results", "facets", "suggestion"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": _DEFAULTS.max_per_page},
            "took_ms": {"type": "number", "minimum": 0},
            "results": {"type": "array", "items": ref("Hit")},
            "suggestion": nullable({"type": "string", "description": "the query spelled as the index spells it"}),
            "partial": {"type": "boolean",
                        "description": "true when the time budget cut the search short, or a prefix or fuzzy "
                                       "word stood for too many words"},
            "interpreted_as": {"type": "string", "description": "how the query was read"},
            "notes": {"type": "array", "items": {"type": "string"},
                      "description": "what was forgiven or left out in reading the query"},
            "facets": {
                "type": "object",
                "required": ["site", "year"],
                "properties": {name: {"type": "array", "items": ref("FacetValue")} for name in ("site", "year")},
            },
        },
    },
    "FacetValue": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
    },
    "Similar": {
        "type": "object",
        "required": ["id", "results"],
        "properties": {"id": {"type": "string"}, "results": {"type": "array", "items": ref("Hit")}},
    },
    "Completions": {
        "type": "object",
        "required": ["query", "suggestions"],
        "properties": {
            "query": {"type": "string"},
            "suggestions": {"type": "array", "items": {
                "type": "object",
                "required": ["text", "kind"],
                "properties": {"text": {"type": "string"}, "kind": {"enum": ["word", "title"]},
                               "id": {"type": "string", "pattern": r"^[0-9a-f]{16}$"}},
            }},
        },
    },
    "Document": {
        "type": "object",
        "required": ["id", "title", "url", "source", "site", "author", "published", "lang", "text"],
        "properties": {
            "id": {"type": "string", "pattern": r"^[0-9a-f]{16}$"},
            "title": nullable({"type": "string"}),
            "url": nullable({"type": "string"}),
            "source": nullable({"type": "string"}),
            "site": nullable({"type": "string"}),
            "author": nullable({"type": "string"}),
            "published": nullable(DATE),
            "lang": nullable({"type": "string"}),
            "text": nullable({"type": "string"}),
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "documents", "generation"],
        "properties": {
            "status": {"const": "ok"},
            "documents": {"type": "integer", "minimum": 0},
            "generation": nullable({"type": "string"}),
        },
    },
}

SEARCH_PARAMETERS = [
    query("q", {"type": "string"}, "The query, in the query language of the README: words, "
          "\"exact phrases\", \"phrase\"~N, -exclusions, OR, title:/site:/author: scopes, prefix*, fuzzy~; "
          "at most 4,000 characters and 512 words.", required=True),
    query("page", {"type": "integer", "minimum": 1, "default": 1},
          f"Result page, from 1; page × per_page at most {_DEFAULTS.max_page_depth}."),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": _DEFAULTS.max_per_page,
                       "default": _DEFAULTS.default_per_page}, "Hits per page."),
    query("format", {"type": "string", "enum": ["json", "text", "ansi"]},
          "`text` or `ansi` answer plain text for terminals (as does `Accept: text/plain`)."),
    query("color", {"type": "string"}, "Any value but 0/false/no/off: text output with bold matches."),
    query("pretty", {"type": "string"}, "Present (any value but 0/false/no/off): indented JSON.",
          allowEmptyValue=True),
    query("site", {"type": "string"}, "Only pages from this site (host name)."),
    query("author", {"type": "string"}, "Only pages by this author."),
    query("from", {"type": "string", "format": "date"}, "Only pages published on or after this day."),
    query("to", {"type": "string", "format": "date"}, "Only pages published on or before this day."),
    query("sort", {"type": "string", "enum": ["relevance", "date"], "default": "relevance"},
          "Order of the hits: by relevance or newest first."),
    query("snippet_length", {"type": "integer", "minimum": 50, "maximum": 1000, "default": 200},
          "Characters of text in a snippet (up to three fragments)."),
]

DOCUMENT_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "The document's id: 16 hexadecimal digits."}

PATHS: dict[str, dict] = {
    "/api/search": {"get": {
        "operationId": "search",
        "summary": "Ranked hits with highlighted snippets, one page at a time",
        "parameters": SEARCH_PARAMETERS,
        "responses": {
            "200": {"description": "One page of results.",
                    "content": {"application/json": {"schema": ref("SearchResults")},
                                "text/plain": {"schema": {"type": "string"}}}},
            "400": error("The query or a parameter cannot be used (`empty_query`, `query_too_long`, "
                         "`no_search_terms`, `only_exclusions`, `too_many_terms`, `invalid_parameter`).",
                         text=True),
            "414": error("The URL is too long.", text=True),
            "429": RATE_LIMITED,
            "503": error("No index has been built yet (`no_index`).", text=True),
        },
    }},
    "/api/documents/{id}": {"get": {
        "operationId": "document",
        "summary": "One document with its full clean text",
        "parameters": [DOCUMENT_ID],
        "responses": {
            "200": json_body(ref("Document"), "The document."),
            "404": error("No document has this id (`not_found`)."),
            "414": error("The URL is too long."),
            "429": RATE_LIMITED,
            "503": NO_INDEX,
        },
    }},
    "/api/documents/{id}/similar": {"get": {
        "operationId": "similar",
        "summary": "Documents about the same things as this one, best first",
        "parameters": [DOCUMENT_ID, query("per_page", {"type": "integer", "minimum": 1, "maximum": 50,
                                                       "default": 10}, "How many.")],
        "responses": {
            "200": json_body(ref("Similar"), "The similar documents (without this one)."),
            "400": error("A parameter cannot be used (`invalid_parameter`)."),
            "404": error("No document has this id (`not_found`)."),
            "414": error("The URL is too long."),
            "429": RATE_LIMITED,
            "503": NO_INDEX,
        },
    }},
    "/api/suggest": {"get": {
        "operationId": "suggest",
        "summary": "Completions of what has been typed: frequent words, then matching titles",
        "parameters": [query("q", {"type": "string", "maxLength": 200}, "What has been typed so far."),
                       query("limit", {"type": "integer", "minimum": 1, "maximum": 20, "default": 8},
                             "How many word completions.")],
        "responses": {
            "200": json_body(ref("Completions"), "The completions."),
            "400": error("A parameter cannot be used (`invalid_parameter`)."),
            "414": error("The URL is too long."),
            "429": RATE_LIMITED,
            "503": NO_INDEX,
        },
    }},
    "/healthz": {"get": {
        "operationId": "health",
        "summary": "Liveness and the index being served",
        "responses": {"200": json_body(ref("Health"), "Serving."), "503": NO_INDEX},
    }},
    "/api/openapi.json": {"get": {
        "operationId": "openapi",
        "summary": "This description of the API",
        "responses": {"200": json_body({"type": "object", "required": ["openapi", "paths"]},
                                       "The OpenAPI 3.1 document.")},
    }},
}


def spec() -> dict:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "search_service",
            "version": __version__,
            "description": "Full-text search over scraped web pages. Errors are "
                           '`{"error": {"code": "…", "message": "…"}}` with a 4xx status '
                           "(503 while no index is built); user input never causes a 500.",
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


@openapi.get("/api/openapi.json")
def document():
    """The description above, as JSON."""
    return jsonify(spec())
