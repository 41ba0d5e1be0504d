"""The HTML cleaner: main text without chrome, metadata, and robustness on small hand-written pages."""
from __future__ import annotations

from search_service.cleaning import extract_main_text
from search_service.cleaning.extracted import normalize_block
from search_service.cleaning.html import extract_html

PARAS = [
    "The city council voted on Tuesday to expand the night bus network, adding four routes that will run until three in the morning.",
    "Supporters said the change would help shift workers, who have long complained that the last buses leave before their jobs end.",
    "Opponents questioned the cost, estimated at two million a year, and asked whether ridership would justify the extra service.",
    "The first of the new routes is expected to open in the spring, with the rest following over the summer, officials said.",
]


def page(body: str, head: str = "", attrs: str = 'lang="en"') -> str:
    """A whole document around a body."""
    return f"<!DOCTYPE html><html {attrs}><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def article(extra_inside: str = "", extra_outside: str = "") -> str:
    """A page with the four paragraphs in an <article>, plus chrome inside and around it."""
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    return page(
        "<header class='site-header'><a href='/'>Daily Example</a></header>"
        "<nav><ul><li><a href='/news'>News</a></li><li><a href='/sport'>Sport</a></li></ul></nav>"
        f"<main><article><h1>Night buses expand</h1>{paras}{extra_inside}</article></main>"
        f"{extra_outside}<footer><p>Contact us. About us. Privacy policy of this fine website.</p></footer>"
    )


def test_article_paragraphs_kept_in_order():
    result = extract_html(article())
    texts = [t for t in result.paragraphs if t in PARAS]
    assert texts == PARAS


def test_chrome_blocks_removed():
    inside = (
        "<div class='share-bar'><a href='#'>Share on Facebook</a> <a href='#'>Tweet this story now</a></div>"
        "<div class='newsletter-signup'><p>Get our free daily newsletter with all the news you need every morning.</p></div>"
        "<div class='cookie-notice'><p>We use cookies to improve your experience on this website, please accept them.</p></div>"
    )
    outside = (
        "<section class='related-articles'><h2>Related</h2><ul>"
        "<li><a href='/a'>Council approves budget for the next fiscal year</a></li>"
        "<li><a href='/b'>Bus drivers vote on new contract offer this week</a></li></ul></section>"
        "<div id='comments'><div class='comment'><p>I think this is a great idea, finally something for us night owls in town.</p></div></div>"
        "<aside><p>Most read stories of the week collected here for your convenience.</p></aside>"
    )
    text = extract_html(article(inside, outside)).text
    for paragraph in PARAS:
        assert paragraph in text
    for chrome in ("Facebook", "newsletter", "cookies", "budget", "contract", "night owls", "Most read",
                   "News", "Sport", "Privacy", "Daily Example"):
        assert chrome not in text, chrome


def test_paragraphs_do_not_start_with_title():
    result = extract_html(article())
    assert result.title == "Night buses expand"
    assert result.paragraphs[0] != "Night buses expand"


def test_title_from_og_title():
    head = "<meta property='og:title' content='Night buses expand'><title>Night buses expand | Daily Example</title>"
    assert extract_html(page("<p>x</p>", head)).title == "Night buses expand"


def test_title_from_title_tag_without_site_suffix():
    head = "<title>Night buses expand across the city - Daily Example</title>"
    result = extract_html(page("<p>Some text.</p>", head), url="https://www.dailyexample.com/a/1")
    assert result.title == "Night buses expand across the city"
    head = "<title>Daily Example | Night buses expand across the city</title><meta property='og:site_name' content='Daily Example'>"
    assert extract_html(page("<p>Some text.</p>", head)).title == "Night buses expand across the city"


def test_title_never_just_the_site_name():
    head = "<title>Daily Example</title><meta property='og:site_name' content='Daily Example'>"
    result = extract_html(page("<h1>Night buses expand</h1><p>Some text.</p>", head))
    assert result.title == "Night buses expand"


