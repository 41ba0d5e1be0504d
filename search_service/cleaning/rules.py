"""The cleaner's vocabularies: data only, applied by html.py, text.py and metadata code.

Every entry is a general trait of web boilerplate, never a phrase of one site.
"""
from __future__ import annotations

import re

# --------------------------------------------------------------------------- dates

# Month names in English, Spanish, French, German, Portuguese and Italian, with abbreviations.
_MONTH_NAMES = [
    ("january", "jan", "enero", "ene", "janvier", "janv", "januar", "jän", "janeiro", "gennaio", "gen"),
    ("february", "feb", "febrero", "février", "fevrier", "févr", "februar", "fevereiro", "fev", "febbraio"),
    ("march", "mar", "marzo", "mars", "märz", "marz", "março", "marco"),
    ("april", "apr", "abril", "abr", "avril", "avr", "aprile"),
    ("may", "mayo", "mai", "maio", "maggio", "mag"),
    ("june", "jun", "junio", "juin", "juni", "junho", "giugno", "giu"),
    ("july", "jul", "julio", "juillet", "juil", "juli", "julho", "luglio", "lug"),
    ("august", "aug", "agosto", "ago", "août", "aout"),
    ("september", "sep", "sept", "septiembre", "setiembre", "septembre", "setembro", "set", "settembre"),
    ("october", "oct", "octubre", "octobre", "oktober", "okt", "outubro", "out", "ottobre", "ott"),
    ("november", "nov", "noviembre", "novembre", "novembro"),
    ("december", "dec", "diciembre", "dic", "décembre", "decembre", "déc", "dezember", "dez", "dezembro", "dicembre"),
]
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
# Abbreviations that are also English words ("came out 2021", "set 2020 apart", "years ago
# 2019"): months only beside a day.
_MONTH_WORDS = {"set", "out", "ago", "gen", "mag", "dic"}
_MONTH_WITHOUT_DAY = (r"(?P<month>" + "|".join(sorted(set(MONTHS) - _MONTH_WORDS, key=len, reverse=True))
                      + r")\.?")

# Tried in order; the first that yields a real calendar date wins.
DATE_PATTERNS = [
    # 2023-12-01, 2023/12/01, 2023-12-01T10:00:00Z
    re.compile(r"\b(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    # 1 December 2023, 1st Dec. 2023, 9 de octubre de 2023, 9. Oktober 2023, 1er mars 2024
    re.compile(r"(?i)\b(?P<day>\d{1,2})(?:st|nd|rd|th|er|º|\.)?\s+(?:of\s+|de\s+)?" + _MONTH
               + r",?\s+(?:de\s+|del\s+)?(?P<year>\d{4})\b"),
    # December 1, 2023 / Dec 1st 2023
    re.compile(r"(?i)\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b"),
    # 01.12.2023 and 01-12-2023 (day first, as most of the world writes it)
    re.compile(r"\b(?P<day>\d{1,2})[.-](?P<month>\d{1,2})[.-](?P<year>\d{4})\b"),
    # 12/01/2023 (month first, as US pages write it)
    re.compile(r"\b(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b"),
    # December 2023, octubre de 2023
    re.compile(r"(?i)\b" + _MONTH_WITHOUT_DAY + r"\s+(?:de\s+)?(?P<year>\d{4})\b"),
]
# What every match of DATE_PATTERNS holds (its year): text without it is not searched further.
DATE_CUE = re.compile(r"\d{4}")

# --------------------------------------------------------------------------- text scrapes

# A legal line names its year or sign: "Copyright law protects …" is writing.
_LEGAL_COPYRIGHT = r"copyright\b.{0,80}(©|\(c\)|\b(19|20)\d\d\b|rights reserved)"

# A whole line or block that matches one of these is chrome, wherever it stands, in HTML
# and in text scrapes alike (see lines.py).
CHROME_LINE_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(join|subscribe to|sign up (for|to)|get) (our|the) (free )?(mailing list|newsletter|e-?mail updates?)\b",
        r"^(subscribe|sign up|join now|log ?in|register|donate|advertisement|sponsored( content)?)[.!]?$",
        r"\b(join|subscribe|sign up|register|apply|download|buy) now\W*$",
        r"^(page )?last (modified|updated|reviewed)\b",
        r"^comments? (are|is) (now )?(closed|disabled)\b",
        # "Contact us at …", "To contact the author, email …"; not "Contact tracing began at …"
        r"^(to contact|contact us|contact\s*:)\s.{0,80}\b(visit|at|email|e-mail)\b",
        r"^contact us\W*$",
        r"^(all rights reserved|" + _LEGAL_COPYRIGHT + r"|©|\(c\) \d{4})",
        r"^(share|share this|share on|tweet|print|email|e-mail|follow us)( (article|story|post|page))?\W*$",
        r"^(read|see) (more|also)\b.{0,60}$",
        r"\bfor more\W*$",
        # Headings of link lists ("Trending now", "Related: …"); a sentence ("Popular anger
        # grew.") ends as one.
        r"^(related|recommended|more from|more stories|you (may|might) also like|popular|trending|most read)"
        r"(\s*:.{0,80}|\b[^.!?]{0,40})$",
        r"^(tags?|topics?|categories|filed under)\s*:",
        r"^(image|photo|picture|illustration|credit|video)s?\s*:",
        r"^(we use cookies|this (web)?site uses cookies|by (continuing|using) (to use )?this (web)?site)\b",
        r"^(skip to|jump to) (main )?(content|navigation)\b",
        r"^(previous|next) (article|post|story)\b",
        # "Posted in News, Politics"; not "Published in 1851, the novel …".
        r"^(posted|published|filed) in\b(?!\s*\d)[^.!?]{0,60}$",
    )
]

