"""The text-scrape cleaner: on the sample corpus, and on small pages written to show one rule each."""
from __future__ import annotations

import re

import pytest

from search_service.cleaning import clean_page
from search_service.cleaning.text import extract_text, rejoin_broken_paragraphs, split_blocks
from search_service.ingest import ingest
from search_service.models import RawPage, SearchRequest
from search_service.search import SearchIndex
from search_service.sources import iter_corpus


@pytest.fixture(scope="module")
def seed_docs(corpus_dir):
    """The five sample pages, each cleaned alone, keyed by the first three characters of their name."""
    pages = [p for p in iter_corpus(corpus_dir) if isinstance(p, RawPage)]
    return {p.source[:3]: (p, clean_page(p)) for p in pages}


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


# --------------------------------------------------------------- the sample corpus

BOILERPLATE_ONLY_WORDS = {
    "000": ["contact"],  # "To contact the … visit:" footer and its link
    "001": ["contact"],
    "002": ["instagram", "youtube", "militant", "tatarova", "cozzarelli", "alaniz", "columbia"],
    "003": ["mailing", "modified", "zulu", "cleared"],
    "004": ["diplomatique", "pendants"],
}


@pytest.mark.parametrize("page", sorted(BOILERPLATE_ONLY_WORDS))
def test_boilerplate_words_are_gone(seed_docs, page):
    _, doc = seed_docs[page]
    assert not words(doc.text) & set(BOILERPLATE_ONLY_WORDS[page])


@pytest.mark.parametrize("page", ["000", "001", "002", "003", "004"])
def test_every_article_paragraph_is_kept(seed_docs, page):
    raw, doc = seed_docs[page]
    # Every long sentence-shaped paragraph of the article body is in the clean text,
    # except the teasers of the related-articles list, which follow the page's last share bar.
    body = raw.text.split("Facebook Twitter Share")[1] if page == "002" else raw.text
    body = body.split("\nLeft Voice\n")[0]
    clean = " ".join(doc.text.split())
    checked = 0
    for block in re.split(r"\n\s*\n", body):
        block = " ".join(block.replace("*", "").split())
        if len(block.split()) >= 30 and block.endswith((".", "”", '"', ")")):
            assert block in clean
            checked += 1
    assert checked >= 5


def test_no_share_bars_or_footers_remain(seed_docs):
    for _, doc in seed_docs.values():
        for paragraph in doc.text.split("\n\n"):
            assert not re.fullmatch(r"(?i)(facebook|twitter|instagram|youtube|share|\s)+", paragraph)
            assert "Comments are closed" not in paragraph
            assert "Join the mailing list" not in paragraph
            assert "Page last modified" not in paragraph


def test_titles_are_headlines(seed_docs):
    titles = {k: doc.title for k, (_, doc) in seed_docs.items()}
    assert titles["000"] == "President AMLO invites US special forces to train troops in Mexico"
    assert titles["001"] == "AMLO accuses US of meddling in Mexico"
    assert titles["002"].startswith("The Re-Colonization of Mexico")
    assert titles["003"] == "Mexico - Relations with the United States"
    assert titles["004"] == "Mexico-US: Time to reset relations"


def test_bylines_become_author_and_date(seed_docs):
    assert (seed_docs["000"][1].author, seed_docs["000"][1].published) == ("Andrea Lobo", "2023-12-01")
    assert (seed_docs["001"][1].author, seed_docs["001"][1].published) == ("Andrea Lobo", "2023-05-08")
    for page in ("002", "003", "004"):
        assert seed_docs[page][1].author is None
    # The byline is metadata now, not body text.
    assert not seed_docs["000"][1].text.startswith("Andrea Lobo")
    assert "1 December 2023" not in seed_docs["000"][1].text


def test_page_breaks_are_rejoined_in_the_samples(seed_docs):
    text = seed_docs["001"][1].text
    assert "promising to let them reach the US border unimpeded" in text
    assert "refusing to recognize Biden’s clear electoral victory" in text
    text = seed_docs["000"][1].text
    assert "on Mexican soil like the yearly exercise" in text
    assert "Congress members calling to deploy" in text
    # …and each rejoined sentence sits inside one paragraph.
    assert any("reach the US border unimpeded" in p and p.startswith("On Thursday")
               for p in seed_docs["001"][1].text.split("\n\n"))


