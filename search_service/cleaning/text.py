"""Plain-text and Markdown scrapes → Extracted.

A scrape is split into blocks at blank lines; blocks a page break cut in two are rejoined;
the headline, byline and date near the top become metadata; each block is then scored as
content or chrome, and the densest run of content (a maximum-sum span, as in Finn's Body
Text Extraction) is kept, minus the chrome blocks inside it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import rules
from .dates import is_date_line, parse_date
from .extracted import Extracted, normalize_block
from .lines import WORD, any_of, is_chrome_line, is_photo_credit, strip_byline_prefix

# A host written as a link: with a scheme, a "www." or a path after it. Tried only where a
# run of host characters starts (else each start inside "a.a.a…/" scanned the whole run).
_LINKED_HOST = re.compile(
    r"(?i)(?:https?://(?:www\.)?|(?<![a-z0-9.-])www\.)([a-z0-9-]+(?:\.[a-z0-9-]+)+)"
    r"|(?<![a-z0-9.-])([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})/"
)
_COMMENT_MARKER = any_of(rules.COMMENT_MARKER_PATTERNS)
_SENTENCE_ENDED = re.compile(r"\w[.!?][\"'”’)]?$")
# A table's rule row inside a line ("| --- | --- |"), and one cell of it.
_TABLE_RULE = re.compile(r"\|\s*:?-{3,}:?\s*\|")
_RULE_CELL = re.compile(r"^\s*:?-{3,}:?\s*$")
# Inside a flattened cell, its paragraphs and rules are left as runs of spaces and " --- ".
_CELL_BREAK = re.compile(r"\s*\s-{3,}\s\s*|\s{2,}")
_LIST_ITEM = re.compile(r"^([*+-]|\d{1,3}[.)])\s")  # a Markdown list item's mark
_PAGE_NUMBER = re.compile(r"(?i)^(page\s+)?\d{1,4}(\s+(of|/)\s+\d{1,4})?$")
# How far into a page the headline and byline may stand, in blocks.
HEADLINE_ZONE = 6
BYLINE_ZONE = 4
# A comments heading ends the article once this share of the page's text is behind it (one
# near the top is a link to the comments, not their start), or this many words when comments
# follow it (the comments themselves may well be longer than a short post): two comment
# markers (signatures, ages, buttons) among the blocks just after it.
COMMENTS_AFTER_SHARE = 0.3
COMMENTS_AFTER_WORDS = 60
COMMENT_MARKERS_AHEAD = 12
# A heading of links to other pages ends the article once this share of the page's prose
# is behind it (one nearer the top heads a box inside the article, or a menu), or this many
# words when teasers follow it: two paragraphs each under a link among the blocks just after
# it. Shares of 0.5 and 0.7 measured: 0.5 cut two articles at a box inside them, 0.7 found fewer.
RELATED_AFTER_SHARE = 0.6
RELATED_AFTER_WORDS = 60
TEASERS_AHEAD = 12
# Short pieces of chrome (an ad's label, rules around it) that may stand inside a paragraph:
# this many at most, each of at most this many words.
INTERRUPTION_BLOCKS = 3
SHORT_CHROME_WORDS = 3
# A block with this many code marks (rules.CODE_MARKS), and this many per word, is code.
CODE_MIN_MARKS = 6
CODE_MARKS_PER_WORD = 0.2
# A block without a sentence end whose words are more capitalised than this is not prose.
TITLE_CASE_SHARE = 0.5
LINKED_SHARE = 0.7  # a block with more of its words inside links is a link's title (a teaser)
TABLE_MIN_BARS = 6  # Markdown cell bars that make a block a table
LIST_ITEM_WORDS = 12  # a line of a list a paragraph introduces, without a list mark


@dataclass
class Block:
    """One blank-line-separated unit of a text scrape, with the traits the scorer reads."""

    text: str
    heading: bool = False  # written as a Markdown heading
    links: int = 0  # Markdown links and bare URLs/handles it held
    linked_words: int = 0  # words inside its links' anchors
    # Read again and again by the scorer, so worked out once; a block's text never changes.
    words: list[str] = field(init=False, repr=False, compare=False)
    ends_sentence: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.words = WORD.findall(self.text)
        self.ends_sentence = bool(rules.SENTENCE_END.search(self.text))


def extract_text(text: str, url: str | None = None, source: str | None = None) -> Extracted:
    """Main-text paragraphs and metadata of one plain-text or Markdown scrape."""
    header, body = _read_header(text)
    url = url or header.get("url") or header.get("source") or header.get("link")
    blocks = rejoin_broken_paragraphs(split_blocks(body))
    found = Extracted(site=site_of(url, source, blocks))
    found.title = header.get("title", "")
    found.author = header.get("author")
    found.published = parse_date(header.get("published") or header.get("date"))
    blocks = _take_headline_and_byline(blocks, found)
    found.paragraphs = [b.text for b in main_blocks(blocks)]
    return found


# ---------------------------------------------------------------- splitting


def _read_header(text: str) -> tuple[dict[str, str], str]:
    """Scraper header lines ("URL: …", "Title: …") or YAML front matter at the very top."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fields: dict[str, str] = {}
    start = 0
    fenced = lines and lines[0].strip() == "---"
    if fenced:
        start = 1
    i = start
    while i < len(lines) and i < 20:
        line = lines[i]
        if fenced and line.strip() == "---":
            return fields, "\n".join(lines[i + 1:])
        m = rules.HEADER_FIELDS.match(line)
        if not m:
            break
        fields[m.group(1).lower()] = m.group(2).strip().strip("\"'")
        i += 1
    if fenced or not fields:
        return ({}, "\n".join(lines)) if not fenced else (fields, "\n".join(lines[i:]))
    return fields, "\n".join(lines[i:])


