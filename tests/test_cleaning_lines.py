"""Judgements on one line (cleaning/lines.py) and a text's language (cleaning/language.py):
page furniture goes, sentences that merely start or end like it stay."""
import pytest

from search_service.cleaning.language import detect_language
from search_service.cleaning.lines import is_chrome_line


@pytest.mark.parametrize("line", [
    "Copyright 2024 Example Media Group. All rights reserved.",
    "© 2023 The Daily Example",
    "Contact us at newsroom@example.org",
    "To contact the author, email jane@example.org",
    "Related: Is coffee good for you?",
    "Related to this story:",
    "Trending now",
    "Most Read",
    "Posted in News, Politics",
    "More from our correspondents",
    "Share this article",
])
def test_page_furniture_is_chrome(line):
    assert is_chrome_line(line)


@pytest.mark.parametrize("line", [
    "Copyright law protects a work for seventy years after its author's death.",
    "Contact tracing began at the hospital on Monday.",
    "Popular anger grew.",
    "Related research points the other way.",
    "Published in 1851, the novel sold poorly.",
])
def test_sentences_that_start_like_furniture_are_kept(line):
    assert not is_chrome_line(line)


@pytest.mark.parametrize("lang, text", [
    ("es", "La reunión de ministros de economía de la región terminó en Madrid sin un acuerdo sobre la "
           "reforma de las pensiones. En la capital, miles de personas salieron a la calle en protesta."),
    ("fr", "La réunion des ministres de l'économie de la région s'est terminée à Paris sans accord sur la "
           "réforme des retraites. En ville, des milliers de personnes sont descendues dans la rue."),
    ("nl", "Het stadsbestuur heeft gisteren aangekondigd dat de werken aan de nieuwe brug in de lente "
           "beginnen. Volgens de burgemeester kost het project minder dan verwacht."),
    ("pt", "O governo da cidade anunciou ontem que as obras da nova ponte vão começar na primavera. "
           "Segundo o prefeito, o projeto vai custar menos do que o previsto e ficará pronto em dois anos."),
    ("it", "Il consiglio della città ha annunciato ieri che i lavori del nuovo ponte inizieranno in primavera. "
           "Secondo il sindaco, il progetto costerà meno del previsto e sarà pronto in due anni."),
    ("en", "The city council announced yesterday that work on the new bridge will begin in the spring, "
           "and the mayor said that the project is cheaper than expected."),
])
def test_a_texts_language_is_told_by_its_commonest_words(lang, text):
    assert detect_language(text) == lang


def test_a_text_too_short_to_tell_has_no_language():
    assert detect_language("Madrid 2024") is None