def test_subheadings_inside_the_article_stay(seed_docs):
    assert "Welcome mat for US security" in seed_docs["004"][1].text.split("\n\n")
    assert "The Need to Fight" in seed_docs["002"][1].text.split("\n\n")


# --------------------------------------------------------------- general rules, on unseen pages

ARTICLE = """Why the river flooded again

By Maria Gonzalez | March 3, 2024

Share on Facebook Twitter Email

The river rose four metres overnight, the third flood this decade, and the town council met in emergency session to decide what to do about the levee.

Engineers had warned in 2019 that the levee could not hold a flood of this size, but the repairs they proposed were never funded by the regional government in

the capital, which argued that the risk was overstated.

What comes next

Residents now want a relocation plan, and the council has promised one by the end of the year, with money set aside for the families who lost their homes.

Photo: John Smith / Reuters

Related articles

Heatwave breaks records across the south

Temperatures passed forty degrees in six cities on Tuesday, and hospitals reported a rise in admissions among older people living alone.

Jane Doe

July 1, 2024

Subscribe to our newsletter

© 2024 Example Media. All rights reserved.
"""


def test_unseen_page_keeps_article_and_metadata():
    found = extract_text(ARTICLE)
    assert found.title == "Why the river flooded again"
    assert found.author == "Maria Gonzalez"
    assert found.published == "2024-03-03"
    assert found.paragraphs[0].startswith("The river rose four metres")
    assert "What comes next" in found.paragraphs
    assert found.paragraphs[-1].startswith("Residents now want a relocation plan")


def test_unseen_page_drops_chrome_and_teasers():
    text = extract_text(ARTICLE).text
    for chrome in ("Share on", "Photo:", "Related articles", "Heatwave", "Temperatures passed",
                   "Jane Doe", "newsletter", "All rights reserved"):
        assert chrome not in text


POST = """# A short history of the bicycle lane

Cities began painting bicycle lanes in the 1970s, when the oil crisis made cycling look like a cheap way to move people around crowded centres without building new roads.

The first lanes were narrow strips beside parked cars, and riders soon learned that opening doors were the greatest danger they faced on their daily commute to work.

Protected lanes, separated from traffic by kerbs or posts, spread in the 2000s after studies from Copenhagen and Amsterdam showed that they drew riders of every age.

Today planners argue less about whether to build lanes than about where they should go, and how to keep them connected across the junctions where most crashes happen.

## 3 Comments

Posted by: riverside_rider | May 2, 2024 06:24 PM

Great piece, but it leaves out the role of cargo bikes in all this, which changed my street completely.

2 days ago at 07:52 am

Rating: 12 Votes

I still would not let my kids ride on the lanes near the station, whatever the planners say about them.

Posted by: Alex on May 3, 2024 at 9:10 AM

Reply
"""


@pytest.mark.parametrize("heading", ["## 3 Comments", "Have your say", "## Top Rated Comments", "Add new comment",
                                     "Leave a Reply", "Reader comments (12)", "Join the discussion"])
def test_a_comment_section_is_not_the_article(heading):
    found = extract_text(POST.replace("## 3 Comments", heading))
    text = found.text
    assert text.startswith("Cities began painting bicycle lanes")
    assert found.paragraphs[-1].startswith("Today planners argue less")
    for comment in (heading.strip("# "), "cargo bikes", "riverside_rider", "my kids", "Rating", "days ago", "Reply"):
        assert comment not in text


def test_the_comments_under_a_short_post_are_not_the_post():
    post = ("# Open thread\n\nOur goal with these open threads is to let readers raise questions in public, "
            "and we answer as many of them as we can each quarter, here on the blog. Questions about our "
            "research, our grants and the charities we recommend are all welcome, as are criticisms of "
            "how we work and suggestions for what we should look at next.\n\n"
            "You can read the last open thread here.\n\n## Comments\n\n")
    comments = "".join(
        f"* Reader {n} on September {n}, 2018 at 4:4{n} pm said:\n\n"
        f"Thank you for the thread. My question {n} is long enough to read as a paragraph of its own, "
        "about how the charity's recommendation will change after the new paper and the review.\n\n"
        for n in range(1, 10))  # longer than the post, all together
    found = extract_text(post + comments)
    assert found.paragraphs[0].startswith("Our goal with these open threads")
    assert found.paragraphs[-1] == "You can read the last open thread here."


