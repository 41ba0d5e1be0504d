"""Analysis: how a Document's text becomes index terms, done ahead of the index writer.

ANALYZER turns text into terms, for indexing and for queries. Indexing also runs it before
the writer: `preanalyse` turns a Document into its text fields' terms in order
(TermSequence, which segment_writer's writer turns into the postings of all its documents
at once), its vocabulary words and its text's spans for snippets (token_spans).
`AnalysedText` fields take such values, and plain text as any TEXT field does.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import TEXT
from whoosh.formats import Positions
from whoosh.support.charset import accent_map

from . import token_spans
from .models import Document

# Words (and dotted abbreviations like U.S.) only: Whoosh's default pattern also takes
# "*" into tokens, which would make a literal "*" a searchable term.
TOKEN_PATTERN = r"\w+(?:\.?\w+)*"

_SNOWBALL = Stemmer.Stemmer("english")


def snowball_english(word: str) -> str:
    """A word's English stem: Snowball's English stemmer, in C (PyStemmer).

    Not Whoosh's own port of it (StemFilter(lang="en")), which is four times slower (5.3
    against 1.3 us a word: ~3% of an ingest) and an older edition of the algorithm: of
    312,035 words (Reuters and the extraction pages), 78 stem otherwise, among them
    "added" → "ad" (so a search for ads found every page that added something),
    "international" and "internal" → "intern", "evening" → "even", "emergency" → "emerg".
    """
    return _SNOWBALL.stemWord(word)


# The stemmer as the ingest records it: an index whose terms another stemmer made is rebuilt
# in full by its next ingest (ingest.IngestState.schema). Named by what it makes of words
# that editions of Snowball's English stem apart (PyStemmer 2.2 bundles the older one, and
# its Stemmer.version() does not tell), not by a version number.
STEMMER = "snowball english: " + " ".join(
    snowball_english(w) for w in ("added", "international", "evening", "university", "organization", "running"))


# Lowercase, fold accents (López = Lopez), stem English (Snowball; Whoosh's Porter
# leaves "running" as "runn"); keep stopwords so that
# phrases like "the who" and "US border" stay exact.
ANALYZER = (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
            | StemFilter(stemfn=snowball_english))
_TOKEN = re.compile(TOKEN_PATTERN)  # ANALYZER's tokenizer

# Each posting as Whoosh's writer takes it from FieldType.index (whoosh.writing.SegmentWriter.add_document).
Posting = tuple[bytes, int, float, bytes]  # (term, frequency, weight, encoded positions)


@dataclass(frozen=True)
class TermSequence:
    """A text field's value as ANALYZER's terms, in order: what its postings are made from.

    segment_writer's writer keeps such values as they come and works out the postings of
    all its documents at once; any other writer gets them from AnalysedText.index."""

    terms: list[str]


@dataclass
class PreanalysedDocument:
    """A Document with its indexed text fields analysed, ready for the writer."""

    doc: Document
    fields: dict[str, TermSequence]  # indexed text field name → its terms (None values left out)
    words: set[str]  # the document's vocabulary words (vocabulary_words of its content)
    spans: bytes | None = None  # where its text's tokens stand, for snippets (token_spans)


class AnalysedText(TEXT):
    """A TEXT field analysed by ANALYZER with positions that also takes TermSequence values.

    Such a value is indexed as TEXT.index would index the text; a stored field then needs
    its text as `_stored_<name>` in add_document.
    """

    def __init__(self, stored: bool = False):
        super().__init__(analyzer=ANALYZER, phrase=True, stored=stored)

    def index(self, value, **kwargs):
        if isinstance(value, TermSequence):
            return postings_of(value.terms)
        return super().index(value, **kwargs)


_FORMAT = Positions()  # AnalysedText's format: what the postings' values encode


def content(title: str | None, text: str | None) -> str:
    """The ranking field's text: title and text as one."""
    return f"{title or ''}\n{text or ''}"


