"""Snippets: the text around a query's words with <mark> on them, and highlighted titles."""
from __future__ import annotations

import random
from html import escape
import re
import types
from pathlib import Path

import pytest

from search_service.analysis import _TOKEN, terms
from whoosh import highlight
from whoosh import query as whoosh_query

from search_service.analysis import ANALYZER, preanalyse
from search_service.models import Document
from search_service.snippets import CHARLIMIT, Snippets, opening
from search_service.token_spans import PIECES

CORPUS = sorted((Path(__file__).resolve().parent.parent / "corpus").glob("*.txt"))
MARK = re.compile(r"</?mark>")


def snippets(words: str = "", phrases: tuple[tuple[str, int], ...] = (), length: int = 200) -> Snippets:
    """Snippets for a query of loose words and (phrase, slop) pairs, spelled as typed."""
    return Snippets(frozenset(terms(words)), [(terms(phrase), slop) for phrase, slop in phrases], length)


def spans_of(text: str) -> bytes | None:
    """The spans ingest stores for a document's text."""
    return preanalyse(Document(id="0" * 16, source="t.txt", text=text)).spans


def marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


# ---------------------------------------------------------------------- examples


def test_marks_every_form_of_a_stemmed_word():
    html = snippets("migrants").snippet("A migrant spoke first. Then the migrants marched to the border.")
    assert html == "A <mark>migrant</mark> spoke first. Then the <mark>migrants</mark> marched to the border"


def test_marks_accented_words_for_unaccented_queries():
    html = snippets("lopez").snippet("President Andrés Manuel López Obrador spoke.")
    assert marked(html) == ["López"]


def test_a_phrase_marks_the_phrase_and_not_its_stray_words():
    text = "The border was quiet. Troops reached the US border at dawn; the border stayed shut."
    html = snippets(phrases=(("US border", 0),)).snippet(text)
    assert marked(html) == ["US", "border"]
    assert "<mark>US</mark> <mark>border</mark> at dawn; the border stayed" in html


def test_a_phrase_with_slop_allows_words_between():
    text = "Troops went to the border of Mexico."
    assert marked(snippets(phrases=(("border mexico", 2),)).snippet(text)) == ["border", "Mexico"]
    # Without slop the words must be adjacent: no match, so the text's opening.
    assert snippets(phrases=(("border mexico", 0),)).snippet(text) == opening(text)


