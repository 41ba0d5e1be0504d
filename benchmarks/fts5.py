"""The baseline: SQLite FTS5 (stdlib sqlite3) over the same documents and queries.

Table: fts5(title, text, url/site/published unindexed), tokenizer `porter unicode61`
(stemming, case and accent folding, as ours). A query's words are OR'd (each quoted, so
that nothing is read as FTS5 syntax), a quoted phrase is an FTS5 phrase; ranked by
bm25() with the title weighted 2 (our title boost), LIMIT 10, snippet() of the text with
<mark> around matches. A filter is a WHERE on the unindexed site and published columns.
"""
from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+")

SEARCH_SQL = (
    "SELECT rowid, title, url, published, snippet(docs, 1, '<mark>', '</mark>', '…', 24) "
    "FROM docs WHERE docs MATCH ?{filters} ORDER BY bm25(docs, 2.0, 1.0) LIMIT ?"
)


def build(path: Path, documents: Iterable[dict]) -> tuple[int, float]:
    """Write the FTS5 table at path (replacing it); returns (documents, seconds), the final optimize (merge) included."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path, path.with_name(path.name + "-journal")):
        p.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, text, url UNINDEXED, site UNINDEXED, "
               "published UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')")
    rows = ((d.get("title") or "", d.get("text") or "", d.get("url"), urlsplit(d.get("url") or "").hostname,
             d.get("published")) for d in documents)
    with db:
        db.executemany("INSERT INTO docs(title, text, url, site, published) VALUES (?, ?, ?, ?, ?)", rows)
    count = db.execute("SELECT count(*) FROM docs").fetchone()[0]
    with db:
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    db.close()
    return count, time.perf_counter() - started


def match_expression(q: str) -> str:
    """FTS5 MATCH text for a user query: phrases as phrases AND'ed, loose words OR'ed."""
    phrases = ['"%s"' % " ".join(_WORD.findall(p)) for p in _PHRASE.findall(q) if _WORD.search(p)]
    words = ['"%s"' % w for w in _WORD.findall(_PHRASE.sub(" ", q))]
    parts = phrases[:]
    if words:
        parts.append("(" + " OR ".join(words) + ")" if phrases else " OR ".join(words))
    return " AND ".join(parts)


class Fts5Index:
    """One connection, kept open like a worker's searcher."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def search(self, q: str, limit: int = 10, site: str | None = None, date_from: str | None = None,
               date_to: str | None = None) -> list[tuple]:
        filters, args = "", [match_expression(q)]
        if site:
            filters += " AND site = ?"
            args.append(site)
        if date_from:
            filters += " AND published >= ?"
            args.append(date_from)
        if date_to:
            filters += " AND published <= ?"
            args.append(date_to)
        args.append(limit)
        return self.db.execute(SEARCH_SQL.format(filters=filters), args).fetchall()

    def search_expression(self, expression: str, limit: int = 10, newest_first: bool = False) -> list[tuple]:
        """The top `limit` of a MATCH expression as given, by bm25() or newest first."""
        sql = SEARCH_SQL.format(filters="")
        if newest_first:
            sql = sql.replace("ORDER BY bm25(docs, 2.0, 1.0)", "ORDER BY published DESC")
        return self.db.execute(sql, (expression, limit)).fetchall()

    def close(self) -> None:
        self.db.close()
