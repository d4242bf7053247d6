"""Scraped junk out of article titles and bodies.

Owns the rules that turn extracted text into a readable body: repeated titles,
image credits and captions, "hover cards" glued into sentences, and promo or
boilerplate lines. Pure functions, no I/O; safe to run in a worker thread.
"""

from __future__ import annotations

import re

from news.text import normalize_ws, strip_invisible

# --- titles ------------------------------------------------------------------

# " | " is almost always a site separator; dashes and colons are also used inside
# headlines, so a segment after them is only dropped when it looks like a name.
_PIPE_SUFFIX = re.compile(r"\s+(?:\||·|•|::|»)\s+(?P<suffix>[^|·•»]{1,60})$")
_DASH_SUFFIX = re.compile(r"\s+(?:-|–|—)\s+(?P<suffix>[^-–—]{1,40})$")
# A site name: a few capitalised words, acronyms or a domain ("BBC News",
# "The Daily Example", "example.com").
_SITE_NAME = re.compile(
    r"^(?:(?:[A-Z0-9][\w&'’.!]*|of|the|and|on|de|la|du|for)\s?){1,5}$|^[\w-]+(?:\.[\w-]+)+$"
)
# Longest possible suffix match: one space, a separator of up to two characters,
# one space and a 60-character suffix (the title's spaces are single).
_SUFFIX_WINDOW = 64
_TITLE_QUOTES = "\"'“”‘’"


# What str.isalnum() keeps, as one regex (\w is isalnum() plus "_", for every code point;
# tests/news/test_clean.py checks it): a character-by-character join was 0.07 ms of the
# ~1 ms an imported article takes to prepare.
_NOT_ALNUM = re.compile(r"[\W_]+")


def _title_key(text: str) -> str:
    """A comparison key that ignores case, punctuation and spacing."""
    return _NOT_ALNUM.sub("", text.casefold())


def clean_title(title: str) -> str:
    """A one-line title without a trailing site suffix such as " | Site Name"."""
    # A title is shown in every card and list: nothing in it may hide or reorder text.
    text = " ".join(strip_invisible(normalize_ws(title)).split())
    # Possibly several suffixes ("Headline | Politics | Example News"). Each
    # round looks only at the end of what is left: spaces are single here, so a
    # suffix match is at most _SUFFIX_WINDOW characters long, and ``end`` moves
    # left instead of the title being copied. Work stays linear in the title.
    end = len(text)
    # The head keeps at least three words while ``end`` is past the second space.
    second_space = text.find(" ", text.find(" ") + 1)
    while True:
        window = max(0, end - _SUFFIX_WINDOW)
        match = _PIPE_SUFFIX.search(text, window, end) or _DASH_SUFFIX.search(text, window, end)
        if not match:
            break
        head_end = match.start()
        while head_end and text[head_end - 1] == " ":
            head_end -= 1
        suffix = match.group("suffix").strip()
        is_pipe = match.re is _PIPE_SUFFIX
        # Only cut when what stays is clearly the headline: longer than the
        # suffix and more than a couple of words.
        if not 0 <= second_space < head_end or head_end <= len(suffix):
            break
        if not is_pipe and not _SITE_NAME.match(suffix):
            break
        end = head_end
    text = text[:end]
    # Whole-title wrapping quotes are decoration; inner quotes are kept.
    if len(text) > 2 and text[0] in _TITLE_QUOTES and text[-1] in _TITLE_QUOTES:
        inner = text[1:-1].strip()
        if not any(q in inner for q in _TITLE_QUOTES):
            text = inner
    return text


# --- hover cards -------------------------------------------------------------

# Some sites render a profile card inside the link around a person's name; a
# scraper flattens it into "Mark SmithMark SmithLatest headline | other MORE".
# The name is 1-4 capitalised words (bounded lengths keep the regex linear),
# repeated with no space; the card is a glued run of text ending in " MORE".
_NAME_WORD = r"[A-Z][\w'’.-]{0,30}?"
_HOVER_CARD = re.compile(
    rf"(?<![\w'’.-])(?P<name>{_NAME_WORD}(?: {_NAME_WORD}){{0,3}})(?P=name)+"
    r"(?:(?P<card>[^\s][^\n]{0,1500}?)\sMORE\b)?"
)


# A doubled name ends where its copy starts: a capital right after a name's last
# character ([\w'’.-], as _HOVER_CARD reads \w: isalnum or "_").
_CAPITAL = re.compile("[A-Z]")
_NAME_PUNCT = "_'’.-"
_NAME_MAX = 4 * 31 + 3  # the longest name _HOVER_CARD matches: four words of 31
_GLUED_MAX = 40  # glued capitals checked one by one; a line with more runs the regex


