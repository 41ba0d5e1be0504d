"""HTML pages → Extracted: readability-style main-text extraction plus page metadata.

The page is parsed once with lxml and walked once. The walk skips chrome tags, cuts the
text into blocks (paragraphs, headings, list items, cells) and remembers, for every block,
its owning element and the boilerplate-looking elements (by class/id, hidden, header,
footer, form) around it. Scores then flow from good blocks to their ancestors, the best
container wins, and its blocks are pruned. All vocabularies live in rules.py.
"""
from __future__ import annotations

import html as html_lib
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from . import rules
from .dates import is_date_line, parse_date
from .extracted import Extracted, normalize_block
from .lines import is_chrome_line, strip_byline_prefix

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
# libxml2 refuses NULs and most C0 controls in str input.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_COMMAS = re.compile(r"[,，、،]")
_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)
_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_BR = "\x00"  # stands for <br> while a block is gathered (control characters are stripped)
_INVISIBLE_MARKUP = re.compile(r"(?is)<(script|style|head|template)\b.*?</\1\s*>|<!--.*?-->")
_TAG = re.compile(r"<[^>]*>")
_NON_ALNUM = re.compile(r"[^a-z0-9]")
# The plain etree parser: lxml.html's element classes cost a Python lookup per element.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, encoding="utf-8")


# --------------------------------------------------------------------------- entry point

def extract_html(markup: str, url: str | None = None) -> Extracted:
    """Main-text paragraphs and metadata of one HTML page; never raises."""
    try:
        root = _parse(markup)
        if root is None:
            return Extracted(site=_host(url))
        body = root.find("body")
        page = _Walker().walk(body if body is not None else root)
        result = _metadata(root, url, page)
        try:
            result.paragraphs = _main_text(page, result.title)
        except Exception:  # the last resort for pathological trees: plain text
            result.paragraphs = _plain_blocks(root)
        if not result.paragraphs:  # libxml2 cuts trees deeper than 256 levels
            result.paragraphs = _stripped_blocks(markup)
        return result
    except Exception:
        return Extracted(site=_host(url))


# --------------------------------------------------------------------------- parsing

def _parse(markup: str):
    """The document's root element, through lxml or else BeautifulSoup; None when empty."""
    if isinstance(markup, bytes):
        markup = markup.decode("utf-8", errors="replace")
    markup = _CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", markup, count=1))
    # libxml2 drops everything after </html>, where glued-on second documents and late
    # content live; browsers keep it, so the closing tags go.
    markup = _repair_title(_DOCUMENT_END.sub("", markup))
    if not markup.strip():
        return None
    try:
        # UTF-8 bytes parse faster than str, which libxml2 would re-encode itself.
        root = etree.fromstring(markup.encode("utf-8", errors="replace"), _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, TypeError):
        return _parse_with_soup(markup)
    if root is None or _looks_truncated(root, markup):
        reparsed = _parse_with_soup(markup)
        return root if reparsed is None else reparsed
    return root


def _looks_truncated(root, markup: str) -> bool:
    """True when libxml2 gave up early on broken markup and kept almost nothing."""
    if len(markup) < rules.HTML_TRUNCATED_MARKUP_CHARS:
        return False
    return next(itertools.islice(root.iter(), rules.HTML_TRUNCATED_MAX_ELEMENTS, None), None) is None


def _repair_title(markup: str) -> str:
    """Close a <title> left open, which would swallow the whole page as its text."""
    opened = _TITLE_OPEN.search(markup)
    if opened is None or _TITLE_CLOSE.search(markup, opened.end()):
        return markup
    cut = markup.find("<", opened.end())
    return markup if cut < 0 else markup[:cut] + "</title>" + markup[cut:]


def _parse_with_soup(markup: str):
    """BeautifulSoup's more forgiving parse, converted to an lxml tree; None on failure."""
    try:
        from lxml.html import soupparser

        return soupparser.fromstring(markup, features="html.parser")
    except Exception:
        return None


def _plain_blocks(root) -> list[str]:
    """The page's text as lines, when nothing better can be had."""
    try:
        text = "".join(root.itertext())
    except Exception:
        return []
    return [line for line in (_SPACES.sub(" ", part).strip() for part in text.split("\n")) if line]