def preanalyse(doc: Document) -> PreanalysedDocument:
    """The document with its indexed fields analysed, its vocabulary words and its text's spans."""
    # The text is split once, for its spans and for `content`, whose tokens are the title's
    # and then the text's (no token spans the line between them).
    pieces, cut_short = token_spans.split(doc.text or "")
    text_tokens = pieces[1::2] if not cut_short else _TOKEN.findall(doc.text)
    text_terms = terms_of(text_tokens)
    spans = token_spans.encode(pieces, cut_short, text_terms[:len(pieces) // 2]) if doc.text else None
    title_tokens = _TOKEN.findall(doc.title or "")
    title_terms = terms_of(title_tokens)
    fields = {"content": TermSequence(title_terms + text_terms)}
    if doc.title is not None:
        fields["title"] = TermSequence(title_terms)
    if doc.author is not None:
        fields["author"] = TermSequence(terms(doc.author))
    return PreanalysedDocument(doc, fields, _vocabulary_of(title_tokens + text_tokens), spans)


def preanalyse_batch(docs: list[Document]) -> list[PreanalysedDocument]:
    """preanalyse for a batch (one task of a process pool)."""
    return [preanalyse(doc) for doc in docs]


def postings_of(found_terms: list[str]) -> tuple[Posting, ...]:
    """What TEXT.index makes of a text (Positions.word_values) whose terms, in order, are found_terms."""
    positions: defaultdict[str, list[int]] = defaultdict(list)
    for position, term in enumerate(found_terms):
        positions[term].append(position)
    boost = _FORMAT.field_boost
    return tuple((term.encode("utf-8"), len(found), len(found) * 1.0 * boost, _FORMAT.encode(found))
                 for term, found in positions.items())


def terms(text: str) -> list[str]:
    """ANALYZER's terms of text, in order (as `[t.text for t in ANALYZER(text)]`, faster)."""
    return terms_of(_TOKEN.findall(text))


# Token → ANALYZER's term, emptied when it reaches TERMS_KEPT. A plain dict rather than an
# lru_cache: looked up by map in C, a third faster on the tokens of a page (snippets mark
# every token of ten pages per query), and nearly every token is found.
_TERMS: dict[str, str] = {}
TERMS_KEPT = 200_000


def terms_of(tokens: list[str]) -> list[str]:
    """ANALYZER's term of each token of its tokenizer, in order."""
    found = list(map(_TERMS.get, tokens))
    if None in found:
        found = [term if term is not None else _term(token) for term, token in zip(found, tokens)]
    return found


def _term(token: str) -> str:
    """ANALYZER's term for one token of its tokenizer.

    Running ANALYZER's filters on the token alone gives the term ANALYZER gives the token
    in context: they change each token on its own, and its tokenizer finds the token whole.
    Cached: most tokens of a corpus are words seen before, and the stemmer is the slow part.
    """
    term = _TERMS.get(token)
    if term is None:
        if len(_TERMS) >= TERMS_KEPT:
            _TERMS.clear()
            _WORDS.clear()
        folded = token.lower().translate(accent_map)
        term = _TERMS[token] = _stem(folded)
        _WORDS[token] = folded if folded.isalpha() else ""
    return term


# ANALYZER's filters on one token, without its generators and Token objects: lowercase
# (LowercaseFilter), fold accents (CharsetFilter), stem (StemFilter's stemmer, cached as it
# caches it; a token's folded forms share an entry). tests/test_indexer.py holds it to ANALYZER.
_stem = lru_cache(maxsize=50_000)(snowball_english)


def vocabulary_words(text: str) -> set[str]:
    """The distinct words of text as the vocabulary holds them: alphabetic, and spelled as
    ANALYZER spells them without stemming (what query_builder.fold makes of a typed word)."""
    return _vocabulary_of(_TOKEN.findall(text))


# Token → its vocabulary word ('' for none), kept by _term with its term (folding the token
# is a step of both): a text's words are looked up in C once its terms were.
_WORDS: dict[str, str] = {}


def _vocabulary_of(tokens: list[str]) -> set[str]:
    """vocabulary_words of a text whose tokens are these."""
    distinct = set(tokens)
    words = set(map(_WORDS.get, distinct))
    if None in words:  # tokens whose terms were not looked up since _WORDS was last emptied
        words = {_folded(token) if word is None else word for token, word in zip(distinct, map(_WORDS.get, distinct))}
    words.discard("")
    return words


@lru_cache(maxsize=200_000)
def _folded(token: str) -> str:
    """The token lowercased and accent-folded as by ANALYZER; '' when not alphabetic."""
    word = token.lower().translate(accent_map)
    return word if word.isalpha() else ""
