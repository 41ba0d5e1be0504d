"""Where the tokens of a document's text stand: worked out at ingest, stored beside the text.

A snippet needs every token of a hit's text up to Whoosh's CHARLIMIT: where it starts and
ends, and whether its term is one the query marks. Found at query time, that is a regex
split of the text and a term looked up per token, ~0.1 ms per 1,000 characters: 4 ms for
each hit that is a 30 KB page. Ingest, which reads the text anyway, keeps the split as bytes
in the document's stored `spans` field (encode): the length of each piece (gaps and tokens
alternately, as PIECES.split gives them) and a 16-bit hash of each token's term. A snippet
then finds its terms' hashes among the tokens' with numpy, and checks each token found by
its term, as hashes this short collide (decode, Spans).

Bytes, not a file of the generation's: they live and die with their document, through
Whoosh's merges, deletions and incremental updates, and a document without them (indexed
before they existed) gets its snippet the old way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from zlib import crc32

import numpy as np

# Whoosh's DEFAULT_CHARLIMIT: its fragmenters stop at the first token ending past it.
CHARLIMIT = 2 ** 15
# Tokens and the text between them, alternately (a split keeps the captured tokens). The
# pattern is analysis.TOKEN_PATTERN's with possessive quantifiers, a fifth faster:
# `\w+(?:\.?\w+)*` never backtracks either, as its greedy \w+ leaves no word character for
# a dotless repeat, and its tail may match nothing.
PIECES = re.compile(r"(\w++(?:\.\w++)*+)")
# A text this much longer than CHARLIMIT is tokenized only this far, when that is enough.
TAIL = 4096
CUT = CHARLIMIT + TAIL

_VERSION = 1
_WIDE = 2  # a flag: piece lengths are uint16 (else uint8); no piece is longer than CUT < 2 ** 16
_CUT_SHORT = 4  # a flag: the text goes on past the pieces
_HEADER = 5  # version, flags, token count (uint24: there are fewer than CUT)


def split(text: str) -> tuple[list[str], bool]:
    """The pieces of text (gaps and tokens alternately, starting and ending with a gap) up
    to the last whole token before CUT, and whether the text goes on past them."""
    if len(text) <= CUT:
        return PIECES.split(text), False
    pieces = PIECES.split(text[:CUT])
    ends = list(accumulate(map(len, pieces)))  # token t ends at ends[2t + 1]
    kept = len(pieces) // 2
    # A token ending at the cut may be cut short, and one ending a character before it may
    # go on past a dot.
    while kept and ends[2 * kept - 1] >= CUT - 1:
        kept -= 1
    return pieces[:2 * kept + 1], True


def past_charlimit(ends: list[int] | np.ndarray) -> int:
    """How many of the tokens with these ends end past CHARLIMIT."""
    return len(ends) - int(np.searchsorted(np.asarray(ends), CHARLIMIT, side="right"))


def term_hash(term: str) -> int:
    """The 16-bit hash spans keep of a term."""
    return crc32(term.encode("utf-8")) & 0xFFFF


# Term → its hash, emptied when it reaches HASHES_KEPT (as analysis keeps terms of tokens).
_HASHES: dict[str, int] = {}
HASHES_KEPT = 200_000


def _hashes(terms: list[str]) -> list[int]:
    """term_hash of each term (most from the cache)."""
    found = list(map(_HASHES.get, terms))
    if None in found:
        if len(_HASHES) >= HASHES_KEPT:
            _HASHES.clear()
        for i, term in enumerate(terms):
            if found[i] is None:
                found[i] = _HASHES.setdefault(term, term_hash(term))
    return found


def encode(pieces: list[str], cut_short: bool, terms: list[str]) -> bytes:
    """The spans of a text split into pieces (split), its tokens' terms given."""
    lengths = list(map(len, pieces))
    flags = (_WIDE if max(lengths) >= 2 ** 8 else 0) | (_CUT_SHORT if cut_short else 0)
    header = bytes([_VERSION, flags]) + len(terms).to_bytes(3, "little")
    sizes = np.array(lengths, np.uint16 if flags & _WIDE else np.uint8)
    return header + sizes.tobytes() + np.array(_hashes(terms), np.uint16).tobytes()


@dataclass
class Spans:
    """A text's tokens as encode kept them: where each starts and ends, and its term's hash.

    `starts` has one more item than the tokens: the end of the last piece.
    """

    starts: np.ndarray  # int64
    ends: np.ndarray  # int64
    hashes: np.ndarray  # uint16
    cut_short: bool  # the text goes on past the last piece

    def __len__(self) -> int:
        return len(self.hashes)


def decode(data: bytes | None) -> Spans | None:
    """The Spans of encode's bytes; None for none, or bytes of another version."""
    if not data or len(data) < _HEADER or data[0] != _VERSION:
        return None
    flags = data[1]
    count = int.from_bytes(data[2:_HEADER], "little")
    width = 2 if flags & _WIDE else 1
    sizes_end = _HEADER + (2 * count + 1) * width
    if len(data) != sizes_end + 2 * count:
        return None
    sizes = np.frombuffer(data, np.uint16 if width == 2 else np.uint8, 2 * count + 1, _HEADER)
    # bounds[k]: where piece k ends (cast first: a cumsum that casts as it goes is twice as slow)
    bounds = sizes.astype(np.int64).cumsum()
    return Spans(bounds[0::2], bounds[1::2], np.frombuffer(data, np.uint16, count, sizes_end),
                 bool(flags & _CUT_SHORT))