def _stripped_blocks(markup: str) -> list[str]:
    """Text lines of markup with tags cut out by pattern, for markup no parser makes sense of."""
    text = html_lib.unescape(_TAG.sub("\n", _INVISIBLE_MARKUP.sub(" ", markup)))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return [line for line in lines if line]


# --------------------------------------------------------------------------- class/id words

@lru_cache(maxsize=8192)
def _tokens(attr: str) -> frozenset[str]:
    """Lowercase words of a class/id value, split on punctuation and camelCase."""
    if not attr.islower():
        attr = _CAMEL.sub(r"\1 \2", attr).lower()
    return frozenset(t for t in _TOKEN_SPLIT.split(attr) if t)


@lru_cache(maxsize=8192)
def _is_boilerplate_token(token: str) -> bool:
    """True for a class/id token of page chrome."""
    if token in rules.HTML_BOILERPLATE_TOKENS:
        return True
    if token in rules.HTML_STEM_EXCEPTIONS:
        return False
    return token.startswith(rules.HTML_BOILERPLATE_STEMS)


@lru_cache(maxsize=8192)
def _judge_attr(attr: str) -> tuple[int, bool, bool]:
    """(class weight, marks chrome, marks a byline) of one element's class + id text."""
    tokens = _tokens(attr)
    bad = {t for t in tokens if _is_boilerplate_token(t)}
    good = tokens & rules.HTML_POSITIVE_TOKENS
    weight = (rules.HTML_CLASS_WEIGHT if good else 0) - (rules.HTML_CLASS_WEIGHT if bad else 0)
    chrome = bool(bad) and (not good or bool(bad & rules.HTML_STRONG_BOILERPLATE_TOKENS))
    if bad & rules.HTML_ALWAYS_CHROME_TOKENS:
        chrome = _ALWAYS
    return weight, chrome, bool(tokens & rules.HTML_BYLINE_TOKENS)


_NEUTRAL = (0, False, False)
_NEUTRAL_ELEMENT = (0, False)
_ALWAYS = 2  # chrome skipped outright, however much text it has (hidden, comment threads)


# --------------------------------------------------------------------------- the walk

@dataclass
class _Block:
    """One run of text between block boundaries."""

    text: str
    chars: int
    link_chars: int
    owner: int  # pre-order index of the block element that holds the text
    marks: tuple[int, ...]  # chrome-looking ancestors (indexes), outermost first
    list_idx: int  # nearest enclosing list, -1 when none


@dataclass
class _Page:
    """What the walk learnt about the tree."""

    tags: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    weights: list[int] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    marked: set[int] = field(default_factory=set)
    bylines: list = field(default_factory=list)  # elements whose class/id names a byline
    props: list = field(default_factory=list)  # (itemprop, "time" or "a", element) of metadata


# Stack entries of the walk: (index or -1, opens a block, is a chrome mark, is a list, is a link).
_PLAIN = (-1, False, False, False, False)
_LINK = (-1, False, False, False, True)