def test_a_comments_link_near_the_top_does_not_end_the_article():
    page = POST.replace("# A short history of the bicycle lane\n", "# A short history of the bicycle lane\n\n12 comments\n")
    assert extract_text(page).paragraphs[0].startswith("Cities began painting bicycle lanes")
    assert extract_text(page).paragraphs[-1].startswith("Today planners argue less")


TEASERS = "".join(
    f"### [Another story {n}](https://example.org/story-{n})\n\n"
    f"A teaser of story {n} that runs for a few lines and ends as a sentence, the way a site sums up its "
    "other articles under the one a reader came for, each one long enough to read as a paragraph.\n\n"
    for n in range(1, 8))  # longer than the post, all together


@pytest.mark.parametrize("heading", ["## You may also like", "More articles in Transport", "Related Stories",
                                     "Don't miss . . .", "Você também pode gostar...",
                                     "Das könnte Sie auch interessieren", "Leggi anche"])
def test_teasers_of_other_pages_after_the_article_are_not_the_article(heading):
    found = extract_text(POST.split("## 3 Comments")[0] + heading + "\n\n" + TEASERS)
    assert found.paragraphs[0].startswith("Cities began painting bicycle lanes")
    assert found.paragraphs[-1].startswith("Today planners argue less")


def test_teasers_under_a_related_heading_in_plain_text_are_not_the_article():
    """No links in a plain-text scrape: the heading alone, once most of the prose is behind it."""
    article = POST.split("## 3 Comments")[0].replace("# ", "")
    teasers = "".join(f"Other story {n} in the news\n\nA summary of story {n}, long enough to read as a paragraph: what "
                      "happened, where and to whom, and what the people who were there said about it after.\n\n"
                      for n in range(1, 3))
    found = extract_text(article + "Latest Transport News\n\n" + teasers, None, "page.txt")
    assert found.paragraphs[-1].startswith("Today planners argue less")


def test_a_related_heading_before_the_article_does_not_end_it():
    """Not even when the sentences before it are most of the page's: the article's paragraphs
    lost their full stops in this scrape."""
    article = "\n\n".join(p.rstrip(".") for p in POST.split("## 3 Comments")[0].split("\n\n")[1:])
    page = ("A short history of the bicycle lane\n\nSign in to read the news from all over the world, every day."
            "\n\nOther Overseas News\n\n" + article)
    assert extract_text(page, None, "page.txt").paragraphs[-1].startswith("Today planners argue less")


def test_a_line_that_is_mostly_a_link_is_not_the_article_and_ends_nothing():
    """A teaser's linked title between paragraphs (one link of many words, so not a link
    list by its count of links) is dropped, and the article goes on after it."""
    first, rest = POST.split("## 3 Comments")[0].split("\n\nProtected lanes")
    teaser = "[Paris doubles the length of its protected bicycle lanes in a year](https://example.org/paris)"
    paragraphs = extract_text(first + "\n\n" + teaser + "\n\nProtected lanes" + rest).paragraphs
    assert not any("Paris" in p for p in paragraphs)
    assert paragraphs[-1].startswith("Today planners argue less")


def test_a_related_box_inside_the_article_does_not_end_it():
    first, *rest = POST.split("## 3 Comments")[0].split("\n\nProtected lanes")
    for box in ("Related Stories\n\n* [Bikes on trains](https://example.org/trains)",
                "Related: [Paris doubles its bicycle lanes](https://example.org/paris)"):
        page = first + "\n\n" + box + "\n\nProtected lanes" + rest[0]
        assert extract_text(page).paragraphs[-1].startswith("Today planners argue less")


def test_a_sentence_that_begins_like_a_related_heading_is_kept():
    page = POST.split("## 3 Comments")[0] + "More in sorrow than in anger, they said.\n\n"
    assert extract_text(page).paragraphs[-1] == "More in sorrow than in anger, they said."


