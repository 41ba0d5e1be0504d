"""Bench corpora: Reuters-21578 and deterministic scale-ups of it, in three shapes.

The collection is read at run time from ../shared/bench/corpus/reuters21578/docs.jsonl.gz
(research-only licence: the corpora, indexes and query files made from it are written under
benchmarks/out/, which git ignores, never into the repository; only measurements are kept).

Scale-up recipe (`documents(n)`): the first min(n, 21,578) documents are the Reuters stories
themselves, in NEWID order. Document i beyond them is a new story built with
random.Random(SEED * 1,000,003 + i):

- a *lead* story is drawn among the stories with a body of at least 3 sentences, and a
  topic pool is formed by the stories sharing its first topic label (else its first place
  label; all stories when that pool is small), so that the words of a made-up story belong
  together as in real news;
- its first sentence is the first sentence of a story of the pool, its other sentences
  (as many as the lead has, at least 4, at most 30) are non-first sentences of random
  stories of the pool; they are laid out as paragraphs of 1 to 3 sentences;
- title: the title of the story that gave the first sentence; date: a random day of
  1987-2006; site: one of six news hosts; url: https://<host>/YYYY/MM/DD/<slug>-s<i>.

No two made-up stories share more than a few sentences, so the product's exact and
near-duplicate detection (bottom-8 sketch of 5-word shingles) keeps nearly all of them, and
no short paragraph repeats often enough on one site to be taken for boilerplate.
"""
from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
import os
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("BENCH_SHARED", HERE.parent.parent / "shared" / "bench"))
REUTERS = SHARED / "corpus" / "reuters21578" / "docs.jsonl.gz"
MATERIALIZE = SHARED / "corpus" / "materialize.py"
OUT = HERE / "out" / "perf"

SEED = 21578
HOSTS = ("news.example.com", "wire.example.org", "markets.example.net", "daily.example.co.uk",
         "business.example.com", "globe.example.org")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
_SLUG = re.compile(r"[^a-z0-9]+")
_EPOCH = dt.date(1987, 1, 1)
_DAYS = (dt.date(2006, 12, 31) - _EPOCH).days


def parse_size(text: str) -> int:
    """'10k' → 10000, '1m' → 1000000, '2500' → 2500."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


@lru_cache(maxsize=1)
def reuters() -> tuple[dict, ...]:
    """The 21,578 stories, in NEWID order."""
    with gzip.open(REUTERS, "rt", encoding="utf-8") as lines:
        return tuple(json.loads(line) for line in lines)


class _Pools:
    """Sentences of the stories with a body, grouped by topic, for made-up stories."""

    def __init__(self, docs: tuple[dict, ...]) -> None:
        self.leads: list[tuple[int, int, str]] = []  # (story, number of sentences, topic)
        self.titles: list[str] = []
        self.first: dict[str, list[tuple[str, int]]] = defaultdict(list)  # topic → (sentence, story)
        self.rest: dict[str, list[str]] = defaultdict(list)
        for doc in docs:
            if doc.get("type") != "NORM":
                continue
            sentences = [s.strip() for p in doc["text"].split("\n\n") for s in _SENTENCE.split(p) if s.strip()]
            if len(sentences) < 3:
                continue
            story = len(self.titles)
            self.titles.append(doc["title"])
            topic = (doc.get("topics") or [""])[0] or "@" + ((doc.get("places") or [""])[0])
            self.leads.append((story, len(sentences), topic))
            for key in {topic, "*"}:
                self.first[key].append((sentences[0], story))
                self.rest[key].extend(sentences[1:])


@lru_cache(maxsize=1)
def _pools() -> _Pools:
    return _Pools(reuters())


def made_up(i: int, seed: int = SEED) -> dict:
    """Document number i (≥ 21,578) of the scale-up: see the module's docstring."""
    pools = _pools()
    rng = random.Random(seed * 1_000_003 + i)
    _, count, topic = pools.leads[rng.randrange(len(pools.leads))]
    key = topic if len(pools.first[topic]) >= 20 else "*"
    first, story = rng.choice(pools.first[key])
    rest = pools.rest[key]
    sentences = [first] + [rest[rng.randrange(len(rest))] for _ in range(min(30, max(4, count)) - 1)]
    paragraphs, k = [], 0
    while k < len(sentences):
        step = rng.choice((1, 1, 2, 2, 3))
        paragraphs.append(" ".join(sentences[k:k + step]))
        k += step
    title = pools.titles[story]
    day = _EPOCH + dt.timedelta(days=rng.randrange(_DAYS + 1))
    host = HOSTS[rng.randrange(len(HOSTS))]
    slug = _SLUG.sub("-", title.lower()).strip("-")[:60].rstrip("-") or "story"
    return {
        "id": f"synth-{i}",
        "title": title,
        "text": "\n\n".join(paragraphs),
        "url": f"https://{host}/{day:%Y/%m/%d}/{slug}-s{i}",
        "published": day.isoformat(),
    }


def documents(n: int, seed: int = SEED) -> Iterator[dict]:
    """The first n documents of the scale-up: Reuters itself, then made-up stories."""
    base = reuters()
    for i in range(n):
        if i < len(base):
            d = base[i]
            yield {"id": d["id"], "title": d["title"], "text": d["text"], "url": d["url"],
                   "published": d["published"]}
        else:
            yield made_up(i, seed)


# ------------------------------------------------------------------ shapes on disk


def write_jsonl(path: Path, n: int) -> Path:
    """{id,url,title,text,published} per line (the product reads a text with a title as clean)."""
    done = path.parent.with_name(path.parent.name + ".done")  # outside the folder ingested
    if path.exists() and done.exists() and done.read_text() == str(n):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for doc in documents(n):
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    done.write_text(str(n))
    return path


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


@lru_cache(maxsize=1)
def _materialize():
    spec = importlib.util.spec_from_file_location("bench_materialize", MATERIALIZE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_pages(folder: Path, n: int, fmt: str) -> Path:
    """n pages as materialize.py renders them (.txt or .html), in sub-folders of 1,000."""
    done = folder.with_name(folder.name + ".done")
    if done.exists() and done.read_text() == str(n):
        return folder
    m = _materialize()
    docs = list(documents(n))
    for i, doc in enumerate(docs):
        sub = folder / f"{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        if fmt == "txt":
            data = m.render_txt(doc)
        else:
            related = [docs[(i + k) % len(docs)] for k in (1, 2, 3, 5, 8)]
            data = m.render_html(doc, related)
        (sub / f"{doc['id']}.{fmt}").write_text(data, encoding="utf-8")
    done.write_text(str(n))
    return folder