class _Walker:
    """Cuts a tree into text blocks in one pass, skipping chrome tags."""

    def __init__(self) -> None:
        self.page = _Page()
        self.owners: list[int] = []
        self.marks: list[int] = []
        self.lists: list[int] = []

    def block(self, parts: list[str], chars: int, link_chars: int) -> None:
        """Keep the text gathered since the last boundary as a block."""
        text = " ".join("".join(parts).split())
        if _BR in text:
            text = "\n".join(line for line in (s.strip() for s in text.split(_BR)) if line)
        if text:
            owners, lists = self.owners, self.lists
            self.page.blocks.append(_Block(
                text, len(text), min(link_chars, chars) * len(text) // chars,
                owners[-1] if owners else 0, tuple(self.marks), lists[-1] if lists else -1,
            ))

    def judge(self, el, tag: str) -> tuple[int, bool | int]:
        """(class weight, chrome mark) of an element with attributes; notes metadata holders."""
        cls, ident = el.get("class"), el.get("id")
        weight, chrome, byline = _judge_attr(cls + " " + ident if cls and ident else cls or ident) if cls or ident else _NEUTRAL
        if byline:
            self.page.bylines.append(el)
        if el.get("style") or el.get("hidden") is not None or el.get("aria-hidden"):
            chrome = _hidden(el) or chrome
        prop = el.get("itemprop")
        if prop or tag == "a" and el.get("rel") == "author":
            self.page.props.append(((prop or tag).lower(), el))
        return weight, chrome

    def walk(self, root) -> _Page:
        """Walk the tree once (iteratively: pages nest deeply) and return what was learnt."""
        page, owners, marks, lists = self.page, self.owners, self.marks, self.lists
        tags, parents, ends, weights = page.tags, page.parents, page.ends, page.weights
        drop_tags, block_tags, list_tags = rules.HTML_DROP_TAGS, rules.HTML_BLOCK_TAGS, rules.HTML_LIST_TAGS
        small_tags, never_chrome = rules.HTML_DROP_IF_SMALL_TAGS, rules.HTML_NEVER_CHROME_TAGS
        parts: list[str] = []
        chars = link_chars = link_depth = 0
        after_br = False
        stack: list[tuple] = []
        registered: list[int] = []  # indexes of the registered ancestors
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, el in walker:
            if event == "start":
                tag = el.tag
                if tag.__class__ is not str or tag in drop_tags:
                    walker.skip_subtree()
                    stack.append(_PLAIN)
                    continue
                if tag == "br":
                    if after_br and chars:
                        self.block(parts, chars, link_chars)
                        parts, chars, link_chars = [], 0, 0
                    else:
                        parts.append(_BR)
                        after_br = True
                    stack.append(_PLAIN)
                    continue
                weight, chrome = self.judge(el, tag) if el.items() else _NEUTRAL_ELEMENT
                if chrome and tag in never_chrome:  # <body class> lists feature flags
                    chrome = False
                if chrome == _ALWAYS:  # hidden, or a comment thread: never main text
                    walker.skip_subtree()
                    stack.append(_PLAIN)
                    continue
                if tag in small_tags and not chrome:
                    chrome = True
                is_block = tag in block_tags
                if tag == "time":
                    page.props.append(("time", el))
                if is_block or chrome:
                    idx = len(tags)
                    tags.append(tag)
                    parents.append(registered[-1] if registered else -1)
                    ends.append(idx)
                    weights.append(weight)
                    registered.append(idx)
                    if is_block:
                        if chars:
                            self.block(parts, chars, link_chars)
                        parts, chars, link_chars, after_br = [], 0, 0, False
                        owners.append(idx)
                    if chrome:
                        marks.append(idx)
                        page.marked.add(idx)
                    is_list = tag in list_tags
                    if is_list:
                        lists.append(idx)
                    is_link = tag == "a"
                    stack.append((idx, is_block, chrome, is_list, is_link))
                elif tag == "a":
                    is_link = True
                    stack.append(_LINK)
                else:
                    is_link = False
                    stack.append(_PLAIN)
                if is_link:
                    link_depth += 1
                text = el.text
            else:
                idx, is_block, chrome, is_list, is_link = stack.pop()
                if idx >= 0:
                    registered.pop()
                    ends[idx] = len(tags) - 1
                    if is_block:
                        if chars:
                            self.block(parts, chars, link_chars)
                        parts, chars, link_chars, after_br = [], 0, 0, False
                        owners.pop()
                    if is_list:
                        lists.pop()
                    if chrome:
                        marks.pop()
                if is_link:
                    link_depth -= 1
                text = el.tail
            if text:
                parts.append(text)
                n = len(text.strip())  # source indentation would dilute link density
                if n:
                    chars += n
                    if link_depth:
                        link_chars += n
                    after_br = False
        if chars:
            self.block(parts, chars, link_chars)
        return page


def _hidden(el) -> int | bool:
    """_ALWAYS for elements hidden from every reader, True for those hidden from screen readers."""
    style = el.get("style")
    if el.get("hidden") is not None or (style and rules.HTML_HIDDEN_STYLE.search(style)):
        return _ALWAYS
    return (el.get("aria-hidden") or "").strip().lower() == "true"


# --------------------------------------------------------------------------- scoring