def test_a_list_the_article_introduces_is_kept_even_when_it_reads_like_names():
    page = (POST.split("## 3 Comments")[0]
            + "These are the cities that were first to build protected lanes, as the study lists them:\n\n"
            + "Copenhagen (Denmark)\n\nAmsterdam (Netherlands)\n\n* Montreal (Canada)\n\n"
            + "* [Privacy](https://example.org/privacy)\n\nAll rights reserved\n")
    paragraphs = extract_text(page).paragraphs
    assert paragraphs[-4:] == ["These are the cities that were first to build protected lanes, as the study lists them:",
                               "Copenhagen (Denmark)", "Amsterdam (Netherlands)", "* Montreal (Canada)"]


def test_a_paragraph_in_a_layout_table_cell_keeps_its_sentence_end():
    page = POST.split("## 3 Comments")[0] + "A spokesman for the city declined to comment on the plans. |\n\n---\n\nADVERTISEMENT |\n"
    assert extract_text(page).paragraphs[-1] == "A spokesman for the city declined to comment on the plans."


def flattened(*rows: list[str]) -> str:
    """A layout table as some renderers write it: every row, rule and cell on one line."""
    return " ".join("| " + " | ".join(row) + " |" + (" | --- |" * (i == 0)) for i, row in enumerate(rows))


def test_a_layout_table_flattened_into_one_line_is_read_cell_by_cell():
    paragraphs = [p for p in POST.split("## 3 Comments")[0].split("\n\n")[1:] if p.strip()]
    page = flattened(
        ["", "[Home](/) - [News](/news) - [Sport](/sport) - [Weather](/weather) - [Contact](/contact)"],
        ["**A short history of the bicycle lane**", "  ".join(paragraphs)],
        ["[Privacy](/privacy) - [Terms](/terms)", "All rights reserved"],
    ) + "\n"
    found = extract_text(page)
    assert found.paragraphs == [p.strip() for p in paragraphs]


def test_an_advertisement_label_inside_a_paragraph_is_taken_out_and_the_paragraph_rejoined():
    broken = ("Protected lanes, separated from traffic by kerbs or posts, spread in the 2000s after studies"
              " --- Advertisement --- from Copenhagen and Amsterdam showed that they drew riders of every age.")
    page = flattened(["", POST.split("\n\n")[1]], ["", broken], ["", POST.split("\n\n")[4]]) + "\n"
    assert ("Protected lanes, separated from traffic by kerbs or posts, spread in the 2000s after studies from "
            "Copenhagen and Amsterdam showed that they drew riders of every age.") in extract_text(page).paragraphs


def test_an_advertisement_between_rules_inside_a_paragraph_is_taken_out_and_the_paragraph_rejoined():
    broken = ("Protected lanes, separated from traffic by kerbs or posts, spread in the 2000s after studies\n\n"
              "* * *\n\nAdvertisement\n\n* * *\n\n"
              "from Copenhagen and Amsterdam showed that they drew riders of every age.")
    page = POST.split("## 3 Comments")[0].replace(POST.split("\n\n")[3], broken)
    assert ("Protected lanes, separated from traffic by kerbs or posts, spread in the 2000s after studies from "
            "Copenhagen and Amsterdam showed that they drew riders of every age.") in extract_text(page).paragraphs


def test_a_table_written_row_by_row_that_a_paragraph_introduces_is_kept_row_by_row():
    rows = [f"{i} | Driver Name {i} | {5000 - i}" for i in range(1, 12)]
    table = "Pos. | Driver | Points\n---|---|---\n" + "\n".join(rows)
    text = ("# Standings\n\n" + POST.split("\n\n")[1] + "\n\nThe final standings of the season after thirty-six "
            "races are these:\n\n" + table + "\n")
    assert extract_text(text).paragraphs[-12:] == ["Pos. | Driver | Points"] + rows


def test_a_paragraph_broken_into_thousands_of_pieces_is_one_paragraph_again():
    pieces = ["Protected lanes spread in the cities after studies of the"] + ["lanes and of the riders and"] * 5000
    paragraphs = extract_text("\n\n".join(pieces) + " every age.\n").paragraphs
    assert paragraphs == [" ".join(pieces) + " every age."]