def _may_hold_card(line: str) -> bool:
    """Whether the line can hold a hover card: a glued capital that starts a copy of the
    text before it, back to an earlier occurrence of the same capital.

    Lines without one skip _HOVER_CARD, which backtracks at every capital (0.11 ms of an
    article's 0.8 ms of preparation). Most lines have a glued capital (an acronym, a
    camel-cased brand), few a doubled name. A necessary condition only: the regex decides.
    A regex for the glued capital alone cost more than this loop over the capitals.
    """
    glued = 0
    for capital in _CAPITAL.finditer(line):
        at = capital.start()
        before = line[at - 1 : at]
        if not before or not (before.isalnum() or before in _NAME_PUNCT):
            continue
        glued += 1
        if glued > _GLUED_MAX:
            return True
        low = max(0, at - _NAME_MAX)
        start = line.rfind(line[at], low, at)
        while start >= 0:
            if line.startswith(line[start:at], at):
                return True
            start = line.rfind(line[at], low, start)
    return False


def _fix_hover_cards(line: str) -> str:
    if not _may_hold_card(line):
        return line

    def keep_name(match: re.Match[str]) -> str:
        name = match.group("name")
        # A single short word doubled ("DoDo") is more likely a real word than a
        # flattened card; only trust it when the card text confirms it.
        if " " not in name and len(name) < 4 and match.group("card") is None:
            return match.group(0)
        return name

    # Removing one doubling can expose another ("WinterWinterAWinterA"); repeat
    # until stable so cleaning twice equals cleaning once. Each round shrinks
    # the line, and the cap bounds the cost on adversarial input.
    for _ in range(8):
        fixed = _HOVER_CARD.sub(keep_name, line)
        if fixed == line:
            break
        line = fixed
    return line


# --- credits and captions ----------------------------------------------------

_AGENCY = (
    r"(?:AFP|AP|EPA(?:-EFE)?|PA(?: Media| Wire)?|Reuters|Getty(?: Images)?|Shutterstock|"
    r"Alamy(?: Stock Photo)?|iStock(?:photo)?|Bloomberg|Xinhua|Anadolu(?: Agency)?|"
    r"NurPhoto|SOPA Images|LightRocket|Corbis|Rex(?: Features)?|ZUMA(?: Press| Wire)?|"
    r"Handout|File(?: photo)?|Pool|Universal Images Group|UIG|Sipa(?: USA)?|WireImage|"
    r"Associated Press|The Associated Press|Agence France-Presse)"
)
_CREDIT_LINES = [
    # "© Getty", "(c) Jane Doe", "Copyright 2024 Example Media. All rights reserved."
    # A bare "Copyright" prefix is not enough: "Copyright law changed..." is news.
    re.compile(r"^(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4}))[^\n]{0,150}$", re.IGNORECASE),
    # "Photo: Reuters", "Photograph by Jane Doe", "Image credit: AFP"
    re.compile(
        r"^(?:photo(?:graph)?|picture|pic|image|illustration|graphic|video|"
        r"photo illustration)s?(?: credit)?\s*(?::|by\b|/)[^\n]{0,80}(?<![.!?])$",
        re.IGNORECASE,
    ),
    # BBC-style labels kept in the flattened text
    re.compile(r"^(?:image|media|video) (?:copyright|caption|source)\b[^\n]{0,300}$", re.I),
    re.compile(r"^(?:credit|credits|source)\s*:[^\n]{0,60}$", re.IGNORECASE),
    # A line that is only agencies: "Getty Images", "AFP via Getty Images"
    re.compile(rf"^(?:{_AGENCY}\s*(?:/|via|,|and|&|-|\||$)\s*)+$", re.IGNORECASE),
    # "Jane Doe/Getty Images", "Jane Doe / AFP via Getty Images"
    re.compile(rf"^[\w .'’-]{{1,40}}\s*/\s*{_AGENCY}(?:\s+via\s+{_AGENCY})?\.?$", re.I),
]
# "(AP Photo/John Doe)", "(Photo: Reuters)", "(Photo by Jane Doe/Getty Images)"
_INLINE_CREDIT = re.compile(
    r"\s*\((?:[A-Z][\w.&-]{0,20} )?(?:photo|photograph|image|picture|pic)s?"
    r"(?=[/:)]| by\b| credit\b)[^()\n]{0,100}\)",
    re.IGNORECASE,
)


# Tried at every length up to 150, so asked only of lines that end the right way: the
# test on the last seven characters holds for every line it matches, "reserved." before
# a final newline that "$" allows included ("erved" has no letter that IGNORECASE lets
# another character stand for).
_RESERVED = re.compile(r"^[^\n]{0,150}all rights reserved\.?$", re.IGNORECASE)