def _main_text(page: _Page, title: str) -> list[str]:
    """The main-text blocks of the walked page, in document order."""
    if not page.blocks:
        return []
    n = len(page.tags)
    chars, links, good = _aggregate(page, n)
    total = good[0] or 1
    valid = {m for m in page.marked if _mark_holds(page, m, good[m], total)}
    chosen = _choose(page, chars, links, valid)
    kept = _prune(page, chosen, valid, chars, links)
    if sum(b.chars for b in kept) < rules.HTML_MIN_RESULT_CHARS:
        fallback = _fallback(page, valid, chars, links)
        if sum(b.chars for b in fallback) > sum(b.chars for b in kept):
            kept = fallback
    if not kept:
        kept = list(page.blocks)
    return _drop_title(kept, title)


def _aggregate(page: _Page, n: int) -> tuple[list[int], list[int], list[int]]:
    """Characters, link characters and readable characters of text under every element."""
    chars, links, good = [0] * n, [0] * n, [0] * n
    for b in page.blocks:
        chars[b.owner] += b.chars
        links[b.owner] += b.link_chars
        if b.chars >= rules.HTML_MIN_SCORED_CHARS and b.link_chars * 2 < b.chars:
            good[b.owner] += b.chars
    parents = page.parents
    for idx in range(n - 1, 0, -1):
        p = parents[idx]
        if p >= 0:
            chars[p] += chars[idx]
            links[p] += links[idx]
            good[p] += good[idx]
    return chars, links, good


def _mark_holds(page: _Page, idx: int, good: int, total: int) -> bool:
    """A chrome-looking element stays chrome unless it holds most of the page's readable text."""
    if page.tags[idx] in rules.HTML_DROP_IF_SMALL_TAGS and page.weights[idx] >= 0:
        return good < rules.HTML_SMALL_TAG_CHARS or good < rules.HTML_KEEP_SHARE * total
    return good < rules.HTML_KEEP_SHARE * total


def _in_chrome(block: _Block, valid: set[int], below: int = -1) -> bool:
    """True when a valid chrome mark strictly inside element `below` encloses the block."""
    return any(m > below and m in valid for m in block.marks)


def _score_blocks(page: _Page, valid: set[int]) -> dict[int, float]:
    """Readability's content score of candidate containers, before link density."""
    scores: dict[int, float] = {}
    tags, parents, weights = page.tags, page.parents, page.weights
    for b in page.blocks:
        if b.chars < rules.HTML_MIN_SCORED_CHARS or (b.marks and _in_chrome(b, valid)):
            continue
        if b.link_chars * 2 > b.chars:
            continue
        points = 1 + len(_COMMAS.findall(b.text)) + min(b.chars / rules.HTML_CHARS_PER_POINT, rules.HTML_MAX_LENGTH_POINTS)
        node = parents[b.owner] if tags[b.owner] in rules.HTML_PARAGRAPH_TAGS else b.owner
        for level in range(rules.HTML_ANCESTOR_LEVELS):
            if node < 0:
                break
            if node not in scores:
                scores[node] = rules.HTML_TAG_SCORES.get(tags[node], 0) + weights[node]
            scores[node] += points / (1 if level == 0 else 2 if level == 1 else level * 3)
            node = parents[node]
    return scores


def _choose(page: _Page, chars: list[int], links: list[int], valid: set[int]) -> list[int]:
    """The chosen containers: the best one and its qualifying siblings."""
    raw = _score_blocks(page, valid)
    final = {
        idx: score * (1 - links[idx] / chars[idx]) if chars[idx] else score
        for idx, score in raw.items()
    }
    listings = _listings(page)
    for idx in listings:
        if idx in final:
            final[idx] *= rules.HTML_LISTING_PENALTY
    candidates = [
        idx for idx in final
        if page.tags[idx] not in rules.HTML_NON_CONTAINER_TAGS and not _inside_valid(page, idx, valid)
    ]
    if not candidates:
        return []
    top = max(candidates, key=final.__getitem__)
    top = _promote(page, top, final, candidates)
    return _with_siblings(page, top, final, chars, links, listings)


def _listings(page: _Page) -> set[int]:
    """<article>s that hold several <article>s, or sit in one: teaser lists and comments."""
    tags, parents = page.tags, page.parents
    inner: dict[int, int] = {}
    nested = set()
    for idx, tag in enumerate(tags):
        if tag != "article":
            continue
        node = parents[idx]
        while node >= 0:
            if tags[node] == "article":
                nested.add(idx)
                inner[node] = inner.get(node, 0) + 1
            node = parents[node]
    return nested | {idx for idx, count in inner.items() if count >= rules.HTML_LISTING_MIN_ARTICLES}