def test_page_break_with_capitalised_continuation_is_rejoined():
    text = extract_text(ARTICLE).text
    assert "funded by the regional government in the capital, which argued" in text


def test_headings_are_not_glued_to_the_next_paragraph():
    blocks = rejoin_broken_paragraphs(split_blocks("Short heading here\n\nThe next paragraph starts here and goes on for a while."))
    assert [b.text for b in blocks] == ["Short heading here", "The next paragraph starts here and goes on for a while."]


def test_markdown_is_read_as_text():
    found = extract_text("# A headline\n\nSome **bold** text with a [link](https://example.org/x) in a sentence that is long enough to count.\n")
    assert found.title == "A headline"
    assert found.paragraphs == ["Some bold text with a link in a sentence that is long enough to count."]


def test_a_link_whose_target_holds_spaces_is_read_as_its_text():
    # Renderers leave spaces in targets unescaped ("…?t=Title of the story&u=…").
    blocks = split_blocks("* [Digg it](http://digg.com/submit?t=Sunrise scoops Nine | The Daily&u=http://x.example/a(1))\n")
    assert [(b.text, b.links) for b in blocks] == [("* Digg it", 1)]


def test_script_text_left_in_a_scrape_is_dropped_without_ending_the_article():
    code = "var config = {}; config.site = 'news'; if (a == b) { load(config); } window.ads = [];"
    paragraphs = [" ".join(["Paragraph", str(i), "of", "the", "article", "says", "something", "new", "today."] * 3)
                  for i in range(4)]
    found = extract_text("\n\n".join(["# The headline"] + paragraphs[:2] + [code] + paragraphs[2:]) + "\n")
    assert found.title == "The headline"
    assert found.paragraphs == paragraphs


def test_a_run_of_capitalised_link_titles_does_not_join_the_article():
    article = ("The council voted on Tuesday to close the old bridge to cars, after engineers found "
               "cracks in two of its supports during a routine inspection last month.")
    services = ("More Services: Accounting Advertising Air Charter Annuities Answering Service Auto Loans "
                "Business Cards Business Insurance Car Rental Cell Phones Credit Cards Data Recovery "
                "Debt Consolidation Dental Plans Domain Names Email Marketing Equipment Leasing")
    teasers = "\n\n".join(f"* Teaser headline number {i}" for i in range(8))
    found = extract_text(f"# Bridge closed\n\n{article}\n\nLatest News\n\n{teasers}\n\n{services}\n")
    assert found.paragraphs == [article]


def test_a_table_of_names_and_numbers_is_not_a_list_of_links():
    table = " | ".join(["Pos. | Driver | Points"] + [f"{i} | Driver Name {i} | {5000 - i}" for i in range(1, 12)])
    text = "# Standings\n\nThe final standings of the season after thirty-six races are below.\n\n" + table + "\n"
    assert table in extract_text(text).paragraphs


def test_scraper_header_gives_url_title_and_site():
    found = extract_text("URL: https://www.example.org/news/1\nTitle: Given title\n\nGiven title\n\n"
                         "A paragraph with enough words in it to be content, ending as sentences do.\n")
    assert found.title == "Given title"
    assert found.site == "example.org"
    assert found.paragraphs == ["A paragraph with enough words in it to be content, ending as sentences do."]


def test_lines_repeated_across_a_site_are_dropped(tmp_path):
    footer = "Support independent journalism in our region today"
    topics = ["the harbour dredging contract", "a school lunch programme", "the new tram line"]
    for n, topic in enumerate(topics):
        (tmp_path / f"p{n}.txt").write_text(
            f"About {topic}\n\nThis story covers {topic} in a long first paragraph, with enough words to count.\n\n"
            f"{footer}\n\nOfficials said {topic} would be reviewed again next spring by an outside panel.\n"
        )
    summary = ingest(tmp_path, tmp_path / "index")
    assert summary.documents == 3
    index = SearchIndex(tmp_path / "index")
    assert index.search(SearchRequest("independent journalism")).total == 0
    assert index.search(SearchRequest("outside panel")).total == 3


