"""The query language: user text → a parsed query, read the way a person meant it.

    words                 pages with all the words rank first, then pages with some
    "exact phrase"        required, exact;  "phrase"~3  its words within 3 positions
    -word  -"phrase"      excluded
    a OR b                either (also with phrases and scopes)
    title:word  site:example.org  author:"Jane Doe"   scoped to one field (required)
    migra*                words that start with "migra" (two characters or more before *)
    colour~               words within one edit (colour~2: two)

Mistakes are forgiven: an unbalanced quote closes at the end, a lone "-" or "OR" is dropped,
an unknown field ("foo:bar") is read as plain words, and characters that are operators
elsewhere ("?", "^", "(", "[") are text. In a long query of prose (PROSE_WORDS words or more:
a pasted question or abstract) quotation marks are read as a writer uses them, around titles,
terms and scare quotes, not as a filter: the quoted words are plain words (words side by side
rank higher anyway). `ParsedQuery.interpreted_as` says how the query was read. Only a query
that leaves nothing to search for is refused (QueryError).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 4000
MAX_CLAUSES = 512
MAX_SLOP = 20
MIN_PREFIX_CHARS = 2
MIN_FUZZY_CHARS = 3
# From this many words on, a query is read as prose: its quotes are punctuation.
PROSE_WORDS = 12
FIELDS = ("title", "site", "author")

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
_TOKEN = re.compile(
    r"""(?P<neg>-)?
        (?:(?P<field>[A-Za-z]+):(?=\S))?
        (?:
            "(?P<phrase>[^"]*)("(?:~(?P<slop>\d+))?|$)
          | (?P<word>[^\s"]+)
        )""",
    re.VERBOSE,
)
_WORD_CHARS = re.compile(r"\w")
_EDGE_SYMBOLS = re.compile(r"^[^\w]+|[^\w]+$")
_FUZZY = re.compile(r"^(?P<stem>.+?)~(?P<edits>[12])?$")


class QueryError(ValueError):
    """A query that cannot mean anything; `code` names the problem for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Clause:
    """One searchable unit: a word, phrase, prefix or fuzzy word, maybe scoped to a field."""

    kind: str  # "word", "phrase", "prefix" or "fuzzy"
    text: str  # the user's words (for a prefix, without the *)
    field: str | None = None  # "title", "site", "author"; None for title and text
    slop: int = 0  # phrase: words may stand this many positions apart
    edits: int = 1  # fuzzy: edit distance

    @property
    def required(self) -> bool:
        """Phrases and field scopes must match; loose words only rank."""
        return self.kind == "phrase" or self.field is not None

    def __str__(self) -> str:
        if self.kind == "phrase":
            body = f'"{self.text}"' + (f"~{self.slop}" if self.slop else "")
        elif self.kind == "prefix":
            body = self.text + "*"
        elif self.kind == "fuzzy":
            body = self.text + "~" + ("" if self.edits == 1 else str(self.edits))
        else:
            body = self.text
        return f"{self.field}:{body}" if self.field else body


@dataclass
class ParsedQuery:
    """Groups of alternatives (a group of one is a plain clause), and exclusions."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was forgiven, for people

    @property
    def required(self) -> list[list[Clause]]:
        return [g for g in self.groups if any(c.required for c in g)]

    @property
    def optional(self) -> list[list[Clause]]:
        return [g for g in self.groups if not any(c.required for c in g)]

    @property
    def interpreted_as(self) -> str:
        parts = [" OR ".join(str(c) for c in g) if len(g) == 1 else "(" + " OR ".join(str(c) for c in g) + ")"
                 for g in self.groups]
        parts += ["-" + str(c) for c in self.excluded]
        return " ".join(parts)

    def without_phrases(self) -> "ParsedQuery":
        """The same query with each unscoped phrase read as loose words (for a phrase no page has)."""
        groups: list[list[Clause]] = []
        for group in self.groups:
            if len(group) == 1 and group[0].kind == "phrase" and group[0].field is None:
                groups.extend([Clause("word", word)] for word in group[0].text.split())
            else:
                groups.append(list(group))
        return ParsedQuery(groups, list(self.excluded), list(self.notes))

    @property
    def has_phrases(self) -> bool:
        return any(c.kind == "phrase" and c.field is None for g in self.groups for c in g)


def parse(q: str) -> ParsedQuery:
    """Parse user text; raises QueryError only when nothing is left to search for."""
    if not q or not q.strip():
        raise QueryError("empty_query", "the query is empty: pass some words in q")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError("query_too_long", f"the query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    parsed = ParsedQuery()
    pending_or = False
    for token in _tokens(q.translate(_QUOTES), parsed.notes):
        if token == "OR":
            if parsed.groups:
                pending_or = True
            else:
                parsed.notes.append("a leading OR was read as nothing")
            continue
        negated, clause = token
        if negated:
            parsed.excluded.append(clause)
        elif pending_or:
            parsed.groups[-1].append(clause)
        else:
            parsed.groups.append([clause])
        pending_or = False
    if pending_or:
        parsed.notes.append("a trailing OR was read as nothing")
    if len(parsed.excluded) + sum(len(g) for g in parsed.groups) > MAX_CLAUSES:
        raise QueryError("too_many_terms", f"the query has more than {MAX_CLAUSES} words and phrases")
    if _is_prose(parsed) and parsed.has_phrases:
        parsed = parsed.without_phrases()
        parsed.notes.append(f"a query of {PROSE_WORDS} words or more is read as prose: "
                            "its quotation marks are punctuation, not exact phrases")
    if not parsed.groups:
        if parsed.excluded:
            raise QueryError("only_exclusions", "the query only excludes words: say what to look for too")
        raise QueryError("no_search_terms", "the query has no words to search for (only punctuation or symbols)")
    return parsed


def _is_prose(parsed: ParsedQuery) -> bool:
    return sum(len(c.text.split()) for g in parsed.groups for c in g) >= PROSE_WORDS


def _tokens(text: str, notes: list[str]):
    """("OR") or (negated, Clause) for each piece of the query, in order."""
    for m in _TOKEN.finditer(text):
        negated = bool(m.group("neg"))
        scope = (m.group("field") or "").lower() or None
        if m.group("phrase") is not None:
            if not m.group(0).rstrip().endswith(('"',)) and m.group("slop") is None:
                notes.append("an unbalanced quote was closed at the end")
            words = " ".join(m.group("phrase").split())
            clause = _scoped(Clause("phrase", words, slop=min(int(m.group("slop") or 0), MAX_SLOP)), scope, notes)
            if clause:
                yield negated, clause
            continue
        word = m.group("word")
        if word == "OR" and not negated and not scope:
            yield "OR"
            continue
        if scope and scope not in FIELDS:
            notes.append(f'"{scope}:" is not a field; read as words')
            yield from _words(f"{scope} {word}", negated)
            continue
        clause = _word_clause(word)
        if clause is None:
            if word.strip("-") == "" or negated:
                notes.append('a lone "-" was read as nothing')
            continue
        clause = _scoped(clause, scope, notes)
        if clause:
            yield negated, clause


def _word_clause(word: str) -> Clause | None:
    """A word, prefix or fuzzy clause of one whitespace-free token; None for pure symbols."""
    if word.endswith("*"):
        stem = word.rstrip("*")
        if len(_WORD_CHARS.findall(stem)) >= MIN_PREFIX_CHARS and _WORD_CHARS.fullmatch(stem[-1]):
            return Clause("prefix", stem)
    fuzzy = _FUZZY.match(word)
    if fuzzy and len(_WORD_CHARS.findall(fuzzy.group("stem"))) >= MIN_FUZZY_CHARS:
        return Clause("fuzzy", _EDGE_SYMBOLS.sub("", fuzzy.group("stem")), edits=int(fuzzy.group("edits") or 1))
    word = _EDGE_SYMBOLS.sub("", word)
    return Clause("word", word) if word else None


def _words(text: str, negated: bool):
    for piece in text.split():
        clause = _word_clause(piece)
        if clause:
            yield negated, clause


def _scoped(clause: Clause, scope: str | None, notes: list[str]) -> Clause | None:
    if not clause.text.strip() or not _WORD_CHARS.search(clause.text):
        if clause.kind == "phrase":
            notes.append("an empty phrase was read as nothing")
        return None
    if scope is None:
        return clause
    return Clause(clause.kind, clause.text, field=scope, slop=clause.slop, edits=clause.edits)