def _inside_valid(page: _Page, idx: int, valid: set[int]) -> bool:
    """True when the element is, or sits inside, a valid chrome mark."""
    node = idx
    while node >= 0:
        if node in valid:
            return True
        node = page.parents[node]
    return False


def _promote(page: _Page, top: int, final: dict[int, float], candidates: list[int]) -> int:
    """Move up to a common ancestor when several near-best candidates share it."""
    best = final[top]
    rivals = [c for c in candidates if c != top and final[c] >= best * rules.HTML_PROMOTE_SHARE]
    if len(rivals) < 2:
        return top
    chain = _ancestors(page, top)
    for rival in rivals[:5]:
        rival_chain = set(_ancestors(page, rival))
        chain = [a for a in chain if a in rival_chain]
    for ancestor in chain:
        if page.tags[ancestor] not in rules.HTML_NON_CONTAINER_TAGS and ancestor != top:
            return ancestor
    return top


def _ancestors(page: _Page, idx: int) -> list[int]:
    """The element and its ancestors, nearest first."""
    chain = []
    while idx >= 0:
        chain.append(idx)
        idx = page.parents[idx]
    return chain


def _with_siblings(page: _Page, top: int, final: dict[int, float], chars: list[int], links: list[int],
                   listings: set[int]) -> list[int]:
    """The top container plus siblings that score well or read like paragraphs."""
    parent = page.parents[top]
    if parent < 0:
        return [top]
    threshold = max(rules.HTML_SIBLING_MIN_SCORE, final[top] * rules.HTML_SIBLING_SHARE)
    chosen = []
    idx = parent + 1
    while idx <= page.ends[parent]:
        if idx == top or idx not in listings and (
                final.get(idx, 0) >= threshold or _reads_like_paragraph(page, idx, chars, links)):
            chosen.append(idx)
        idx = page.ends[idx] + 1
    return chosen


def _reads_like_paragraph(page: _Page, idx: int, chars: list[int], links: list[int]) -> bool:
    """A sibling <p> with enough text and few links belongs to the article."""
    if page.tags[idx] != "p" or not chars[idx]:
        return False
    density = links[idx] / chars[idx]
    return chars[idx] > rules.HTML_SIBLING_PARAGRAPH_CHARS and density < 0.25


# --------------------------------------------------------------------------- pruning

def _prune(page: _Page, chosen: list[int], valid: set[int], chars: list[int], links: list[int]) -> list[_Block]:
    """The blocks of the chosen containers that are not chrome."""
    if not chosen:
        return []
    ranges = [(c, page.ends[c]) for c in chosen]
    kept = []
    for b in page.blocks:
        root = next((start for start, end in ranges if start <= b.owner <= end), -1)
        if root < 0 or (b.marks and _in_chrome(b, valid, root)):
            continue
        if _is_noise(page, b, chars, links):
            continue
        kept.append(b)
    return kept


def _is_noise(page: _Page, b: _Block, chars: list[int], links: list[int]) -> bool:
    """True for link-heavy blocks, link lists and chrome phrases."""
    if b.link_chars > b.chars * rules.HTML_MAX_BLOCK_LINK_DENSITY:
        return True
    if b.list_idx >= 0 and chars[b.list_idx] and links[b.list_idx] > chars[b.list_idx] * rules.HTML_MAX_LIST_LINK_DENSITY:
        return True
    return b.chars < 200 and is_chrome_line(b.text)


def _fallback(page: _Page, valid: set[int], chars: list[int], links: list[int]) -> list[_Block]:
    """Every good-looking block of the page, for pages the scoring misreads."""
    return [
        b for b in page.blocks
        if b.chars >= rules.HTML_FALLBACK_MIN_CHARS and not (b.marks and _in_chrome(b, valid))
        and not _is_noise(page, b, chars, links)
    ]


def _drop_title(blocks: list[_Block], title: str) -> list[str]:
    """Block texts, without a leading copy of the title (it is stored apart)."""
    texts = [b.text for b in blocks]
    if title:
        key = normalize_block(title)
        for i, text in enumerate(texts[:3]):
            if normalize_block(text) == key:
                del texts[i]
                break
    return texts