def split_blocks(text: str) -> list[Block]:
    """Blank-line blocks; a block of short unwrapped lines becomes one block per line."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in chunk.split("\n") if ln.strip()]
        if not lines:
            continue
        cells = [cell for line in lines for cell in _cells(line)] if "|" in chunk else lines
        units = cells if len(cells) > len(lines) else [" ".join(lines)] if _hard_wrapped(lines) else lines
        for unit in units:
            block = _block_from_markdown(unit)
            if block.text and not _PAGE_NUMBER.match(block.text):
                blocks.append(block)
    return blocks


def _cells(line: str) -> list[str]:
    """The cells of a layout table that a renderer flattened into one line (its rows and
    their "| --- |" rules run together), one unit each; any other line as it is."""
    if line.count("|") < TABLE_MIN_BARS or not _TABLE_RULE.search(line):
        return [line]
    cells = [piece.strip() for cell in line.split("|") if not _RULE_CELL.match(cell)
             for piece in _CELL_BREAK.split(cell) if piece.strip()]
    return cells or [line]  # a rule row alone stays one


def _hard_wrapped(lines: list[str]) -> bool:
    """Lines of one paragraph wrapped at a fixed width, as opposed to separate lines."""
    if len(lines) < 2:
        return True
    inner = lines[:-1]
    wrapped = sum(1 for ln in inner if 40 <= len(ln) <= 100 and not rules.SENTENCE_END.search(ln))
    return wrapped / len(inner) >= 0.6


def _block_from_markdown(line: str) -> Block:
    heading = rules.MARKDOWN_HEADING.match(line)
    text = line[heading.end():] if heading else line
    links = linked = 0
    # Most lines hold no markup: a link needs a "[", emphasis a "*" or "_".
    if "[" in text:
        anchors: list[str] = []

        def anchor_text(match: re.Match) -> str:
            anchors.append(match.group(1))
            return match.group(1)

        text, links = rules.MARKDOWN_LINK.subn(anchor_text, text)
        linked = sum(len(WORD.findall(anchor)) for anchor in anchors)
    if rules.URL_OR_HANDLE_CUE.search(text):
        links += len(rules.URL_OR_HANDLE.findall(text))
    if "*" in text or "_" in text:
        text = rules.MARKDOWN_EMPHASIS.sub("", text)
    text = " ".join(text.split())
    if text.count("|") == 1:
        # A layout table's cell rendered on a line of its own keeps one bar at an end, and
        # its sentence then seems not to end. (Stripping the bars of lines with up to five
        # measured worse: they also mark menus and footers as cells.)
        text = text.strip("| ")
    return Block(text, heading=bool(heading), links=links, linked_words=linked)


def rejoin_broken_paragraphs(blocks: list[Block]) -> list[Block]:
    """Join a paragraph that a page break split mid-sentence back into one block."""
    # Runs of pieces, each joined once at the end: joining piece by piece copied the growing
    # text again for every piece (a page of 10,000 broken lines took seconds).
    runs: list[list[Block]] = []
    words: list[int] = []  # how many words each run has
    i = 0
    while i < len(blocks):
        # An ad's label inside a paragraph: what follows joins what came before. (The cheap
        # half of _interruption's test first: most blocks are long, or follow a sentence's end.)
        if runs and len(blocks[i].words) <= SHORT_CHROME_WORDS and not runs[-1][-1].ends_sentence:
            i += _interruption(runs[-1], words[-1], blocks[i:i + 1 + INTERRUPTION_BLOCKS])
        block = blocks[i]
        i += 1
        if runs and _continues(runs[-1], words[-1], block):
            runs[-1].append(block)
            words[-1] += len(block.words)
        else:
            runs.append([block])
            words.append(len(block.words))
    return [run[0] if len(run) == 1 else Block(" ".join(b.text for b in run), links=sum(b.links for b in run),
                                               linked_words=sum(b.linked_words for b in run))
            for run in runs]


def _interruption(run: list[Block], words: int, ahead: list[Block]) -> int:
    """How many blocks at the start of ahead are short pieces of chrome ("Advertisement",
    rules around it) standing mid-sentence in the run's paragraph, which goes on after them;
    0 when they are not that."""
    labelled = False  # rules alone between two paragraphs are no interruption
    for n, block in enumerate(ahead):
        if not _is_short_chrome(block):
            return n if labelled and block.text[:1].islower() and _continues(run, words, block) else 0
        labelled = labelled or bool(block.words)
    return 0


def _is_short_chrome(block: Block) -> bool:
    return not block.words or (len(block.words) <= SHORT_CHROME_WORDS and _is_chrome(block))


def _continues(run: list[Block], words: int, nxt: Block) -> bool:
    """Whether nxt goes on with the paragraph of the run of pieces (`words` words in all)."""
    last = run[-1]
    if (len(run) == 1 and last.heading) or nxt.heading or last.ends_sentence or words < 8:
        return False
    if not nxt.words or is_date_line(nxt.text) or _is_chrome(nxt):
        return False
    if nxt.text[0].islower():
        return True
    # "…reach the" / "US border…": the break fell after a word no sentence ends on.
    return last.words[-1].lower() in rules.DANGLING_WORDS and len(nxt.words) >= 4


# ---------------------------------------------------------------- metadata


def _take_headline_and_byline(blocks: list[Block], found: Extracted) -> list[Block]:
    """Fill title/author/published from the top of the page; drop the blocks used."""
    used: set[int] = set()
    title_at = None
    for i, block in enumerate(blocks[:HEADLINE_ZONE]):
        if _is_chrome(block) or _is_photo_credit(block):
            continue
        if _headline_shaped(block):
            title_at = i
            break
        if len(block.words) > 30:
            break  # body text began; no headline in this scrape
    if title_at is not None:
        if not found.title:
            found.title = blocks[title_at].text
        if normalize_block(blocks[title_at].text) == normalize_block(found.title):
            used.add(title_at)
        start = title_at + 1
    else:
        start = 0
    used |= _read_byline(blocks, start, found)
    return [b for i, b in enumerate(blocks) if i not in used]


def _headline_shaped(block: Block) -> bool:
    words = block.words
    return (
        1 <= len(words) <= 30
        and not block.text.endswith(".")
        and not is_date_line(block.text)
        and block.links == 0
    )


def _read_byline(blocks: list[Block], start: int, found: Extracted) -> set[int]:
    """Author and date lines just under the headline; returns the indexes consumed."""
    used: set[int] = set()
    zone = range(start, min(len(blocks), start + BYLINE_ZONE))
    dated = any(is_date_line(blocks[i].text) for i in zone)
    for i in zone:
        text = blocks[i].text
        if is_date_line(text):
            found.published = found.published or parse_date(text)
            used.add(i)
        elif author := _byline_author(text, beside_date=dated):
            found.author = found.author or author
            if not is_date_line(text) and (date := parse_date(text)):
                found.published = found.published or date
            used.add(i)
        elif len(blocks[i].words) > 12:
            break  # the article began
    return used


def _byline_author(text: str, beside_date: bool) -> str | None:
    """The author named by a byline line, or None when the line is not a byline."""
    candidate, prefixed = strip_byline_prefix(text)
    # "Jane Doe | 3 March 2024", "Jane Doe · Reuters"
    candidate = re.split(r"\s+[|·•—–]\s+|\s+-\s+|,\s+(?=\d)", candidate)[0].strip(" ,")
    names = [n for n in rules.AUTHOR_SEPARATORS.split(candidate) if n]
    if not names or not all(rules.PERSON_NAME.match(n) for n in names):
        return None
    if not prefixed and not beside_date:
        return None  # a bare capitalised line is only a byline when a date stands by it
    return ", ".join(names)


def site_of(url: str | None, source: str | None, blocks: list[Block]) -> str | None:
    """The site's host: from the url, a host-named corpus folder, or the page's own links."""
    if url:
        host = urlsplit(url if "//" in url else "//" + url).hostname
        if host:
            return host.removeprefix("www.")
    if source and "/" in source:
        top = source.split("/", 1)[0]
        if re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", top.lower()):
            return top.lower().removeprefix("www.")
    hosts: dict[str, int] = {}
    for block in blocks:
        if not _may_name_host(block.text):
            continue
        for m in _LINKED_HOST.finditer(block.text):
            host = (m.group(1) or m.group(2)).lower()
            if host.split(".")[0] not in rules.SOCIAL_WORDS:
                hosts[host] = hosts.get(host, 0) + 1
    return max(hosts, key=hosts.get) if hosts else None


def _may_name_host(text: str) -> bool:
    """False when _LINKED_HOST cannot match: each of its branches needs a "/" or a "www."."""
    return "/" in text or "www." in text.lower()


# ---------------------------------------------------------------- content


def main_blocks(blocks: list[Block]) -> list[Block]:
    """The article's blocks: the best-scoring contiguous span, minus chrome inside it."""
    kinds = [block_kind(b) for b in blocks]
    # Two kinds block_kind does not give: "listed" (kept, neither adds to the span nor breaks
    # it) and "rule" (a table's rule row among those: dropped, but it ends nothing).
    listed = set(_introduced_lists(blocks, kinds))
    for i in listed:
        kinds[i] = "listed" if blocks[i].words else "rule"
    end = _article_end(blocks, kinds)
    scores = [_span_score(b, k) for b, k in zip(blocks[:end], kinds[:end])]
    lo, hi = _best_span(scores)
    while lo < hi < end and hi in listed:  # a list the article's last paragraph introduces
        hi += 1
    if lo == hi:
        # No sentence-shaped text at all (a table, a list, a poem): keep its lines
        # rather than nothing, minus the chrome.
        return [b for b, k in zip(blocks[:end], kinds[:end]) if k == "short"]
    return [b for b, k in zip(blocks[lo:hi], kinds[lo:hi]) if k in ("content", "short", "listed")]



