"""Which documents repeat an earlier one (duplicates.py)."""
from search_service.duplicates import DuplicateFinder
from search_service.models import Document

ARTICLE = " ".join(f"word{i}" for i in range(60))


def doc(source: str, text: str, title: str = "") -> Document:
    return Document(id=source, source=source, text=text, title=title)


def test_the_same_text_at_two_sources_is_a_duplicate_of_the_first():
    finder = DuplicateFinder()
    assert finder.original_of(doc("a", ARTICLE, "A")) is None
    assert finder.original_of(doc("b", ARTICLE.upper(), "B")) == "a"


def test_a_nearly_identical_text_is_a_duplicate():
    finder = DuplicateFinder()
    finder.original_of(doc("a", ARTICLE))
    assert finder.original_of(doc("b", ARTICLE.replace("word30", "changed"))) == "a"


def test_records_of_a_title_alone_are_told_apart_by_their_titles():
    finder = DuplicateFinder()
    assert finder.original_of(doc("a", "", "Extraction of roots by repeated subtractions")) is None
    assert finder.original_of(doc("b", "", "Preliminary report on an algebraic language")) is None
    assert finder.original_of(doc("c", "  ", "Preliminary Report on an Algebraic Language")) == "b"


def test_a_title_alone_does_not_repeat_a_text_that_is_the_same_words():
    finder = DuplicateFinder()
    finder.original_of(doc("a", "Algebraic language", "Report"))
    assert finder.original_of(doc("b", "", "Algebraic language")) is None


def test_forgotten_documents_are_no_longer_originals():
    finder = DuplicateFinder()
    finder.original_of(doc("a", ARTICLE))
    finder.forget({"a"})
    assert finder.original_of(doc("b", ARTICLE)) is None
