"""The query language, read the way a person meant it."""
from __future__ import annotations

import pytest

from search_service.query import QueryError, parse


def reading(q: str) -> str:
    return parse(q).interpreted_as


@pytest.mark.parametrize("q,expected", [
    ("border troops", "border troops"),
    ('"special forces" mexico', '"special forces" mexico'),
    ('"special forces"~3', '"special forces"~3'),
    ("mexico -trump", "mexico -trump"),
    ('mexico -"border wall"', 'mexico -"border wall"'),
    ("cats OR dogs food", "(cats OR dogs) food"),
    ('"national guard" OR militia', '("national guard" OR militia)'),
    ("title:obrador site:wsws.org", "title:obrador site:wsws.org"),
    ('author:"Andrea Lobo" mexico', 'author:"Andrea Lobo" mexico'),
    ("migra*", "migra*"),
    ("colour~ grey~2", "colour~ grey~2"),
    ("cats and dogs or not", "cats and dogs or not"),
])
def test_the_syntax(q, expected):
    assert reading(q) == expected


@pytest.mark.parametrize("q,expected,note", [
    ('"special forces', '"special forces"', "unbalanced quote"),
    ("mexico - border", "mexico border", 'lone "-"'),
    ("foo:bar mexico", "foo bar mexico", "not a field"),
    ("OR mexico", "mexico", "leading OR"),
    ("mexico OR", "mexico", "trailing OR"),
    ('mexico ""', "mexico", "empty phrase"),
])
def test_mistakes_are_forgiven_and_said(q, expected, note):
    parsed = parse(q)
    assert parsed.interpreted_as == expected
    assert any(note in n for n in parsed.notes)


@pytest.mark.parametrize("q,expected", [
    ("fox?", "fox"), ("(fox", "fox"), ("fox^2", "fox^2"), ("a*", "a"), ("*fox", "fox"),
    ("a OR OR b", "(a OR b)"), ("10:30 meeting", "10:30 meeting"),
])
def test_symbols_are_text(q, expected):
    assert reading(q) == expected


def test_required_and_optional_groups():
    parsed = parse('"special forces" mexico title:amlo cats OR dogs')
    assert [str(g[0]) for g in parsed.required] == ['"special forces"', "title:amlo"]
    assert [[str(c) for c in g] for g in parsed.optional] == [["mexico"], ["cats", "dogs"]]


@pytest.mark.parametrize("q,code", [
    ("", "empty_query"), ("   ", "empty_query"), ("*", "no_search_terms"), ("?", "no_search_terms"),
    ("-mexico", "only_exclusions"), ("x" * 4001, "query_too_long"), (" ".join(["w"] * 513), "too_many_terms"),
])
def test_queries_that_mean_nothing_are_refused(q, code):
    with pytest.raises(QueryError) as info:
        parse(q)
    assert info.value.code == code


def test_quotes_in_a_long_prose_query_are_punctuation():
    q = ('Articles describing the design of an "electronic filing machine" able to store '
         'large numbers of "unstructured" documents')
    parsed = parse(q)
    assert not parsed.has_phrases and not parsed.required
    assert parsed.interpreted_as.startswith("Articles describing the design of an electronic filing machine")
    assert any("read as prose" in note for note in parsed.notes)


def test_quotes_in_a_short_query_stay_exact_phrases():
    parsed = parse('"electronic filing machine" storage of documents')
    assert parsed.has_phrases and parsed.required
    assert not any("prose" in note for note in parsed.notes)


def test_a_long_query_keeps_its_field_scopes_and_exclusions():
    q = 'title:filing machines that store and retrieve large numbers of documents by content "fast" -tape'
    parsed = parse(q)
    assert parsed.interpreted_as.startswith("title:filing machines")
    assert parsed.interpreted_as.endswith("fast -tape")