def _introduced_lists(blocks: list[Block], kinds: list[str]) -> list[int]:
    """The list items right after a paragraph that ends with a colon ("These are the players
    invited:"): the article's, even when they read like names or dates. Items are short lines
    (with a list mark or without, a table's rows too), neither chrome nor headings nor sentences."""
    out = []
    for i, block in enumerate(blocks):
        if kinds[i] != "content" or not block.text.endswith(":"):
            continue
        j = i + 1
        # A table's rule row (no words) goes on with the list; main_blocks leaves it out.
        while j < len(blocks) and (_list_item(blocks[j], kinds[j]) or not blocks[j].words):
            out.append(j)
            j += 1
    return out


def _list_item(block: Block, kind: str) -> bool:
    """A line that can be an item of a list: marked as one, or short and not a sentence."""
    if kind not in ("short", "marker") or block.heading:
        return False
    return bool(_LIST_ITEM.match(block.text)) or (len(block.words) <= LIST_ITEM_WORDS and not block.ends_sentence)


def block_kind(block: Block) -> str:
    """content, short (subheading or label), marker (name/date line), chrome, code, or linked
    (a line mostly inside one or two links: a teaser's title)."""
    words = block.words
    n = len(words)
    if n == 0 or _is_chrome(block) or _is_photo_credit(block):
        return "chrome"
    if _is_code(block):
        return "code"  # dropped like chrome, but no sign that the article has ended
    if block.links / n > 0.25:
        return "chrome"
    if block.linked_words > LINKED_SHARE * n:
        return "linked"  # dropped, and scored as a short line: unlike chrome, it ends nothing
    if is_date_line(block.text) or (n <= 4 and _looks_like_name(block.text)) or _is_comment_marker(block):
        return "marker"
    if n >= 6 and (block.ends_sentence or (n >= 25 and not _title_case_run(block))):
        return "content"
    return "short"