def test_text_is_escaped_and_marks_are_the_only_tags():
    text = "Authors write <script>alert(1)</script> & tell of the fox & the hound <b>again</b>."
    html = snippets("fox", length=400).snippet(text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; tell of the <mark>fox</mark> &amp; the hound &lt;b&gt;" in html
    assert "<" not in MARK.sub("", html) and ">" not in MARK.sub("", html)


def test_at_most_three_fragments_joined_by_an_ellipsis():
    filler = " ".join(["Filler words go here and there without any meaning at all."] * 10)
    text = " fox ".join([filler] * 6)  # five far-apart matches
    html = snippets("fox", length=300).snippet(text)
    assert html.count(" … ") == 2 and marked(html) == ["fox"] * 3


def test_snippet_length_sets_how_much_text_is_shown():
    filler = " ".join(["Filler words go here and there without any meaning at all."] * 10)
    text = " fox ".join([filler] * 6)
    short, long = snippets("fox", length=100).snippet(text), snippets("fox", length=600).snippet(text)
    assert len(short) < 200 < 600 < len(long)


def test_fragments_with_more_of_the_query_are_preferred():
    filler = " Nothing to see in this sentence whatsoever." * 8 + " "
    text = filler.join(["A fox.", "A fox.", "A fox and a dog.", "A fox.", "A fox."])
    html = snippets("fox dog", length=60).snippet(text)
    assert html.startswith("whatsoever. A <mark>fox</mark> and a <mark>dog</mark>")


def test_whitespace_is_collapsed():
    assert snippets("fox").snippet("The\n\n  fox\tran.") == "The <mark>fox</mark> ran"


def test_a_text_without_the_words_shows_its_opening():
    text = "Nothing here matches. " * 20
    assert snippets("zebra").snippet(text) == opening(text, 200)
    assert snippets("zebra", length=60).snippet(text) == opening(text, 60)
    assert snippets("zebra").snippet("") == ""


def test_opening_cuts_at_a_word_and_escapes():
    assert opening("Tom & Jerry <3 cheese", 200) == "Tom &amp; Jerry &lt;3 cheese"
    assert opening("one two three four", 10) == "one two …"
    assert opening("one   two\nthree", 200) == "one two three"


def test_titles_are_marked_whole_and_escaped():
    assert snippets("migrants").title("Migrants & the <border>") == "<mark>Migrants</mark> &amp; the &lt;border&gt;"
    assert snippets("zebra").title("Migrants & the <border>") == "Migrants &amp; the &lt;border&gt;"
    assert snippets("zebra").title("") == ""
    assert snippets(phrases=(("special forces", 0),)).title("Special forces, special training") == (
        "<mark>Special</mark> <mark>forces</mark>, special training")


def test_the_token_pattern_finds_what_the_analyzer_tokenizer_finds():
    rng = random.Random(5)
    alphabet = "ab_1é. .,.-<&\n" + "ß"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        pieces = PIECES.split(text)
        starts = [sum(map(len, pieces[:i])) for i in range(1, len(pieces), 2)]
        assert [(m.group(), m.start()) for m in _TOKEN.finditer(text)] == list(zip(pieces[1::2], starts))


# ---------------------------------------------------------------------- same output as Whoosh's highlighting


class MarkFormatter(highlight.HtmlFormatter):
    """Escaped text with bare <mark> around matched terms, and nothing else.

    Fragments are joined with " … " until `budget` characters of text are shown.
    """

    def __init__(self, budget: int | None = None) -> None:
        super().__init__(tagname="mark", between=" … ")
        self.budget = budget

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % self._text(highlight.get_text(text, token, replace))

    def format(self, fragments, replace=False):
        shown, used = [], 0
        for fragment in fragments:
            if shown and self.budget and used >= self.budget:
                break
            shown.append(self.format_fragment(fragment, replace=replace))
            used += fragment.endchar - fragment.startchar
        return self.between.join(shown)


class WhooshHighlighter:
    """What search.py did before snippets.py: Whoosh's own highlighting, the reference
    snippets.py must give the same output as."""

    def __init__(self, query_plan, snippet_length: int) -> None:
        self.length = snippet_length
        self.words = query_plan.marks
        self.terms = [whoosh_query.Term("text", w) for w in sorted(query_plan.marks)]
        self.phrases = [whoosh_query.Phrase("text", words, slop=1 + slop) for words, slop in query_plan.phrases]
        fragment_chars = max(60, snippet_length // 2)
        self.fragmenter = highlight.ContextFragmenter(maxchars=fragment_chars, surround=fragment_chars // 3)
        self.formatter = MarkFormatter(budget=snippet_length)
        self.whole = highlight.WholeFragmenter()
        self.title_formatter = MarkFormatter()
        self.scorer = highlight.BasicFragmentScorer()

    def _marked(self, text: str, fragmenter, formatter, top: int) -> str:
        tokens = ANALYZER(text, positions=True, chars=True, mode="index", removestops=False)
        if self.phrases:  # a phrase query marks the phrase, not each stray occurrence of its words
            tokens = highlight.set_matched_filter_phrases(tokens, text, self.terms, self.phrases)
        else:
            tokens = highlight.set_matched_filter(tokens, self.words)
        fragments = highlight.top_fragments(fragmenter.fragment_tokens(text, tokens), top, self.scorer,
                                            highlight.FIRST, minscore=1)
        return formatter(text, fragments)

    def snippet(self, text: str) -> str:
        marked = self._marked(text, self.fragmenter, self.formatter, 3) if text else ""
        return " ".join(marked.split()) if marked else opening(text, self.length)

    def title(self, title: str) -> str:
        if not title:
            return ""
        return self._marked(title, self.whole, self.title_formatter, 1) or escape(title, quote=False)


def whoosh(words: frozenset[str], phrases: list, length: int) -> WhooshHighlighter:
    return WhooshHighlighter(types.SimpleNamespace(marks=words, phrases=phrases), length)


def at(text: str, offset: int, insert: str) -> str:
    """text with insert put in at about offset (at the next space)."""
    offset = text.index(" ", offset)
    return text[:offset + 1] + insert + text[offset + 1:]


def ending_at(text: str, length: int) -> str:
    """The start of text cut at a space and padded with spaces to length."""
    head = text[:length]
    return head[:head.rindex(" ")].ljust(length)


def sample_texts() -> list[str]:
    corpus = [path.read_text(encoding="utf-8") for path in CORPUS]
    whole = "\n\n".join(corpus)
    filler = " ".join(whole.split())
    huge = ending_at((filler + " ") * (2 + CHARLIMIT // len(filler)), CHARLIMIT + 12_000)  # past the tokenizer's cut
    # Whoosh's fragmenter reads up to the first token past CHARLIMIT; its phrase matching
    # reads on: here to a "border" far past it, with one token in between.
    sparse_end = ending_at(huge, CHARLIMIT - 12) + "migrants xyzw" + "-" * 5000 + " border and more"
    return [
        "",
        "fox",
        "The quick brown fox jumps over the lazy dog.",
        "Fox, fox; FOX! fox? fox... fox-fox fox_fox foxes.",
        "López, Lopez, LÓPEZ and lopez-obrador; naïve café, Straße.",
        "<b>fox</b> & <i>dog</i> &amp; a<b c>d \"quoted\" 'single' fox&dog <fox>",
        "U.S. border, the U.S.A. and U.S.-Mexico border; e.g. 3.14 fox.dog fox. dog",
        "The border of Mexico, the Mexican border, the border with Mexico, borders of mexico.",
        "special forces special forces special special forces forces special of the forces",
        "A " + "x" * 70 + " fox " + "y" * 65 + " dog fox " + "z" * 200 + " the end",
        "word " * 400 + "fox dog " + "word " * 400,
        ("the fox and the dog " * 3 + "nothing to see here at all " * 12) * 10,
        whole,
        *corpus,
        at(huge, CHARLIMIT - 40, "special forces troops and migrants at the US border"),
        at(huge, CHARLIMIT - 12, "special forces troops and migrants at the US border"),
        at(huge, CHARLIMIT - 3, "special forces of Mexico"),
        sparse_end,
        # A fragment that passes maxchars (60) on the very token that ends its countdown.
        "fox " * 15 + "abcdefghijklmnopq and fox the end",
    ]


def sample_queries() -> list[tuple[frozenset[str], list, int]]:
    def query(words="", phrases=(), length=200):
        return frozenset(terms(words)), [(terms(phrase), slop) for phrase, slop in phrases], length

    return [
        query("migrants"),
        query("fox", length=50),
        query("fox dog the", length=60),
        query("lopez mexico forces", length=300),
        query("border", length=1000),
        query("absentword"),
        query(phrases=[("special forces", 0)]),
        query("mexico", [("special forces", 2)], length=500),
        query(phrases=[("the border", 0), ("us troops", 2), ("border mexico", 2)], length=100),
        query("fox", [("fox dog", 0)], length=120),
        query(phrases=[("special forces of", 2), ("migrants border", 20)], length=200),
        query(phrases=[("migrants border", 20)], length=200),
    ]


@pytest.mark.parametrize("words, phrases, length", sample_queries())
def test_same_snippets_as_whoosh_highlighter(words, phrases, length):
    ours, theirs = Snippets(words, phrases, length), whoosh(words, phrases, length)
    for text in sample_texts():
        expected = theirs.snippet(text)
        assert ours.snippet(text) == expected, text[:80]
        assert ours.snippet(text, spans_of(text)) == expected, text[:80]
        assert ours.title(text) == theirs.title(text), text[:80]


VOCABULARY = ["migrants", "migrant", "border", "the", "US", "U.S.", "López", "lopez", "fox", "dog", "a", "of",
              "running", "run", "policy", "x" * 70, "supercalifragilisticexpialidocious", "é", "naïve", "1999",
              "data_set", "a.b.c", "&", "<b>", "<script>"]
GAPS = [" ", " ", " ", ", ", ". ", "  ", "\n", " & ", "<", ">", "", ".", " — "]


def random_text(rng: random.Random, words: int) -> str:
    out = []
    for _ in range(words):
        out.append(rng.choice(VOCABULARY) if rng.random() < 0.7
                   else "".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, 12))))
        out.append(rng.choice(GAPS))
    return "".join(out)


def random_query(rng: random.Random) -> tuple[frozenset[str], list, int]:
    words = frozenset(t for w in rng.sample(VOCABULARY[:15], rng.randint(0, 3)) for t in terms(w))
    phrases = []
    for _ in range(rng.choice([0, 0, 1, 2])):
        phrase = terms(" ".join(rng.choice(VOCABULARY[:14]) for _ in range(rng.randint(2, 3))))
        if len(phrase) > 1:
            phrases.append((phrase, rng.choice([0, 0, 1, 2, 5])))
    return words, phrases, rng.choice([50, 100, 200, 300, 500, 1000])


def test_same_snippets_as_whoosh_highlighter_on_random_texts():
    rng = random.Random(20240601)
    for case in range(400):
        words, phrases, length = random_query(rng)
        text = random_text(rng, rng.choice([0, 1, 3, 10, 40, 150, 600]))
        ours, theirs = Snippets(words, phrases, length), whoosh(words, phrases, length)
        expected = theirs.snippet(text)
        assert ours.snippet(text) == expected, (case, words, phrases, length, text)
        assert ours.snippet(text, spans_of(text)) == expected, (case, words, phrases, length, text)
        assert ours.title(text) == theirs.title(text), (case, words, phrases, length, text)
