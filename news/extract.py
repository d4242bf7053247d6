"""HTML to article fields: title, author, date, site and body text.

Owns turning a fetched page into an ``Extracted`` record, with trafilatura doing
the work and a plain paragraph reader as a fallback. It does not clean the body
(that is ``news.clean``) and never raises anything but ``ExtractionError``.
CPU-bound and synchronous: callers run it in a worker thread.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import trafilatura
from trafilatura.settings import Document, set_date_params

from news.errors import ExtractionError
from news.text import normalize_ws, split_sentences, words
from news.urls import site_of

log = logging.getLogger(__name__)

# Less than this is a login wall, a cookie notice or an error page, not an
# article: roughly two or three short sentences.
MIN_TEXT_CHARS = 200
MIN_TEXT_WORDS = 30
# fetch caps downloads at 5 MB; a larger string did not come from there and
# would only cost memory and minutes of parsing.
MAX_HTML_CHARS = 10_000_000
# trafilatura needs about a second per 10,000 tags; real article pages have a
# few thousand. Past this the page is read with the plain paragraph reader.
MAX_TRAFILATURA_TAGS = 40_000
# Share of control, private-use and replacement characters above which the
# input is binary data decoded as text, not a web page.
MAX_JUNK_CHAR_SHARE = 0.01

_NO_TEXT = "That page has no article text I could read."


@dataclass(frozen=True)
class Extracted:
    """What a page says about itself; ``text`` is raw (run it through clean_body)."""

    title: str | None
    text: str
    author: str | None
    published: datetime.date | None
    site: str | None
    url: str | None


def extract_html(html: str, url: str | None = None) -> Extracted:
    """Extract the article in ``html``; raise ExtractionError if there is none."""
    if not isinstance(html, str) or not html.strip():
        raise ExtractionError(_NO_TEXT)
    if len(html) > MAX_HTML_CHARS:
        raise ExtractionError("That page is too large for me to read.")
    if _looks_binary(html):
        raise ExtractionError("That file is not a web page I can read.")
    # Stray NULs and other controls make lxml refuse the whole document; they
    # are never part of real text.
    html = _CONTROL_CHARS.sub("", html)
    try:
        return _extract(html, url)
    except ExtractionError:
        raise
    except Exception as exc:
        # Garbage input can break the parsers in many ways; to the user it is
        # all the same: nothing readable there.
        log.warning("extraction failed for %s: %r", url, exc)
        raise ExtractionError(_NO_TEXT) from exc


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# C0/C1 controls except whitespace, surrogates, private use, U+FFFD.
_JUNK_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\uf8ff\ufffd]")
_JUNK_SAMPLE = 100_000


def _looks_binary(html: str) -> bool:
    sample = html[:_JUNK_SAMPLE]
    return len(_JUNK_CHARS.findall(sample)) > MAX_JUNK_CHAR_SHARE * len(sample)


def _date_params() -> dict[str, Any]:
    # Only structured dates (meta tags, <time>, the URL): htmldate's extensive
    # search turns a footer's "© 2023" into 1 January 2023.
    return set_date_params(extensive=False)


def _extract(html: str, url: str | None) -> Extracted:
    title = author = site = date_text = None
    text = ""
    if html.count("<") <= MAX_TRAFILATURA_TAGS:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            date_extraction_params=_date_params(),
        )
        if isinstance(doc, Document):
            title, author, site, date_text = doc.title, doc.author, doc.sitename, doc.date
            text = doc.text or ""
    if not text:
        # No body found (or the page is too big for trafilatura): the metadata
        # is still worth having. On a huge page only the <head> is read for it.
        head_end = html.find("</head>", 0, 1_000_000)
        head = html if html.count("<") <= MAX_TRAFILATURA_TAGS else html[: max(head_end, 0)]
        if head:
            meta = trafilatura.extract_metadata(
                head, default_url=url, date_config=_date_params(), extensive=False
            )
            title, author, site, date_text = meta.title, meta.author, meta.sitename, meta.date

    text = normalize_ws(text)
    if not _has_substance(text):
        # favor_precision sometimes rejects short but real articles; a plain
        # read of the <p> elements outside page chrome is the second chance.
        fallback = _paragraph_text(html)
        if len(fallback) > len(text):
            text = fallback
    if not _has_substance(text):
        raise ExtractionError(_NO_TEXT)

    return Extracted(
        title=_optional(title),
        text=text,
        author=_optional(author),
        published=_parse_date(date_text),
        site=_optional(site) or site_of(url),
        url=url,
    )


def _has_substance(text: str) -> bool:
    return (
        len(text) >= MIN_TEXT_CHARS
        and len(words(text)) >= MIN_TEXT_WORDS
        and len(split_sentences(text)) >= 2
    )


def _optional(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(normalize_ws(value).split())
    return value or None


def _parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


class _ParagraphReader(HTMLParser):
    """Collects the text of <p> elements that are not inside page chrome."""

    _CHROME = frozenset({"nav", "header", "footer", "aside", "form", "menu"})
    _SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
    _VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._stack: list[str] = []
        # Open-tag counts keep membership checks O(1) on deeply nested junk.
        self._open: dict[str, int] = {}
        self._hidden = 0
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._VOID:
            return
        if tag == "p":
            self._flush()
            self._current = []
        self._stack.append(tag)
        self._open[tag] = self._open.get(tag, 0) + 1
        if tag in self._CHROME or tag in self._SKIP:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if not self._open.get(tag):
            return
        # Close everything opened after ``tag`` too, as browsers do.
        while self._stack:
            top = self._stack.pop()
            self._open[top] -= 1
            if top in self._CHROME or top in self._SKIP:
                self._hidden -= 1
            if top == tag:
                break
        if tag == "p":
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._hidden:
            self._current.append(data)

    def _flush(self) -> None:
        if self._current is not None:
            text = " ".join("".join(self._current).split())
            if text:
                self.paragraphs.append(text)
        self._current = None

    def close(self) -> None:
        super().close()
        self._flush()


def _paragraph_text(html: str) -> str:
    reader = _ParagraphReader()
    reader.feed(html)
    reader.close()
    return normalize_ws("\n".join(reader.paragraphs))
