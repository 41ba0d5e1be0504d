"""Token spans: where a text's tokens stand, stored at ingest so that snippets need not split it."""
from __future__ import annotations

import random
from itertools import count

import pytest

from search_service import token_spans
from search_service.analysis import ANALYZER, _TOKEN, preanalyse, terms
from search_service.models import Document
from search_service.snippets import Snippets, _StoredTokens, _tokens
from search_service.token_spans import CHARLIMIT, CUT, decode, term_hash

from .test_snippets import spans_of

TEXTS = [
    "fox",
    "The quick brown fox jumps over the lazy dog.",
    "  leading and trailing gaps  ",
    "López, U.S. border; e.g. 3.14 fox.dog — naïve café, Straße, ﬁnance 日本語のテキスト",
    "-" * 300 + " a long gap, then words " + "x" * 300,  # pieces of 256 characters or more
]


@pytest.mark.parametrize("text", TEXTS)
def test_spans_hold_each_tokens_place_and_its_terms_hash(text):
    spans = decode(spans_of(text))
    found = list(_TOKEN.finditer(text))
    assert spans.starts.tolist() == [m.start() for m in found] + [len(text)]
    assert spans.ends.tolist() == [m.end() for m in found]
    assert spans.hashes.tolist() == [term_hash(token.text) for token in ANALYZER(text)]
    assert not spans.cut_short


def test_a_text_past_the_cut_keeps_the_spans_of_its_start():
    text = "word " * (CUT // 5 + 1000)
    spans = decode(spans_of(text))
    assert spans.cut_short
    # The tokens that end before the cut's last character (one ending on it might go on).
    assert spans.ends.tolist() == [m.end() for m in _TOKEN.finditer(text) if m.end() < CUT - 1]
    # Its postings still have every token: the cut is for snippets alone.
    content_terms = preanalyse(Document("0" * 16, "t", text)).fields["content"].terms
    assert content_terms.count("word") == len(_TOKEN.findall(text))


def test_a_text_of_one_long_token_has_spans():
    text = "start " + "y" * 70_000 + " fox end"  # its pieces stop at the cut, within 16 bits
    assert decode(spans_of(text)).cut_short
    html = Snippets(frozenset(terms("start")), [], 200).snippet(text, spans_of(text))
    assert html == Snippets(frozenset(terms("start")), [], 200).snippet(text) and "<mark>start</mark>" in html


def test_spans_of_another_text_are_not_used():
    snippets = Snippets(frozenset(terms("fox")), [], 200)
    text = "The quick brown fox jumps over the lazy dog."
    other = spans_of("A different text of another length, no foxes.")
    assert not isinstance(_tokens(text, 1, other), _StoredTokens)
    assert snippets.snippet(text, other) == snippets.snippet(text)
    assert isinstance(_tokens(text, 1, spans_of(text)), _StoredTokens)
    assert _tokens(text, 1, b"\x07 bytes of a later version") is not None


def colliding_words() -> tuple[str, str]:
    """Two words of different terms whose terms have the same 16-bit hash."""
    seen: dict[int, str] = {}
    for n in count():
        word = "x" + "".join(chr(ord("a") + int(d)) for d in str(n))
        other = seen.setdefault(term_hash(terms(word)[0]), word)
        if terms(other) != terms(word):
            return other, word


def test_a_token_whose_terms_hash_collides_is_not_marked():
    word, collider = colliding_words()
    assert term_hash(terms(word)[0]) == term_hash(terms(collider)[0]) and terms(word) != terms(collider)
    text = f"Only {collider} is here, and later {collider} again with {word}."
    spans = spans_of(text)
    marked = Snippets(frozenset(terms(word)), [], 200).snippet(text, spans)
    assert marked.count("<mark>") == 1 and f"<mark>{word}</mark>" in marked
    # Nor does it count as a phrase's word.
    phrase = Snippets(frozenset(), [(terms(f"{word} again"), 0)], 200)
    assert "<mark>" not in phrase.snippet(f"{collider} again and again", spans_of(f"{collider} again and again"))


def test_spans_are_small_beside_the_text():
    rng = random.Random(3)
    words = ["the", "harbour", "strike", "of", "López", "and", "more", "U.S.", "border", "1999"]
    text = " ".join(rng.choice(words) for _ in range(2_000))
    # A byte for each piece's length and two for each token's hash.
    assert len(spans_of(text)) == token_spans._HEADER + (2 * 2_000 + 1) + 2 * 2_000
    assert CHARLIMIT < CUT