# --------------------------------------------------------------------------- metadata

def _metadata(root, url: str | None, page: _Page) -> Extracted:
    """Title, author, date, site and language of the page."""
    metas = _meta_values(root)
    ld = _json_ld(root)
    site = _clean(_first(metas, ("og:site_name",))) or _host(url)
    return Extracted(
        title=_title(root, metas, ld, site, url),
        author=_author(metas, ld, page),
        published=_published(metas, ld, page, url),
        site=site,
        lang=_lang(root),
    )


def _meta_values(root) -> dict[str, str]:
    """<meta> contents by lowercased name/property/itemprop (the first one wins)."""
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        content = el.get("content")
        if not content or not content.strip():
            continue
        for key in (el.get("property"), el.get("name"), el.get("itemprop"), el.get("http-equiv")):
            if key:
                found.setdefault(key.strip().lower(), content.strip())
    return found


def _first(metas: dict[str, str], names) -> str | None:
    """The first present meta value of `names`."""
    for name in names:
        value = metas.get(name)
        if value:
            return value
    return None


def _clean(text: str | None) -> str | None:
    """Whitespace-collapsed text, None when empty."""
    if not text:
        return None
    text = _SPACES.sub(" ", text).strip()
    return text or None


def _host(url: str | None) -> str | None:
    """The host of a url without a leading www."""
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return (host[4:] if host.startswith("www.") else host) or None


def _lang(root) -> str | None:
    """The page language from <html lang>."""
    value = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or root.get("xml:lang")
    return _clean(value)


def _json_ld(root) -> list[dict]:
    """The JSON-LD objects of the page, flattened (lists and @graph); broken ones skipped."""
    objects: list[dict] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"))
        except (ValueError, RecursionError):
            continue
        _collect_ld(data, objects, 0)
    return objects


def _collect_ld(data, out: list[dict], depth: int) -> None:
    """Flatten JSON-LD lists and @graph into `out`."""
    if depth > 5:
        return
    if isinstance(data, list):
        for item in data:
            _collect_ld(item, out, depth + 1)
    elif isinstance(data, dict):
        out.append(data)
        if "@graph" in data:
            _collect_ld(data["@graph"], out, depth + 1)


def _ld_value(ld: list[dict], key: str):
    """The first value of `key` among the JSON-LD objects, articles first."""
    ordered = sorted(ld, key=lambda o: 0 if _is_article_type(o.get("@type")) else 1)
    for obj in ordered:
        value = obj.get(key)
        if value:
            return value
    return None


def _is_article_type(kind) -> bool:
    """True for JSON-LD types of articles and posts."""
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and rules.HTML_ARTICLE_TYPES.search(k) for k in kinds)


def _text_of(el) -> str | None:
    """An element's whitespace-collapsed text."""
    try:
        return _clean("".join(el.itertext()))
    except Exception:
        return None


def _title(root, metas: dict[str, str], ld: list[dict], site: str | None, url: str | None) -> str:
    """The page title without a site-name suffix."""
    title_el = root.find(".//title")
    page_title = _clean(_text_of(title_el)) if title_el is not None else None
    h1s = [_text_of(h1) for h1 in itertools.islice(root.iter("h1"), rules.HTML_MAX_TITLE_H1S)]
    # An <h1> the <title> repeats is the headline; a lone first <h1> may be a logo or widget.
    echoed = [h for h in h1s if h and page_title and h.lower() in page_title.lower()]
    candidates = [
        _first(metas, ("og:title",)), _first(metas, ("twitter:title",)),
        _ld_text(_ld_value(ld, "headline")), *echoed, page_title,
        h1s[0] if h1s else None, _first(metas, rules.HTML_TITLE_METAS),
    ]
    for candidate in candidates:
        title = _strip_site(_clean(candidate), site, url)
        if title and not _is_site_name(title, site, url):
            return title
    return ""