def _one_of(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One regex that matches where any of ``patterns`` (each IGNORECASE) would: one
    call per line instead of one per pattern (credits and promos were 33 us an
    article, most of it in the calls)."""
    assert all(p.flags & re.IGNORECASE for p in patterns)
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


_CREDIT = _one_of(_CREDIT_LINES)


def _is_credit(line: str) -> bool:
    return bool(_CREDIT.match(line) or ("erved" in line[-7:].lower() and _RESERVED.match(line)))


# --- promos and boilerplate --------------------------------------------------

# Each pattern matches a whole line; the length caps make sure a real paragraph
# that happens to start the same way is never dropped.
_PROMO_LINES = [
    re.compile(r"^read more\b[^\n]{0,200}$", re.IGNORECASE),
    re.compile(
        r"^(?:advertisement|advertising|ad|sponsored(?: content)?|story continues below"
        r"(?: advertisement)?|continue reading(?: below)?|scroll to continue)[.:]?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:sign up|subscribe)\b[^\n]{0,160}"
        r"(?:newsletter|inbox|alerts|briefing|updates|free|now|today|here)\b[^\n]{0,60}$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?:subscribe(?: now)?|already a subscriber\??|log ?in|sign in)[.!]?$", re.I),
    re.compile(
        r"^follow (?:us|[\w .@'’-]{1,40}) on (?:twitter|x|facebook|instagram|tiktok|"
        r"threads|bluesky|linkedin|youtube|google news)\b[^\n]{0,80}$",
        re.IGNORECASE,
    ),
    re.compile(r"^click here\b[^\n]{0,160}$", re.IGNORECASE),
    re.compile(r"^share (?:this|on|via)\b[^\n]{0,60}$", re.IGNORECASE),
    re.compile(
        r"^(?:share|comments?|\d+ comments?|print|email|tweet|save|"
        r"copy link|link copied)[.!]?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:related|related (?:articles?|stories|coverage|content|links)|"
        r"see also|also read|more on this story|recommended|most read|trending)"
        r"(?:\s*:[^\n]{0,160})?$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?:watch|listen|video)\s*:[^\n]{0,160}$", re.IGNORECASE),
]

# "By Jane Doe", "By Jane Doe and John Roe, CNN", "BY JANE DOE | Example News"
_BYLINE_NAME = r"[A-Z][\w.'’-]*(?: (?:[A-Z][\w.'’-]*|de|van|von|der|da|di|la|le|bin)){0,3}"
_BYLINE_ORG = r"[A-Z][\w&'’.-]*(?: [A-Z][\w&'’.-]*){0,4}"
_BYLINE = re.compile(
    rf"^(?i:by) {_BYLINE_NAME}(?:(?:,| and| &) {_BYLINE_NAME})*"
    rf"(?:\s*(?:,|\||-|–|—|for)\s*{_BYLINE_ORG})?$",
)


_PROMO = _one_of(_PROMO_LINES)


def _is_promo(line: str) -> bool:
    return bool(_PROMO.match(line))


def _is_byline(line: str) -> bool:
    return len(line) <= 120 and bool(_BYLINE.match(line))


# --- body --------------------------------------------------------------------

# A paragraph that ends on a letter or digit and is long enough to be a sentence
# (not a subheading) lost its full stop in scraping.
_MIN_WORDS_FOR_FULL_STOP = 10


def _add_full_stop(line: str) -> str:
    if line[-1:].isalnum() and len(line.split()) >= _MIN_WORDS_FOR_FULL_STOP:
        return line + "."
    return line


def _is_title(line: str, title_keys: set[str]) -> bool:
    return bool(title_keys) and (
        _title_key(line) in title_keys or _title_key(clean_title(line)) in title_keys
    )


def clean_body(text: str, title: str | None = None) -> str:
    """The body without scraped junk, paragraphs separated by a blank line.

    ``title`` (raw or cleaned) lets a repeated title at the top be removed.
    """
    title_keys: set[str] = set()
    if title:
        title_keys = {_title_key(title), _title_key(clean_title(title))} - {""}

    kept: list[str] = []
    for raw in normalize_ws(text).split("\n"):
        # Every inline credit is in brackets: most lines skip the regex.
        line = (_INLINE_CREDIT.sub("", raw) if "(" in raw else raw).strip()
        if not line:
            continue
        line = " ".join(_fix_hover_cards(line).split())
        if _is_credit(line) or _is_promo(line):
            continue
        # The top of a scraped page repeats the title (sometimes twice) and a
        # bare byline; anything after the first real paragraph is left alone.
        if not kept and (_is_title(line, title_keys) or _is_byline(line)):
            continue
        line = _add_full_stop(line)
        # Scrapers often emit a block twice in a row; one copy is enough.
        if kept and kept[-1] == line:
            continue
        kept.append(line)
    # Dropping a piece can leave a mark uncomposed beside its letter: normalising here
    # makes the body normal as stored, and lets the summarizer skip its own scan.
    return normalize_ws("\n\n".join(kept))