# Short blocks made of nothing but a chrome phrase (buttons, labels, legal lines).
CHROME_LINE_PATTERNS.append(re.compile(
    r"(?i)^\W*(advertisement|advertisements|sponsored|ad|ads|share( this)?( (article|story|post))?"
    r"|share on \w+|tweet|print( this)?( (article|story|page))?|e-?mail( this)?( (article|story|page))?"
    r"|click here\b.{0,60}|read more|continue reading|comments?|\d+ comments?|leave a (comment|reply)"
    r"|(sign up|subscribe)\b.{0,80}newsletter.{0,40}|back to top|top of page|skip to (main )?content"
    r"|all rights reserved.{0,40}|(" + _LEGAL_COPYRIGHT + r"|©).{0,80}|related (articles|stories|posts|content|links)"
    r"|you (may|might) also like|more (from|on|stories|news).{0,40}|follow us.{0,40}"
    r"|we use cookies.{0,200}|this (web)?site uses cookies.{0,200}|accept( all)?( cookies)?)\W*$"
))
# What every pattern of CHROME_LINE_PATTERNS not anchored at the start needs, one of them,
# lowercased: lines.py searches a line with those patterns only when it holds one (a test
# holds the patterns to it). They are the costly ones, tried at every position.
CHROME_LINE_CUES = ("now", "for more")

# Names of social networks and share targets; a block made only of these is a share bar.
SOCIAL_WORDS = {
    "facebook", "twitter", "x", "instagram", "youtube", "linkedin", "pinterest", "reddit",
    "tiktok", "whatsapp", "telegram", "tumblr", "mastodon", "bluesky", "threads", "email",
    "e-mail", "mail", "print", "share", "tweet", "rss", "feed", "copy", "link", "flipboard",
    "pocket", "vk", "weibo", "wechat", "snapchat", "messenger", "sms",
}

