"""Dates as pages write them (cleaning/dates.py), in the languages the cleaner reads."""
import pytest

from search_service.cleaning.dates import is_date_line, parse_date


@pytest.mark.parametrize("text, expected", [
    ("2023-12-01T10:00:00Z", "2023-12-01"),
    ("1 December 2023", "2023-12-01"),
    ("Dec. 1st, 2023", "2023-12-01"),
    ("9 de octubre de 2023", "2023-10-09"),
    ("9. Oktober 2023", "2023-10-09"),
    ("1er mars 2024", "2024-03-01"),
    ("12 out 2021", "2021-10-12"),  # Portuguese abbreviations beside a day
    ("5 ago 2019", "2019-08-05"),
    ("outubro de 2021", "2021-10-01"),
    ("Mar 2021", "2021-03-01"),
    ("01.12.2023", "2023-12-01"),
    ("12/01/2023", "2023-12-01"),
])
def test_a_date_is_read_in_its_writers_form(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["The album came out 2021 in Europe", "a record that set 2020 apart",
                                  "ten years ago 2019 looked different", "no date here"])
def test_words_that_are_also_month_abbreviations_make_no_date_without_a_day(text):
    assert parse_date(text) is None


def test_a_date_line_is_a_date_and_little_else():
    assert is_date_line("Published on Monday, 4 March 2024 at 10:00 GMT")
    assert not is_date_line("The vote on 4 March 2024 was close")


def test_every_date_pattern_match_holds_the_cue_that_lets_other_lines_skip_them():
    """parse_date only tries the patterns on text where DATE_CUE finds something."""
    import random

    from search_service.cleaning.rules import DATE_CUE, DATE_PATTERNS

    pieces = ["1", "12", "2023", "٢٠٢٣", "-", "/", ".", " ", "de ", "Dec", "December ", "mars", "1st", ", ", "x"]
    rng = random.Random(5)
    matched = 0
    for _ in range(20_000):
        text = "".join(rng.choices(pieces, k=rng.randint(1, 8)))
        for pattern in DATE_PATTERNS:
            if m := pattern.search(text):
                matched += 1
                assert DATE_CUE.search(m.group(0)), (pattern.pattern, text)
    assert matched > 100