def _span_score(block: Block, kind: str) -> float:
    # Chrome is removed anyway, so it neither extends nor breaks the span; name and date
    # lines mark listings (teasers, comments) and break it; short lines are subheadings
    # between paragraphs, cheap to cross but costly as a span edge.
    if kind == "content":
        return float(len(block.words))
    if kind == "marker":
        return -15.0
    if kind in ("short", "linked"):
        return -3.0 - 0.2 * len(block.words)
    return 0.0  # chrome, and lists a paragraph introduces


def _article_end(blocks: list[Block], kinds: list[str]) -> int:
    """Index of the block that closes the article, or len(blocks).

    A comments heading ends it once enough of the page's prose is behind it (_comments_start),
    and so does a heading of links to other pages (_related_start). So does a share bar or
    call to action late in the page when what follows is a listing (name or date lines) or
    far less text than what came before.
    """
    # Prose (content blocks that end as sentences) is counted, not link soup that a scrape
    # left unparsed: a comments or related heading near the top is a link, not their start.
    prose = [len(b.words) if k == "content" and b.ends_sentence else 0 for b, k in zip(blocks, kinds)]
    comments = min(_comments_start(blocks, prose), _related_start(blocks, kinds, prose))
    content = [len(b.words) if k == "content" else 0 for b, k in zip(blocks, kinds)]
    total = sum(content)
    # Where the last name or date line stands: a listing follows block i when it is past i
    # (looked up once, not searched for after every piece of chrome).
    last_marker = max((i for i, k in enumerate(kinds) if k == "marker"), default=-1)
    before = 0
    for i, kind in enumerate(kinds[:comments]):
        before += content[i]
        if kind != "chrome" or before < 0.5 * total:
            continue
        after = total - before
        if last_marker > i or after < 0.25 * before:
            return i
    return comments