def test_author_and_date_from_meta():
    head = ("<meta name='author' content='Jane Doe'>"
            "<meta property='article:published_time' content='2023-05-04T10:00:00Z'>")
    result = extract_html(page("<p>x</p>", head))
    assert (result.author, result.published) == ("Jane Doe", "2023-05-04")


def test_article_author_url_is_ignored():
    head = ("<meta property='article:author' content='https://example.org/people/jane'>"
            "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"author\": {\"name\": \"Jane Doe\"}}</script>")
    assert extract_html(page("<p>x</p>", head)).author == "Jane Doe"


def test_json_ld_graph():
    ld = ('{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Daily Example"},'
          '{"@type": "NewsArticle", "headline": "Night buses expand", "datePublished": "2022-11-30T08:00:00+01:00",'
          '"author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}]}]}')
    result = extract_html(page("<p>x</p>", f"<script type='application/ld+json'>{ld}</script>"))
    assert result.title == "Night buses expand"
    assert result.published == "2022-11-30"
    assert result.author == "Jane Doe, John Roe"


def test_json_ld_list_and_malformed():
    bad = "<script type='application/ld+json'>{\"headline\": broken</script>"
    good = ('<script type="application/ld+json">[{"@type": "BreadcrumbList"},'
            '{"@type": "BlogPosting", "datePublished": "2021-02-03", "author": "Jane Doe"}]</script>')
    result = extract_html(page("<p>x</p>", bad + good))
    assert (result.author, result.published) == ("Jane Doe", "2021-02-03")


def test_time_datetime_and_byline():
    body = (f"<article><div class='byline'>By Jane Doe</div><time datetime='2020-07-08T12:00'>July 8</time>"
            f"<p>{PARAS[0]}</p><p>{PARAS[1]}</p></article>")
    result = extract_html(page(body))
    assert result.author == "Jane Doe"
    assert result.published == "2020-07-08"


def test_site_and_lang():
    head = "<meta property='og:site_name' content='Daily Example'>"
    assert extract_html(page("<p>x</p>", head), url="https://www.example.com/x").site == "Daily Example"
    result = extract_html(page("<p>x</p>"), url="https://www.example.com/x")
    assert result.site == "example.com"
    assert result.lang == "en"
    assert extract_html(page("<p>x</p>")).site is None


def test_normalize_block():
    assert normalize_block("  Hello\n\t World  ") == "hello world"


def test_br_lines_kept():
    body = "<div class='content'>" + "<br><br>".join(PARAS) + "<br>Line one<br>Line two</div>"
    paragraphs = extract_html(page(body)).paragraphs
    assert paragraphs[:3] == PARAS[:3]
    assert paragraphs[-1].endswith("Line one\nLine two")


def test_garbage_never_raises():
    junk = [
        "", "   ", "just some plain text without any tags at all",
        "\x00\x01\x02\xff\xfe binary \x89PNG\r\n\x1a\n", "<<<>>><</>",
        "<div>" * 5000 + "deep" + "</div>" * 5000,
        "<?xml version='1.0' encoding='ISO-8859-1'?><html><body><p>declared</p></body></html>",
        "<html><head><title>never closed<body><p>text</p></body></html>",
        "<script type='application/ld+json'>[[[[</script>",
    ]
    for markup in junk:
        result = extract_html(markup, url="not a url")
        assert isinstance(result.paragraphs, list)
    assert "declared" in extract_html(junk[6]).text
    assert "plain text" in extract_html(junk[2]).text
    assert "deep" in extract_html(junk[5]).text


def test_content_after_closing_html_is_kept():
    markup = "<html><body><p>First part of the page.</p></body></html><p>" + PARAS[0] + "</p>"
    assert PARAS[0] in extract_html(markup).text


def test_extract_main_text_decodes_windows_1252():
    markup = page("<article>" + "".join(f"<p>{p}</p>" for p in PARAS) + "<p>Caf\u00e9 owners said \u201cyes\u201d to longer hours.</p></article>")
    markup = markup.replace("<meta charset='utf-8'>", "<meta charset='windows-1252'>")
    text = extract_main_text(markup.encode("windows-1252"), "https://example.com/a")
    assert "Caf\u00e9 owners said \u201cyes\u201d" in text
