"""The cleaner's vocabularies: data only, applied by html.py, text.py and metadata code.

Every entry is a general trait of web boilerplate, never a phrase of one site.
"""
from __future__ import annotations

import re

# --------------------------------------------------------------------------- dates

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"

# Tried in order; the first that yields a real calendar date wins.
DATE_PATTERNS = [
    # 2023-12-01, 2023/12/01, 2023-12-01T10:00:00Z
    re.compile(r"\b(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    # 1 December 2023, 1st Dec. 2023
    re.compile(r"(?i)\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>\d{4})\b"),
    # December 1, 2023 / Dec 1st 2023
    re.compile(r"(?i)\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b"),
    # 01.12.2023 and 01-12-2023 (day first, as most of the world writes it)
    re.compile(r"\b(?P<day>\d{1,2})[.-](?P<month>\d{1,2})[.-](?P<year>\d{4})\b"),
    # 12/01/2023 (month first, as US pages write it)
    re.compile(r"\b(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b"),
    # December 2023
    re.compile(r"(?i)\b" + _MONTH + r"\s+(?P<year>\d{4})\b"),
]

# --------------------------------------------------------------------------- text scrapes

# A whole block that is one of these is chrome, wherever it stands.
BOILERPLATE_LINE_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(join|subscribe to|sign up (for|to)|get) (our|the) (free )?(mailing list|newsletter|e-?mail updates?)\b",
        r"^(subscribe|sign up|join now|log ?in|register|donate|advertisement|sponsored( content)?)[.!]?$",
        r"\b(join|subscribe|sign up|register|apply|download|buy) now\W*$",
        r"^(page )?last (modified|updated|reviewed)\b",
        r"^comments? (are|is) (now )?(closed|disabled)\b",
        r"^(to )?contact( us)?\b.{0,80}\b(visit|at|email|e-mail)\b",
        r"^contact us\W*$",
        r"^(all rights reserved|copyright\b|©|\(c\) \d{4})",
        r"^(share|share this|share on|tweet|print|email|e-mail|follow us)( (article|story|post|page))?\W*$",
        r"^(read|see) (more|also)\b.{0,60}$",
        r"\bfor more\W*$",
        r"^(related|recommended|more from|more stories|you (may|might) also like|popular|trending|most read)\b.{0,40}$",
        r"^(tags?|topics?|categories|filed under)\s*:",
        r"^(image|photo|picture|illustration|credit|source|video)s?\s*:",
        r"^(we use cookies|this (web)?site uses cookies|by (continuing|using) (to use )?this (web)?site)\b",
        r"^(skip to|jump to) (main )?(content|navigation)\b",
        r"^(previous|next) (article|post|story)\b",
        r"^(posted|published|filed) in\b",
    )
]

# Names of social networks and share targets; a block made only of these is a share bar.
SOCIAL_WORDS = {
    "facebook", "twitter", "x", "instagram", "youtube", "linkedin", "pinterest", "reddit",
    "tiktok", "whatsapp", "telegram", "tumblr", "mastodon", "bluesky", "threads", "email",
    "e-mail", "mail", "print", "share", "tweet", "rss", "feed", "copy", "link", "flipboard",
    "pocket", "vk", "weibo", "wechat", "snapchat", "messenger", "sms", "whatsapp",
}

# Agencies and credit markers that make a short line a photo credit.
PHOTO_CREDIT_PATTERN = re.compile(
    r"(?i)(\b(photo|image|picture|credit|courtesy|illustration)s?\b\s*[:/]"
    r"|\b(getty( images)?|afp|reuters|ap photo|associated press|epa|shutterstock|alamy|istock)\b"
    r"|/\s*(afp|ap|getty|reuters|epa)\b|[·|]\s*(afp|ap|getty|reuters|epa)\b)"
)

# Words that open a byline ("By Jane Doe") or label one.
BYLINE_PREFIX = re.compile(r"(?i)^\s*(by|written by|words by|author|posted by|von|par|por)\s*:?\s+")

# A person's name: two to four capitalised words, allowing initials, particles and hyphens.
PERSON_NAME = re.compile(
    r"^(?:[A-Z][\w'’-]*\.?|[a-z]{1,3}(?= [A-Z]))(?:\s+(?:[A-Z][\w'’-]*\.?|de|da|del|van|von|der|la|le|bin|al-\w+)){1,3}$"
)

# Joiners that may separate several authors on one byline.
AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|&|\band\b|\bund\b|\bet\b|\by\b)\s*")

# Sentences end in these (after any closing quote or bracket).
SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$")

# Words a sentence never ends on, so a block ending on one continues in the next.
DANGLING_WORDS = {
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "with", "by", "from", "into",
    "and", "or", "but", "nor", "that", "which", "who", "whose", "as", "than", "like", "its",
    "his", "her", "their", "our", "your", "my", "is", "are", "was", "were", "be", "been",
    "has", "have", "had", "not", "no", "this", "these", "those", "such", "very", "more",
    "most", "about", "over", "under", "between", "through", "during", "after", "before",
    "while", "if", "when", "where", "because", "so", "both", "either", "neither", "each",
    "every", "some", "any", "all", "also", "then", "upon", "onto", "toward", "towards",
    "against", "among", "along", "across", "behind", "beyond", "within", "without", "de",
}

# Hosts and handles in running text: link-like noise in a text scrape.
URL_OR_HANDLE = re.compile(r"(?i)(https?://\S+|www\.\S+|\b[\w-]+\.(?:com|org|net|info|io|co|uk|de|fr|es|mx)(?:/\S*)?\b|(?<!\w)@\w{2,}|#\w{2,})")
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")

# Lines of a scraper's header that carry page metadata ("URL: …", "Title: …").
HEADER_FIELDS = re.compile(r"(?i)^\s*(url|source|link|title|author|date|published|site)\s*:\s*(.+?)\s*$")
