"""Plain-text basics shared by cleaning, summarizing and answering.

Sentence splitting, word tokens, whitespace normalisation and the removal of
invisible characters from what is shown; nothing here knows about Discord or SQL.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from news.words import WORD

# Bounds on untrusted input, applied before any expensive step: an article's text is
# read up to MAX_TEXT_CHARS, a question up to MAX_QUESTION_CHARS.
MAX_TEXT_CHARS = 200_000
MAX_QUESTION_CHARS = 500

_WS = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "gen",
        "gov",
        "sen",
        "rep",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "rev",
        "hon",
        "pres",
        "supt",
        "insp",
        "det",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "al",
        "approx",
        "est",
        "fig",
    ]
)

# A sentence boundary candidate: terminal punctuation, optional closing quotes or
# brackets, whitespace, then something that can start a sentence.
_BOUNDARY = re.compile(r"""([.!?…]+["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9])""")


# Anything normalize_ws would change: a control character, whitespace other than a
# plain space or newline (\s covers what str.strip removes; zero-width space is added),
# doubled spaces, a space at a line's edge, or more than one blank line.
# The single characters are one class, and the pairs plain substring tests: an
# alternation of the two scanned a 3 KB body three times slower, on every pass.
# The class is ``\s`` without the space and newline (tests/news/test_normal_text.py
# checks it against ``\s`` over every code point), plus the control characters.
_ODD_CHAR = re.compile(
    r"[\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    r"\x00-\x08\x0e-\x1f\x7f\u200b]"
)
_ODD_PAIRS = ("  ", " \n", "\n ", "\n\n\n")


def _is_normal(text: str) -> bool:
    return _ODD_CHAR.search(text) is None and not any(pair in text for pair in _ODD_PAIRS)


# What no store can hold: a lone surrogate (half of a UTF-16 pair: JSON's "\ud800",
# XML's &#xD800;) cannot be encoded as UTF-8, so SQLite's driver raises on it, and
# PostgreSQL refuses a NUL in any text. Neither is ever meaningful text.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def sanitize(text: str) -> str:
    """``text`` without lone surrogates and NULs: applied once where text enters (an
    article's draft in ``bot.app.drafts.prepare``, a feed's fields in ``news.feed_parse``), so one
    poisoned character never fails a whole write."""
    return _UNSTORABLE.sub("", text) if _UNSTORABLE.search(text) else text


# The last few texts normalize_ws returned. A body passes through it several times on
# its way in (desk, cleaner, summarizer; a title in between), and each scan of a 3 KB
# body costs ~23 us; the same string object coming back is known to be normal without
# one. A str cannot change, and holding it keeps its identity from being reused.
# Threads may overwrite the tuple in any order: whatever it holds was returned by
# normalize_ws, so a hit is always right.
_RECENT = 4
_recent: tuple[str, ...] = ()


def normalize_ws(text: str) -> str:
    """Collapse runs of spaces, strip control characters, keep paragraph breaks."""
    global _recent
    for known in _recent:
        if text is known:
            return text
    # Text that is already normal comes back after one scan.
    if not (
        _is_normal(text)
        and not text[:1].isspace()
        and not text[-1:].isspace()
        and unicodedata.is_normalized("NFC", text)
    ):
        text = _normalize_ws(text)
    _recent = (text, *_recent[: _RECENT - 1])
    return text


def _normalize_ws(text: str) -> str:
    # Control characters go before composing, so a removed one cannot leave an accent
    # uncomposed next to its letter (normalising twice then changes nothing).
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# Characters that change how the text around them is shown, or hide in it, without
# showing themselves: the bidi marks, embeddings, overrides and isolates (U+202E makes
# "Invoice \u202efdp.exe" read "Invoice exe.pdf"), zero-width non-joiner and joiner,
# word joiner, invisible operators, the BOM, soft hyphen, Mongolian vowel separator,
# Hangul fillers, interlinear annotations and tag characters. U+200B (zero-width
# space) is not here: normalize_ws turns it into a space, and the bot's own escaping
# uses it to break mentions.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u115f\u1160\u180e\u200c-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_ZWNJ, _ZWJ = "\u200c", "\u200d"


def strip_invisible(text: str) -> str:
    """``text`` without bidi controls and invisible characters (see ``_INVISIBLE``).

    A zero-width (non-)joiner is kept only where it does a job: between two letters or
    marks of a script that uses it (Persian, Arabic, the Indic scripts; anything but
    Latin below U+0370), or, for the joiner, inside an emoji sequence. Between Latin
    letters, at an edge or next to another invisible character it is removed.
    """
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(_keep_joiner, text)


def _keep_joiner(match: re.Match[str]) -> str:
    char, text, at = match.group(), match.string, match.start()
    if char not in (_ZWNJ, _ZWJ) or at == 0 or at + 1 >= len(text):
        return ""
    before, after = text[at - 1], text[at + 1]
    if _joins_script(before) and _joins_script(after):
        return char
    if char == _ZWJ and _emoji_before_joiner(before) and unicodedata.category(after) == "So":
        return char
    return ""


def _joins_script(char: str) -> bool:
    return (
        ord(char) >= 0x370
        and unicodedata.category(char)[0] in "LM"
        and not unicodedata.name(char, "").startswith("LATIN")
    )


def _emoji_before_joiner(char: str) -> bool:
    # A pictograph, a skin tone modifier (Sk) or the emoji variation selector.
    return char == "\ufe0f" or unicodedata.category(char) in ("So", "Sk")


def content_hash(text: str, *, normalized: bool = False) -> str:
    """Hash of a body that ignores whitespace differences.

    ``normalized=True`` skips :func:`normalize_ws` for text that already went through
    it (the hash is the same: normalising twice changes nothing).
    """
    canon = " ".join((text if normalized else normalize_ws(text)).split())
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


_NEWLINES = re.compile(r"\n+")


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (blocks separated by blank lines or single newlines)."""
    if "\n" not in text:  # one line (the summarizer splits line by line): no regex
        line = text.strip()
        return [line] if line else []
    return [p.strip() for p in _NEWLINES.split(text) if p.strip()]


def _ends_with_abbreviation(para: str, start: int, end: int) -> bool:
    """Whether the last word of ``para[start:end]`` is an abbreviation or an initial.

    Only that word is read, walking back from ``end`` to the nearest whitespace: a
    sentence held open by many abbreviations ("Mr. Mr. Mr. ...") is then read once in
    all, not once per abbreviation.
    """
    first = end
    while first > start and not para[first - 1].isspace():
        first -= 1
    word = para[first:end].rstrip(".!?…\"'”’)]").lower()
    if word in _ABBREVIATIONS:
        return True
    # Single initials such as "J." in "J. Smith".
    return len(word) == 1 and word.isalpha()


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; paragraph breaks always end a sentence."""
    sentences: list[str] = []
    for para in paragraphs(text):
        start = 0
        for match in _BOUNDARY.finditer(para):
            end = match.end(1)
            if match.group(1).startswith(".") and _ends_with_abbreviation(para, start, end):
                continue
            piece = para[start:end].strip()
            if piece:
                sentences.append(piece)
            start = match.end()
        tail = para[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def words(text: str) -> list[str]:
    """Word and number tokens, in order, original case."""
    return WORD.findall(text)


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of a text, cut at a word boundary if it is long."""
    sentences = split_sentences(text)
    if not sentences:
        return ""
    first = sentences[0]
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-") + "…"