def _comments_start(blocks: list[Block], prose: list[int]) -> int:
    """Index of the heading that opens the comments, or len(blocks)."""
    return _closing_heading(blocks, prose, _opens_comments, COMMENTS_AFTER_SHARE, COMMENTS_AFTER_WORDS,
                            lambda i: _comments_follow(blocks, i))


def _related_start(blocks: list[Block], kinds: list[str], prose: list[int]) -> int:
    """Index of the heading that opens a list of other pages, or len(blocks)."""
    return _closing_heading(blocks, prose, _opens_related, RELATED_AFTER_SHARE, RELATED_AFTER_WORDS,
                            lambda i: _teasers_follow(blocks, kinds, i), least=RELATED_AFTER_WORDS)


def _closing_heading(blocks: list[Block], prose: list[int], opens, share: float, words: int, follows,
                     least: int = 1) -> int:
    """Index of the first block that `opens` a part after the article, or len(blocks): once
    `share` of the page's prose (words of each block, 0 for others) is behind it, or `words`
    of it when what `follows` it is that part's (which may be longer than the article);
    never before `least` words of it."""
    total = sum(prose)
    before = 0
    for i, block in enumerate(blocks):
        before += prose[i]
        if before >= least and opens(block) and (before >= share * total or (before >= words and follows(i))):
            return i
    return len(blocks)