# A heading that opens a list of other pages (related, recommended, more of the site) in a
# text scrape: once most of the article is behind it, or teasers follow it, what follows is
# other pages' titles and summaries.
# A whole line, without a title after a colon ("Related: Senate passes…" stands inside
# articles). English, Portuguese, Spanish, French, German, Italian and Dutch.
RELATED_HEADING = re.compile(
    r"(?i)^\W*("
    r"(related|recommended|similar|suggested|more|other|latest|popular|trending|top)\s+([\w-]+\s+)?"
    r"(articles?|stories|posts|news|content|links|reading|reads|videos|headlines)\b[^.!?:]{0,40}"
    r"|(you|we think you) (may|might|will|could) (also )?(like|enjoy|love|be interested in)"
    r"|read (next|also)|see also|further reading|recommended for you|more (from|in|on) [^.!?:]{1,40}"
    r"|most (read|popular|viewed|shared|commented)|trending( now)?|what to read next|don'?t miss"
    r"|(voc[eê] )?(tamb[eé]m )?pode (gostar|interessar)|leia (tamb[eé]m|mais)|veja tamb[eé]m"
    r"|(not[ií]cias|artigos|posts|mat[eé]rias) relacionad[ao]s"
    r"|(tambi[eé]n )?te puede (interesar|gustar)|quiz[aá]s? te interese|lee tambi[eé]n"
    r"|(noticias|art[ií]culos|entradas) relacionad[ao]s|m[aá]s noticias"
    r"|([àa] )?lire aussi|vous aimerez aussi|(articles|[ée]l[ée]ments) similaires|sur le m[êe]me sujet|voir aussi"
    r"|das k[öo]nnte sie auch interessieren|mehr zum thema|(weitere|[äa]hnliche) artikel|lesen sie auch"
    r"|leggi anche|articoli correlati|(ti )?potrebbe interessar(ti|e)"
    r"|lees ook|gerelateerde artikelen|meer nieuws|bekijk ook"
    r")\W*$"
)

# A text scrape's comment section. A heading like these, once most of the article is
# behind, ends the article: what follows is readers' writing.
COMMENTS_HEADING = re.compile(
    r"(?i)^\W*(\d+\s+)?((top|most|best|highest|recent|latest|newest|featured|reader|readers|readers'|user|visitor)"
    r"\s+)*(rated\s+|liked\s+)?(comments?|responses?|replies|reader reactions|discussion)(\s+\(\d+\))?"
    r"(\s+(to|on)\b.{0,80})?\W*$"
    r"|^\W*(have your say|(add|post|leave|write|submit) (a |new |your )?(comment|reply)|join the (discussion|conversation)"
    r"|what do you think|comments? (are )?(closed|disabled))\b.{0,40}$"
)
# Lines that mark one comment among others (its signature, age or buttons): they break a
# run of text as a name or date line does.
COMMENT_MARKER_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # "2 days ago", "5 hours ago at 07:52 am", "a year ago"
        r"^\W*(\d+|an?|one)\s+(second|minute|hour|day|week|month|year)s?\s+ago\b.{0,30}$",
        # "Posted by: Jane on December 29, 2007 01:15 PM", "Submitted by jo | 10:42"
        r"^(posted|submitted|written|commented|added)\s+by\b.{1,100}(\b\d{4}\b|\d:\d\d)",
        # "Jane Doe says:", "jo wrote:", "Milan on September 12, 2018 at 4:47 pm said:" (a clock
        # time: an article's "…, the minister said:" has none)
        r"^.{1,40}\s(says|said|wrote|writes)\s*:$",
        r"^.{1,80}\b\d{1,2}:\d\d\b.{0,20}\s(says|said|wrote|writes)\s*:$",
        # Buttons and scores under a comment
        r"^\W*(reply|report( this comment| abuse)?|flag( as inappropriate)?|permalink|like|dislike|upvote|downvote"
        r"|recommend|rating\s*:\s*-?\d+\s+votes?|[+-]?\d+\s+(votes?|likes?|points?))\W*$",
    )
]

# Characters of code (script or style text left in a scrape), seldom found in prose.
CODE_MARKS = ("{", "}", ";", "=", "==", "&&", "||", "</", "/>")

# Agencies and credit markers that make a short line a photo credit.
PHOTO_CREDIT_PATTERN = re.compile(
    r"(?i)(\b(photo|image|picture|credit|courtesy|illustration)s?\b\s*[:/]"
    r"|\b(getty( images)?|afp|reuters|ap photo|associated press|epa|shutterstock|alamy|istock)\b"
    r"|/\s*(afp|ap|getty|reuters|epa)\b|[·|]\s*(afp|ap|getty|reuters|epa)\b)"
)