def _ld_text(value) -> str | None:
    """A JSON-LD value that should be text, as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    return None


def _strip_site(title: str | None, site: str | None, url: str | None) -> str | None:
    """The title without a leading or trailing "Site Name" part."""
    if not title:
        return None
    parts = rules.HTML_TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    named = [p for p in parts if _is_site_name(p, site, url)]
    if named:
        rest = [p for p in parts if p not in named]
        return " - ".join(rest) if rest else title
    # Without a known site name, a short last part after a separator is the usual suffix.
    last_sep = list(rules.HTML_TITLE_SEPARATORS.finditer(title))[-1]
    head, last = title[: last_sep.start()].strip(), title[last_sep.end():]
    if len(last.split()) <= rules.HTML_TITLE_SUFFIX_MAX_WORDS and len(head.split()) >= 3:
        return head
    return title


def _is_site_name(text: str, site: str | None, url: str | None) -> bool:
    """True when the text is the site's name or host, perhaps with a short slogan after it."""
    key = _NON_ALNUM.sub("", text.lower())
    if not key:
        return True
    short = len(text.split()) <= rules.HTML_SITE_TITLE_MAX_WORDS
    for name in (site or "", _host(url) or ""):
        lowered = name.lower()
        for name_key in {_NON_ALNUM.sub("", lowered), _NON_ALNUM.sub("", lowered.rsplit(".", 1)[0])}:
            if len(name_key) >= 3 and (key == name_key or short and key.startswith(name_key)):
                return True
    return False


def _author(metas: dict[str, str], ld: list[dict], page: _Page) -> str | None:
    """The author's name(s)."""
    for name in rules.HTML_AUTHOR_METAS:
        value = _clean(metas.get(name))
        if value and not _looks_like_url(value) and not value.startswith("@"):
            return _strip_byline(value)
    names = _ld_names(_ld_value(ld, "author"))
    if names:
        return ", ".join(names)
    for el in [el for key, el in page.props if key in ("author", "a")][:3]:
        value = el.get("content") or _itemprop_name(el) or _text_of(el)
        value = _strip_byline(_clean(value))
        if value and len(value) <= rules.HTML_MAX_AUTHOR_CHARS:
            return value
    return _byline(page.bylines)


def _itemprop_name(el) -> str | None:
    """The itemprop=name inside an author element."""
    names = el.xpath('.//*[@itemprop="name"]')
    if names:
        return names[0].get("content") or _text_of(names[0])
    return None


def _ld_names(value) -> list[str]:
    """Author names from a JSON-LD author value (text, object or list)."""
    if isinstance(value, str):
        return [] if _looks_like_url(value) else [_clean(value)] if _clean(value) else []
    if isinstance(value, dict):
        name = value.get("name")
        return [_clean(name)] if isinstance(name, str) and _clean(name) else []
    if isinstance(value, list):
        names: list[str] = []
        for item in value[:10]:
            for name in _ld_names(item):
                if name not in names:
                    names.append(name)
        return names
    return []


def _byline(candidates: list) -> str | None:
    """A short byline element's text (class/id naming a byline or author)."""
    for el in candidates[:10]:
        value = _strip_byline(_text_of(el))
        if value and 2 < len(value) <= rules.HTML_MAX_AUTHOR_CHARS:
            return value
    return None


def _strip_byline(value: str | None) -> str | None:
    """A name without a leading "By"; None for what cannot be a name."""
    if not value:
        return None
    value = _clean(strip_byline_prefix(value)[0])
    # Names carry no digits; "1 day ago" or a date in a byline slot is not an author.
    if not value or is_date_line(value) or any(ch.isdigit() for ch in value) or not any(ch.isalpha() for ch in value):
        return None
    return value


def _looks_like_url(value: str) -> bool:
    """True for a url in place of a name."""
    return value.startswith(("http://", "https://", "www.", "/"))


def _published(metas: dict[str, str], ld: list[dict], page: _Page, url: str | None) -> str | None:
    """The publication date as YYYY-MM-DD."""
    found = parse_date(_first(metas, ("article:published_time", "og:article:published_time")))
    found = found or parse_date(_ld_text(_ld_value(ld, "datePublished")) or _ld_text(_ld_value(ld, "dateCreated")))
    if found:
        return found
    for el in [el for key, el in page.props if key in ("datepublished", "time")][:5]:
        found = parse_date(el.get("content") or el.get("datetime") or _text_of(el))
        if found:
            return found
    for name in rules.HTML_DATE_METAS:
        found = parse_date(metas.get(name))
        if found:
            return found
    match = rules.HTML_URL_DATE.search(url or "")
    return parse_date(match.group(0)) if match else None
