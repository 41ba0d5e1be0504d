"""Paragraphs repeated across a site's pages are stripped; everything else stays."""
from __future__ import annotations

import pickle

from search_service.cleaning import RepeatedParagraphs
from search_service.models import Document

SLOGAN = "Support independent journalism in our region today"


def doc(n: int, site: str | None, *paragraphs: str) -> Document:
    return Document(id=str(n), source=f"{n}.html", site=site, text="\n\n".join(paragraphs))


def story(n: int) -> str:
    return f"Story {n} has its own long first paragraph, with details no other page repeats at all."


def test_a_slogan_on_every_page_of_a_site_goes():
    docs = [doc(n, "a.example", story(n), SLOGAN, "A short line of page " + str(n)) for n in range(4)]
    repetition = RepeatedParagraphs()
    for d in docs:
        repetition.count(d)
    assert repetition.repeated("a.example") == {SLOGAN.lower()}
    stripped = repetition.strip(docs[0])
    assert stripped.text.split("\n\n") == [story(0), "A short line of page 0"]


def test_repetition_is_counted_per_site():
    repetition = RepeatedParagraphs()
    for n in range(4):
        repetition.count(doc(n, f"site{n}.example", story(n), SLOGAN))
    assert repetition.repeated("site0.example") == frozenset()
    assert repetition.strip(doc(9, "site0.example", story(9), SLOGAN)).text.endswith(SLOGAN)


def test_two_pages_are_not_enough_evidence():
    repetition = RepeatedParagraphs()
    for n in range(2):
        repetition.count(doc(n, "a.example", story(n), SLOGAN))
    assert repetition.repeated("a.example") == frozenset()


def test_long_paragraphs_are_never_counted():
    long_text = " ".join(["word"] * 40) + "."
    repetition = RepeatedParagraphs()
    for n in range(5):
        repetition.count(doc(n, "a.example", long_text))
    assert repetition.repeated("a.example") == frozenset()


def test_a_copy_for_stripping_strips_the_same_without_the_counts():
    repetition = RepeatedParagraphs()
    pages = [doc(n, "a.example", story(n), SLOGAN) for n in range(4)] + [doc(9, "b.example", story(9), SLOGAN)]
    for d in pages:
        repetition.count(d)
    copy = repetition.for_stripping()
    assert [copy.strip(d) for d in pages + [doc(10, None, story(10))]] == \
        [repetition.strip(d) for d in pages + [doc(10, None, story(10))]]
    assert copy.strip(pages[0]).text == story(0) and copy.strip(pages[4]).text.endswith(SLOGAN)
    assert len(pickle.dumps(copy)) < len(pickle.dumps(repetition)) / 2  # what ingest's processes are sent