# Words that open a byline ("By Jane Doe") or label one.
BYLINE_PREFIX = re.compile(r"(?i)^\s*(by|written by|words by|authors?|posted by|von|par|por)\b\s*:?\s*")

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
# A bare host is tried only where a run of host characters starts: tried inside one ("a-a-a-…"),
# each start scanned to the run's end, and a long run took minutes.
URL_OR_HANDLE = re.compile(r"(?i)(https?://\S+|www\.\S+|(?<![\w-])[\w-]++\.(?:com|org|net|info|io|co|uk|de|fr|es|mx)(?:/\S*)?\b|(?<!\w)@\w{2,}|#\w{2,})")
# A piece that every branch of URL_OR_HANDLE's matches holds, with its flags: a line without
# one has no URL or handle, found at a third of the cost (most lines have none).
URL_OR_HANDLE_CUE = re.compile(r"(?i)http|www\.|\.(?:com|org|net|info|io|co|uk|de|fr|es|mx)|@|#")
# The target may hold spaces (renderers leave them unescaped) and one level of brackets. The
# text holds no "[": else each "[" of a long run of them was scanned to the run's end.
MARKDOWN_LINK = re.compile(r"!?\[([^\[\]]*)\]\(([^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")

# Lines of a scraper's header that carry page metadata ("URL: …", "Title: …").
HEADER_FIELDS = re.compile(r"(?i)^\s*(url|source|link|title|author|date|published|site)\s*:\s*(.+?)\s*$")

# --------------------------------------------------------------------------- html

# Elements whose content is never main text: dropped with their subtree (the tail stays).
HTML_DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "nav", "aside", "button",
    "select", "option", "textarea", "input", "label", "object", "embed", "canvas", "map",
    "audio", "video", "link", "meta", "dialog", "menu", "head", "title",
})

# Dropped unless they hold the article itself (pages wrap the whole body in a <form>,
# and some put the article inside a <header> or <footer>).
HTML_DROP_IF_SMALL_TAGS = frozenset({"form", "header", "footer"})

# Text elements that open a block of their own; everything else is inline.
HTML_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2",
    "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tbody", "thead", "tfoot", "tr",
    "td", "th", "caption", "figure", "figcaption", "address", "center", "header", "footer",
    "form", "fieldset", "legend", "hr", "details", "summary", "body", "html", "frameset",
    "frame", "noframes", "hgroup", "picture", "output", "object",
})

HTML_LIST_TAGS = frozenset({"ul", "ol", "dl"})

# Containers never chosen as main text on their own, whatever their score.
HTML_NON_CONTAINER_TAGS = frozenset({
    "a", "span", "b", "i", "em", "strong", "font", "li", "ul", "ol", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "tr", "tbody", "thead", "table", "html",
    "figure", "figcaption", "caption", "pre",
})

# Class/id words of page chrome. A class or id is split into lowercase tokens (on
# punctuation and camelCase); a token that equals one of these or, for the stems, starts
# with one, marks the element as boilerplate.
HTML_BOILERPLATE_TOKENS = frozenset({
    "ad", "ads", "adv", "advert", "adverts", "advertisement", "advertising", "adsense",
    "adslot", "adbox", "adunit", "adwrap", "adcontainer", "dfp", "gpt", "taboola",
    "outbrain", "nav", "navbar", "navigation", "menu", "menubar", "submenu", "megamenu",
    "footer", "masthead", "breadcrumb", "breadcrumbs", "crumbs", "popup", "modal", "overlay",
    "banner", "widget", "widgets", "tags", "tag", "tagcloud", "tagline", "keywords",
    "sidebar", "sidebars", "rail", "skyscraper", "leaderboard", "toolbar", "toolbox",
    "tools", "pagination", "pager", "paging", "share", "sharing", "shares", "sharebar",
    "sharethis", "addthis", "social", "socials", "cookie", "cookies", "consent", "gdpr",
    "newsletter", "newsletters", "signup", "subscribe", "subscription", "paywall",
    "related", "recommended", "recommendations", "recommend", "comment", "comments",
    "commentlist", "disqus", "discussion", "replies", "respond", "promo", "promos",
    "promotion", "sponsor", "sponsored", "sponsors", "byline", "dateline", "meta",
    "metadata", "postmeta", "entrymeta", "author", "authors", "bio", "login", "signin",
    "search", "searchbox", "print", "email", "rss", "trending", "popular", "mostread",
    "mostpopular", "shoutbox", "community", "offscreen",
    "skip", "copyright", "legal", "disclaimer", "jump", "subnav", "topnav", "header",
    "topbar", "bottombar", "flyout", "dropdown", "carousel", "slider", "ticker", "scroller",
    "teaser", "teasers", "more", "also", "next", "prev", "previous", "pagenav", "follow",
    "feedback", "rating", "ratings", "vote", "poll", "lightbox", "visually",
    "screenreader", "tooltip", "contact",
})
HTML_BOILERPLATE_STEMS = (
    "advert", "sharing", "share", "social", "cookie", "consent", "newsletter", "subscri",
    "related", "recommend", "comment", "sidebar", "promo", "sponsor", "breadcrumb",
    "navig", "navbar", "footer", "masthead", "popup", "modal", "banner", "widget",
    "taboola", "outbrain", "byline", "paywall", "signup", "toolbar",
)
# Tokens that start like a stem but are article words ("commentary" is an opinion piece).
HTML_STEM_EXCEPTIONS = frozenset({"commentary", "commentator", "commentators"})