def test_empty_and_junk_text_never_raise():
    for text in ["", "\n\n\n", "!!!", "a", "Share", "1\n\n2\n\n3", "x" * 10000]:
        found = extract_text(text)
        assert isinstance(found.paragraphs, list)


@pytest.mark.parametrize("line", ["[" * 200_000, "![" * 100_000, "a-" * 100_000 + "/", "a." * 100_000 + "/",
                                  "www." * 50_000 + "/"])
def test_a_long_run_of_link_characters_is_read_in_one_pass(line):
    # Each was read by a regex that tried a match at every character and scanned the rest of
    # the run from each: minutes per page at these lengths, an ingest stuck on one page.
    found = extract_text(f"# Title\n\n{line}\n\nA sentence of the page that is long enough to be its text.\n")
    assert found.title == "Title"
    assert "A sentence of the page that is long enough to be its text." in found.text


CHROME_SAMPLES = [
    "Subscribe", "Sign up for our newsletter", "Share this article", "Read more about the vote",
    "Click here to download now!", "For more", "Copyright 2024 The Paper", "(c) 2019 Someone",
    "We use cookies to improve your visit", "Tags: trade, grain", "Photo: AFP", "Contact us.",
    "Previous article", "Posted in Politics", "Related stories", "3 comments", "Accept all cookies",
    "The council will subscribe now to the plan, officials said.", "A normal sentence about grain.",
    "", "   ", "page last updated 2 May", "Buy now …", "Join the mailing list",
]


def test_joined_chrome_regexes_agree_with_each_pattern():
    from search_service.cleaning import rules
    from search_service.cleaning.lines import CHROME_LINE_REGEXES

    for line in CHROME_SAMPLES + [s.upper() for s in CHROME_SAMPLES] + [s + " x" for s in CHROME_SAMPLES]:
        each = any(p.search(line) for p in rules.CHROME_LINE_PATTERNS)
        assert any(p.search(line) for p in CHROME_LINE_REGEXES) == each, line


def test_a_line_without_the_url_cue_has_no_url_or_handle():
    """URL_OR_HANDLE is only tried on lines its cue finds something in: the cue must find
    something wherever the pattern would (case-folded letters such as the long s included)."""
    import random

    from search_service.cleaning import rules

    pieces = ["http", "HTTPS", "://", "www", ".", "com", "CO", "uk", "ſ", "eſ", "K", "@", "#", "/", "-", "_",
              "news", "a", "ab", " ", "x.y", "org", "info", "mx", "ı", "İ", "\n"]
    rng = random.Random(11)
    found = 0
    for _ in range(20_000):
        line = "".join(rng.choices(pieces, k=rng.randint(1, 12)))
        if rules.URL_OR_HANDLE.search(line):
            found += 1
            assert rules.URL_OR_HANDLE_CUE.search(line), line
    assert found > 1_000
    assert split_blocks("A story with no address at all.")[0].links == 0
    assert split_blocks("Read it at Example.COM/story or mail @editor, #tag.")[0].links == 3


def test_the_chrome_patterns_tried_anywhere_only_match_lines_with_a_cue():
    """is_chrome_line tries the patterns not anchored at the start only on lines that hold
    one of CHROME_LINE_CUES: each of their matches must hold one."""
    import random

    from search_service.cleaning import rules
    from search_service.cleaning.lines import is_chrome_line, split_by_anchoring

    _, anywhere = split_by_anchoring(rules.CHROME_LINE_PATTERNS)
    assert anywhere  # else the cues guard nothing
    pieces = ["Buy", "NOW", "now", "join", "subscribe", "sign up", "register", "apply", "download", "for",
              "FOR MORE", "more", " ", "!", "…", ".", "x", "ſ", "K", "İ", "\n"]
    rng = random.Random(3)
    matched = 0
    for _ in range(20_000):
        line = "".join(rng.choices(pieces, k=rng.randint(1, 8)))
        if any(p.search(line) for p in anywhere):
            matched += 1
            assert any(cue in line.lower() for cue in rules.CHROME_LINE_CUES), line
    assert matched > 100
    for line in CHROME_SAMPLES + [s.upper() for s in CHROME_SAMPLES]:
        if any(p.search(line) for p in rules.CHROME_LINE_PATTERNS):
            assert is_chrome_line(line), line
