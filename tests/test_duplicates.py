"""Which documents repeat an earlier one (duplicates.py)."""
import pickle

from search_service.duplicates import DuplicateFinder, text_key
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


def test_keys_worked_out_in_another_process_give_the_same_answers():
    docs = [doc("a", ARTICLE), doc("b", ARTICLE.upper()), doc("c", ARTICLE.replace("word30", "changed")),
            doc("d", "", "A title alone"), doc("e", "", "a TITLE alone"), doc("f", "other words " * 20)]
    keys = pickle.loads(pickle.dumps([text_key(d) for d in docs]))  # as a cleaning process sends them
    with_keys, without = DuplicateFinder(), DuplicateFinder()
    answers = [with_keys.original_of(d, key) for d, key in zip(docs, keys)]
    assert answers == [without.original_of(d) for d in docs] == [None, "a", "a", None, "d", None]