# Tokens that mark a container of the article; they keep a boilerplate-looking
# wrapper ("content-with-sidebar") from being dropped and raise its score.
HTML_POSITIVE_TOKENS = frozenset({
    "article", "articles", "articlebody", "content", "contents", "entry", "entrycontent",
    "post", "postbody", "postcontent", "story", "storybody", "storytext", "body", "main",
    "maincontent", "text", "blog", "hentry", "prose", "page", "column", "col", "news",
    "detail", "details", "single", "permalink", "copy", "bodytext", "richtext", "rte",
})
# Boilerplate tokens that a positive token does not excuse ("post-comments" is chrome).
HTML_STRONG_BOILERPLATE_TOKENS = frozenset({
    "comment", "comments", "commentlist", "share", "sharing", "sharebar", "social", "cookie",
    "consent", "newsletter", "related", "recommended", "recommendations", "footer", "nav",
    "navigation", "breadcrumb", "breadcrumbs", "tags", "meta", "byline", "sidebar", "ad",
    "ads", "advert", "advertisement", "promo", "sponsored", "widget",
    "disqus", "subscribe", "bio", "rating", "print", "email", "teaser",
    "teasers", "trending", "popular", "toolbar", "pagination", "pager",
})

# Element score from its class and id: positive/negative token hits, each this much.
HTML_CLASS_WEIGHT = 25

# Starting score of a candidate container by tag (as readability weights them).
HTML_TAG_SCORES = {
    "div": 5, "article": 10, "main": 8, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
    "body": 0, "form": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3,
    "address": -3, "th": -5, "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5,
}

# Scoring of text blocks.
HTML_MIN_SCORED_CHARS = 25       # shorter blocks add nothing to their ancestors' scores
HTML_CHARS_PER_POINT = 100       # one point per this many characters ...
HTML_MAX_LENGTH_POINTS = 3       # ... up to this many
HTML_ANCESTOR_LEVELS = 5         # how far up a block's score spreads
HTML_SIBLING_SHARE = 0.2         # a sibling joins when it scores this share of the best
HTML_SIBLING_MIN_SCORE = 10
HTML_SIBLING_PARAGRAPH_CHARS = 80  # an unscored sibling paragraph at least this long joins
HTML_PROMOTE_SHARE = 0.75        # move up to the parent when it scores near the best

# Pruning inside the chosen container.
HTML_MAX_BLOCK_LINK_DENSITY = 0.5   # a block mostly of link text is navigation
HTML_MAX_LIST_LINK_DENSITY = 0.5    # a list mostly of links is a link list
HTML_SMALL_TAG_CHARS = 500          # a <form>/<header>/<footer> with less text is chrome
HTML_KEEP_SHARE = 0.25              # ... unless it holds this share of the page's text

# The chosen text is too short below this many characters; then all good blocks count.
HTML_MIN_RESULT_CHARS = 250
HTML_FALLBACK_MIN_CHARS = 40        # a block this long with few links is good on its own

