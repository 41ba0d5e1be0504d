"""Query sets drawn deterministically from the corpus vocabulary.

The vocabulary is that of the first 10,000 Reuters stories (the 10k corpus, which every
larger corpus contains), so every size is asked the same queries.

- `query_mix(per_kind)`: for latency, `per_kind` queries of each kind: 1 word, 2 words,
  3 words (words of one story, so that some documents have them all), a quoted phrase of 2
  or 3 consecutive words of a story, and a filter query (2 words + site news.example.com +
  a 10-day range of March 1987).
- `zipf_log(n)`: a realistic query log for HTTP load: 70% of the requests repeat queries of
  a 5,000-query pool with Zipf(1.0) rank frequencies (the head repeats a lot), 30% are
  one-off queries never seen again (the long tail).
- `distinct_queries(n)`: n different queries, for load where nothing repeats.
"""
from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from bisect import bisect

from .corpus import reuters

VOCAB_DOCS = 10_000
_WORD = re.compile(r"[A-Za-z]+")
STOP = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just me more most my
no nor not now of off on once only or other our out over own same she should so some such than
that the their them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your said says say mln dlrs pct
cts vs inc corp co ltd reuter told year years
""".split())


@dataclass(frozen=True)
class Query:
    kind: str  # "1 word", "2 words", "3 words", "phrase", "filter"
    q: str
    site: str | None = None
    date_from: str | None = None
    date_to: str | None = None


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=1)
def vocabulary() -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(content words by falling document frequency, word lists of the first 10k stories)."""
    docs = reuters()[:VOCAB_DOCS]
    texts = tuple(tuple(_words(d["title"] + " " + d["text"])) for d in docs)
    df: Counter[str] = Counter()
    for words in texts:
        df.update({w for w in words if len(w) >= 3 and w not in STOP})
    ranked = tuple(w for w, n in df.most_common() if n >= 3)
    return ranked, texts


def _content(words, allowed) -> list[str]:
    seen, out = set(), []
    for w in words:
        if w in allowed and w not in seen:
            seen.add(w)
            out.append(w)
    return out


def query_mix(per_kind: int = 60, seed: int = 5) -> list[Query]:
    """The latency mix: per_kind queries of each of the five kinds, interleaved."""
    rng = random.Random(seed)
    ranked, texts = vocabulary()
    head = ranked[20:3000]  # skip the 20 commonest content words, as users rarely ask them alone
    allowed = frozenset(ranked[:8000])
    long_docs = [t for t in texts if len(t) >= 40]
    kinds: dict[str, list[Query]] = {k: [] for k in ("1 word", "2 words", "3 words", "phrase", "filter")}
    while len(kinds["1 word"]) < per_kind:
        kinds["1 word"].append(Query("1 word", rng.choice(head)))
    for n, kind in ((2, "2 words"), (3, "3 words"), (2, "filter")):
        while len(kinds[kind]) < per_kind:
            words = _content(rng.choice(long_docs), allowed)
            if len(words) < n + 2:
                continue
            q = " ".join(rng.sample(words[:30], n))
            if kind == "filter":
                day = rng.randrange(1, 22)  # the first 10,000 stories are of March 1987
                kinds[kind].append(Query(kind, q, site="news.example.com",
                                         date_from=f"1987-03-{day:02d}", date_to=f"1987-03-{day + 9:02d}"))
            else:
                kinds[kind].append(Query(kind, q))
    while len(kinds["phrase"]) < per_kind:
        words = rng.choice(long_docs)
        n = rng.choice((2, 2, 3))
        i = rng.randrange(len(words) - n)
        span = words[i:i + n]
        if span[0] in STOP or span[-1] in STOP or any(len(w) < 2 for w in span):
            continue
        kinds["phrase"].append(Query("phrase", '"%s"' % " ".join(span)))
    # interleave the kinds, so that a slow patch of the machine is spread over all of them
    return [q for group in zip(*kinds.values()) for q in group]


def _random_query(rng: random.Random, ranked, texts, allowed) -> str:
    """One query as users type them: 1-3 words of a story, sometimes as a phrase."""
    words = rng.choice(texts)
    r = rng.random()
    if r < 0.1 and len(words) > 5:
        i = rng.randrange(len(words) - 2)
        return '"%s %s"' % (words[i], words[i + 1])
    n = 1 if r < 0.4 else (2 if r < 0.8 else 3)
    content = _content(words, allowed)
    if len(content) < n:
        return rng.choice(ranked[:5000])
    return " ".join(rng.sample(content[:30], n))


def distinct_queries(n: int, seed: int = 7) -> list[str]:
    """n different queries (1-3 words of a story, 10% two-word phrases)."""
    rng = random.Random(seed)
    ranked, texts = vocabulary()
    allowed = frozenset(ranked[:8000])
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        q = _random_query(rng, ranked, texts, allowed)
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def zipf_log(n: int, pool: int = 5000, unique_share: float = 0.3, s: float = 1.0, seed: int = 11) -> list[str]:
    """A query log of n requests: Zipf repeats over a pool of queries, plus one-off queries."""
    rng = random.Random(seed)
    queries = distinct_queries(pool + n, seed=seed)
    head, tail = queries[:pool], iter(queries[pool:])
    cumulative = list(accumulate(1 / (rank ** s) for rank in range(1, pool + 1)))
    log = []
    for _ in range(n):
        if rng.random() < unique_share:
            log.append(next(tail))
        else:
            log.append(head[bisect(cumulative, rng.random() * cumulative[-1])])
    return log


def repeat_stats(log: list[str]) -> tuple[int, float]:
    """(distinct queries in the log, share of requests that repeat an earlier one)."""
    distinct = len(set(log))
    return distinct, 1 - distinct / len(log)