def _teasers_follow(blocks: list[Block], kinds: list[str], i: int) -> bool:
    """Whether the blocks after i are teasers: paragraphs each under a link (its page's
    title), as a list of other pages has them; a box inside an article has a link or a
    few, and then the article's paragraphs go on one after another."""
    ahead = range(i + 1, min(len(blocks), i + 1 + TEASERS_AHEAD))
    paragraphs = [j for j in ahead if kinds[j] == "content"]
    under_links = [j for j in paragraphs if blocks[j - 1].links and kinds[j - 1] != "content"]
    return len(under_links) >= 2 and len(under_links) >= 2 * len(paragraphs) / 3


def _opens_related(block: Block) -> bool:
    # Not a sentence ("More in sorrow than anger, he said."); an ellipsis may end a heading.
    return (len(block.words) <= 10 and not _SENTENCE_ENDED.search(block.text)
            and bool(rules.RELATED_HEADING.search(block.text)))


def _best_span(scores: list[float]) -> tuple[int, int]:
    """The [lo, hi) run with the largest sum (Kadane); empty when nothing is positive."""
    best, best_lo, best_hi = 0.0, 0, 0
    run, run_lo = 0.0, 0
    for i, score in enumerate(scores):
        if run <= 0:
            run, run_lo = 0.0, i
        run += score
        if run > best:
            best, best_lo, best_hi = run, run_lo, i + 1
    return best_lo, best_hi


def _opens_comments(block: Block) -> bool:
    return len(block.words) <= 12 and bool(rules.COMMENTS_HEADING.search(block.text))


def _comments_follow(blocks: list[Block], i: int) -> bool:
    ahead = blocks[i + 1:i + 1 + COMMENT_MARKERS_AHEAD]
    return sum(1 for b in ahead if _is_comment_marker(b)) >= 2


def _is_comment_marker(block: Block) -> bool:
    return len(block.words) <= 16 and bool(_COMMENT_MARKER.search(block.text))


def _title_case_run(block: Block) -> bool:
    """A long run of capitalised words with no sentence end: a list of categories, names or
    headlines run together, not a paragraph that lost its full stop (nor a table's rows)."""
    if block.text.count("|") >= TABLE_MIN_BARS:
        return False
    capitalised = sum(1 for w in block.words if w[0].isupper())
    return capitalised > TITLE_CASE_SHARE * len(block.words)


def _is_code(block: Block) -> bool:
    """Script or style text a renderer let through: braces, semicolons and operators that
    prose seldom uses."""
    marks = sum(map(block.text.count, rules.CODE_MARKS))
    return marks >= CODE_MIN_MARKS and marks >= CODE_MARKS_PER_WORD * len(block.words)


def _is_chrome(block: Block) -> bool:
    return is_chrome_line(block.text, len(block.words))


def _is_photo_credit(block: Block) -> bool:
    return is_photo_credit(block.text, block.ends_sentence, len(block.words))


def _looks_like_name(text: str) -> bool:
    return bool(rules.PERSON_NAME.match(text.strip()))