# Metadata sources, best first.
HTML_TITLE_METAS = ("og:title", "twitter:title", "title", "dc.title", "sailthru.title")
HTML_AUTHOR_METAS = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author", "twitter:creator")
HTML_DATE_METAS = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate",
    "publishdate", "publish-date", "publish_date", "date", "dc.date", "dc.date.issued",
    "dcterms.created", "dcterms.date", "sailthru.date", "parsely-pub-date", "article.published",
    "originalpublicationdate", "displaydate", "og:published_time",
)
HTML_BYLINE_TOKENS = frozenset({"byline", "author", "authors", "byline-author", "contributor", "writer", "by"})
# Separators between a title and the site name it ends with.
HTML_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·:»«/]\s+|\s+::\s+")
# A title's last part after a separator is a site suffix when this short.
HTML_TITLE_SUFFIX_MAX_WORDS = 4
# A date in a url path (/2019/05/12/ or /2019-05-12), the last resort for `published`.
HTML_URL_DATE = re.compile(r"/(?:19|20)\d\d[/-](?:0?[1-9]|1[0-2])[/-](?:0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)")
# A page of at least this much markup that lxml turns into fewer elements was cut short by
# broken markup; BeautifulSoup reparses it.
HTML_TRUNCATED_MARKUP_CHARS = 2000
HTML_TRUNCATED_MAX_ELEMENTS = 8
# An author field longer than this is a sentence, not a name.
HTML_MAX_AUTHOR_CHARS = 80
# Chrome tokens whose elements go however much text they hold (comment threads outgrow
# the article they follow).
HTML_ALWAYS_CHROME_TOKENS = frozenset({
    "comment", "comments", "commentlist", "disqus", "replies", "respond",
})
# Elements never taken for chrome, whatever their class (<body class> lists feature flags).
HTML_NEVER_CHROME_TAGS = frozenset({"html", "body"})
# An <article> holding this many <article>s is a listing of teasers, and an <article> inside
# another one a teaser or a comment: their scores are cut to this share.
HTML_LISTING_MIN_ARTICLES = 2
HTML_LISTING_PENALTY = 0.3
# How many <h1>s are tried as the headline.
HTML_MAX_TITLE_H1S = 5
# A title this short that starts with the site's name is the site's name and slogan.
HTML_SITE_TITLE_MAX_WORDS = 6

# Blocks that pass their score to their parent (a container block keeps its own).
HTML_PARAGRAPH_TAGS = frozenset({
    "p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "figcaption", "caption", "address", "th", "summary", "legend",
})
# Inline styles that hide an element from every reader.
HTML_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# JSON-LD @types of articles, whose fields win over other objects'.
HTML_ARTICLE_TYPES = re.compile(r"Article|Posting|^Report$")

# --------------------------------------------------------------------------- languages

# Each language's commonest function words, the ones it shares with others included: "de"
# and "en" are as Spanish and French as they are Dutch, and lists without them called Spanish
# pages Dutch. A language wins by the count of all its words together.
STOPWORDS_BY_LANGUAGE = {
    "en": {"the", "and", "of", "to", "is", "that", "with", "was", "for", "are", "this", "have", "from", "which"},
    "es": {"de", "la", "el", "en", "los", "las", "del", "que", "y", "una", "por", "con", "para", "está", "pero",
           "sus", "como"},
    "fr": {"de", "la", "le", "les", "des", "et", "en", "du", "est", "une", "dans", "que", "pour", "pas", "sur", "au",
           "avec", "qui"},
    "de": {"der", "die", "und", "das", "ist", "nicht", "mit", "ein", "eine", "den", "auf", "sich", "auch", "dem"},
    "pt": {"de", "os", "as", "do", "da", "dos", "das", "que", "não", "uma", "para", "com", "em", "por", "são", "um",
           "ao"},
    "it": {"il", "di", "che", "la", "della", "gli", "per", "una", "sono", "nel", "anche", "non", "alla", "del",
           "è", "un"},
    "nl": {"de", "het", "een", "van", "en", "dat", "niet", "zijn", "op", "voor", "met", "ook", "wordt", "naar"},
}
