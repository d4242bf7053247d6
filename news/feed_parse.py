"""Feeds as text: parse RSS, Atom and JSON Feed, and find a site's feeds in its HTML.

No network and no storage here: the caller hands over bytes the safe fetcher already
capped (``news.feed_fetch``), and gets back items in a fixed shape, newest first, with
every item that cannot be used counted and explained. CPU-bound and synchronous:
callers run it in a worker thread.

RSS 0.9x/1.0/2.0 and Atom go through ``feedparser``. It is given a byte stream, never a
string: a string is taken for a URL or a file name and feedparser would open it. No DTD
is ever honoured (see ``_NoDtdReader``): feedparser's XML parser is expat set to refuse
a document type with declarations in it, wherever it stands, and its fallback parser is
given no entities; the fetcher's byte cap bounds everything else. JSON Feed 1.1 (and
1.0) is read here by hand. Text is freed of lone surrogates and NULs as it is read, and
an item that still cannot be read is refused with its reason, never the whole feed.
"""

from __future__ import annotations

import calendar
import codecs
import io
import ipaddress
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any, cast
from urllib.parse import urljoin, urlsplit
from xml.parsers import expat
from xml.sax import expatreader

import feedparser
import feedparser.api

from news.errors import InputError
from news.text import normalize_ws, sanitize
from news.urls import normalize_url

log = logging.getLogger(__name__)

# Items a parse returns at most: a feed of 10,000 items is parsed (the byte cap bounds
# that) but only its newest are handed on, and the rest are counted.
MAX_ITEMS = 200
MAX_TITLE_CHARS = 300
MAX_SUMMARY_CHARS = 2_000
MAX_CONTENT_CHARS = 100_000
MAX_FIELD_CHARS = 2_000  # guid, link, author: longer is junk, not an identifier
MAX_CATEGORIES = 20
# A date this far past "now" is a feed's clock or typo, not a publication date.
FUTURE_SLACK = timedelta(days=1)

NOT_A_FEED = "That address is not an RSS, Atom or JSON feed."


class FeedError(InputError):
    """The bytes are not a feed we can read; ``str()`` says why, in one sentence."""


@dataclass(frozen=True)
class FeedItem:
    """One usable item. ``keys`` identify it across polls: its guid and/or its
    normalised link (an item whose guid changes keeps its link, and the reverse)."""

    keys: tuple[str, ...]
    link: str | None
    title: str
    published: datetime | None
    author: str | None
    summary: str  # plain text, for cards and keyword filters
    content: str  # plain text of the item's own body, the fallback when the page fails
    date_note: str | None = None  # why ``published`` is empty (invalid, future, missing)
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    """An item that was not used, and why (one sentence)."""

    title: str
    reason: str


@dataclass(frozen=True)
class ParsedFeed:
    kind: str  # "rss", "atom" or "json"
    title: str | None
    site_url: str | None
    ttl_minutes: int | None  # RSS <ttl>: the feed asks not to be polled more often
    items: tuple[FeedItem, ...]  # newest first, at most ``limit``
    total: int  # items in the document
    refused: tuple[Refused, ...] = ()

    @property
    def over_limit(self) -> int:
        """Usable items beyond ``items`` (counted, not handed on)."""
        return max(0, self.total - len(self.items) - len(self.refused))


# --- plain text from feed HTML ---------------------------------------------------------


class _TextOnly(HTMLParser):
    _SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
    _BREAK = frozenset({"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


_TAG_HINT = re.compile(r"<[A-Za-z/!]|&[#A-Za-z]")


def plain_text(value: str | None, limit: int) -> str:
    """Text of an HTML fragment (tags dropped, entities decoded), whitespace tidied.

    The result is plain text, not safe markup: whoever shows it escapes it.
    """
    if not value:
        return ""
    value = sanitize(value[: limit * 4])
    if _TAG_HINT.search(value):
        parser = _TextOnly()
        try:
            parser.feed(value)
            parser.close()
            value = "".join(parser.parts)
        except (AssertionError, ValueError):
            value = unescape(re.sub(r"<[^>]*>", " ", value))
    text = normalize_ws(value)
    return text[:limit].strip()


def one_line(value: str | None, limit: int) -> str:
    return " ".join(plain_text(value, limit).split())[:limit]


# --- links and dates -------------------------------------------------------------------

_BAD_LINK = "its link is not an http(s) address"
_PRIVATE_LINK = "its link points to a private, local or reserved network address"


def item_link(raw: object, base: str | None) -> tuple[str | None, str | None]:
    """(link, None) for a usable http(s) link, (None, reason) for a refused one, and
    (None, None) when there is none.

    A link whose host is an IP literal outside the public internet (loopback aside, as
    the fetcher's private-URL setting allows) is refused here, before anything connects;
    names are checked by the fetcher when the page is fetched.
    """
    if not isinstance(raw, str) or not raw.strip():
        return None, None
    text = sanitize(raw).strip()[:MAX_FIELD_CHARS]
    if base and not urlsplit(text).scheme:
        text = urljoin(base, text)
    if normalize_url(text) is None:
        return None, _BAD_LINK
    host = (urlsplit(text).hostname or "").strip("[]")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return text, None
    from news.fetch import is_public_or_loopback  # aiohttp is slow to import

    if not is_public_or_loopback(ip):
        return None, _PRIVATE_LINK
    return text, None


def _checked_date(moment: datetime | None, now: datetime) -> tuple[datetime | None, str | None]:
    if moment is None:
        return None, "the item has no date"
    if moment > now + FUTURE_SLACK:
        return None, "the item's date is in the future"
    return moment, None


def _struct_date(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _iso_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()[:64].replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
        # 9999-12-31T23:59:59-01:00 is a valid date whose UTC is past year 9999.
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


# --- parsing ---------------------------------------------------------------------------


@dataclass
class _Raw:
    guid: str | None
    link: object
    title: str | None
    published: datetime | None
    invalid_date: bool
    author: str | None
    summary: str | None
    content: str | None
    position: int = 0
    error: str | None = None  # why the item could not be read; it is refused with this
    categories: tuple[str, ...] = ()


def _unreadable(position: int, title: object, err: Exception) -> _Raw:
    """An item a reader raised on: refused with the reason, never the feed with it."""
    log.warning("feed item %d could not be read", position, exc_info=err)
    title = title if isinstance(title, str) else None
    why = f"it could not be read ({type(err).__name__})"
    return _Raw(None, None, title, None, False, None, None, None, position, why)


def parse_feed(
    body: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    limit: int = MAX_ITEMS,
    now: datetime | None = None,
) -> ParsedFeed:
    """The feed in ``body`` (already size-capped), its newest ``limit`` usable items first.

    Raises :class:`FeedError` when the bytes are not a feed.
    """
    now = now or datetime.now(UTC)
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    try:
        if mimetype in ("application/feed+json", "application/json") or stripped[:1] == b"{":
            kind, title, site, ttl, raws = _parse_json(body, content_type)
        else:
            kind, title, site, ttl, raws = _parse_xml(body, content_type)
    except FeedError:
        raise
    except Exception as err:
        # A parser failing on a hostile document fails the feed with a reason (a poll
        # failure: counted, backed off, paused), not with a traceback.
        log.warning("feed document could not be read", exc_info=True)
        raise FeedError(f"That feed could not be read ({type(err).__name__}).") from None
    return _finish(kind, title, site, ttl, raws, base=url, limit=limit, now=now)


def _parse_xml(
    body: bytes, content_type: str | None
) -> tuple[str, str | None, str | None, int | None, list[_Raw]]:
    # No content-location: feedparser would resolve guids against it, and an item's
    # identity must not change when the feed moves.
    headers = {"content-type": content_type} if content_type else {}
    # A stream, never a str or bytes: feedparser opens a string that names a file or URL.
    try:
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers=headers, resolve_relative_uris=False
        )
    except _DtdRefused:
        raise FeedError(DTD_REFUSED) from None
    version = str(parsed.get("version") or "")
    if not version and not parsed.entries:
        raise FeedError(NOT_A_FEED)
    kind = "atom" if version.startswith("atom") else "rss"
    feed = parsed.feed
    raws = []
    for position, entry in enumerate(parsed.entries):
        try:
            raws.append(_xml_raw(entry, position))
        except Exception as err:
            raws.append(_unreadable(position, entry.get("title"), err))
    ttl = _int(feed.get("ttl"))
    return kind, feed.get("title"), _text(feed.get("link")), ttl, raws


def _xml_raw(entry: Any, position: int) -> _Raw:
    # dict.get: FeedParserDict.get maps a missing "published" to "updated" with a
    # DeprecationWarning; the fallback is spelled out here instead.
    struct = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    published = _struct_date(struct)
    raw_date = dict.get(entry, "published") or dict.get(entry, "updated")
    content = entry.get("content") or []
    body_html = " ".join(str(part.get("value") or "") for part in content[:3])
    return _Raw(
        guid=_text(entry.get("id")),
        link=entry.get("link"),
        title=entry.get("title"),
        published=published,
        invalid_date=bool(raw_date) and published is None,
        author=_text(entry.get("author")),
        summary=entry.get("summary"),
        content=body_html or None,
        position=position,
        categories=_categories(
            tag.get("term") for tag in entry.get("tags") or () if isinstance(tag, dict)
        ),
    )


# --- no DTD is honoured, whatever stands before it --------------------------------------

DTD_REFUSED = "That feed declares a DTD of its own (entities), which I don't read."


class _DtdRefused(ValueError):
    """Raised inside the XML parser. Not a SAXException: feedparser would take that for
    broken XML and try its loose parser; this stops the parse, and the feed is refused."""


class _NoDtdReader(expatreader.ExpatParser):
    """feedparser's strict parser: expat, refusing a document type that carries
    declarations (its internal subset, where "billion laughs" entities live) the moment
    the parser itself meets it. No pattern over the text decides where the DOCTYPE is,
    so no comment, processing instruction, BOM or whitespace before it can hide it. A
    bare ``<!DOCTYPE rss PUBLIC ...>`` (old RSS 0.91) is read, its DTD never loaded:
    feedparser turns external entities off and parameter entities are never parsed."""

    def reset(self) -> None:
        super().reset()
        parser = cast(Any, self)._parser  # the expat parser reset() just made
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def _doctype(self, name: str, sysid: str, pubid: str, has_internal_subset: bool) -> None:
        if has_internal_subset:
            raise _DtdRefused(DTD_REFUSED)

    def _refuse(self, *declaration: object) -> None:
        raise _DtdRefused(DTD_REFUSED)


def create_parser() -> _NoDtdReader:
    """What ``xml.sax.make_parser`` calls on a module it is given by name (below)."""
    return _NoDtdReader()


class _LooseNoEntities(feedparser.api.LooseFeedParser):
    """feedparser's fallback for XML expat cannot read. It would expand the entities a
    pattern finds in the document's head (a big one, referenced many times, is the
    quadratic blow-up); it is given none."""

    def __init__(
        self, baseuri: Any = None, baselang: Any = None, encoding: Any = None, entities: Any = None
    ) -> None:
        super().__init__(baseuri, baselang, encoding, None)

    def handle_charref(self, ref: str) -> None:
        # &#xD800; (half a surrogate pair), &#0; or past U+10FFFF is no character: the
        # reference is dropped, where feedparser's own would fail the whole document.
        hexadecimal = ref[:1] in "xX"
        try:
            code = int(ref[1:], 16) if hexadecimal else int(ref)
        except ValueError:
            return
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            super().handle_charref(ref)


# feedparser takes its XML parser by module name from this list, and builds its fallback
# from this class: both are set once, here, for every parse in the process.
feedparser.api.PREFERRED_XML_PARSERS[:] = [__name__]
feedparser.api.LooseFeedParser = _LooseNoEntities


def _decode_json(body: bytes, content_type: str | None) -> str:
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _parse_json(
    body: bytes, content_type: str | None
) -> tuple[str, str | None, str | None, int | None, list[_Raw]]:
    try:
        doc = json.loads(_decode_json(body, content_type))
    except (ValueError, RecursionError):
        raise FeedError("That feed is not valid JSON.") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedError(NOT_A_FEED)
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError("That JSON feed has no list of items.")
    raws = []
    for position, item in enumerate(items):
        if isinstance(item, dict):
            try:
                raws.append(_json_raw(item, doc, position))
            except Exception as err:
                raws.append(_unreadable(position, item.get("title"), err))
    return "json", _text(doc.get("title")), _text(doc.get("home_page_url")), None, raws


def _json_raw(item: dict[str, Any], doc: dict[str, Any], position: int) -> _Raw:
    published = _iso_date(item.get("date_published")) or _iso_date(item.get("date_modified"))
    raw_date = item.get("date_published") or item.get("date_modified")
    return _Raw(
        guid=_text(item.get("id")),
        link=item.get("url") or item.get("external_url"),
        title=_text(item.get("title")),
        published=published,
        invalid_date=bool(raw_date) and published is None,
        author=_json_author(item) or _json_author(doc),
        summary=_text(item.get("summary")),
        content=_text(item.get("content_html")) or _text(item.get("content_text")),
        position=position,
        categories=_categories(tags if isinstance(tags := item.get("tags"), list) else ()),
    )


def _json_author(obj: Mapping[str, Any]) -> str | None:
    authors = obj.get("authors")
    if isinstance(authors, list):
        names = [_text(a.get("name")) for a in authors[:5] if isinstance(a, dict)]
        joined = ", ".join(name for name in names if name)
        if joined:
            return joined
    author = obj.get("author")
    return _text(author.get("name")) if isinstance(author, dict) else None


def _text(value: object) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = sanitize(value).strip()[:MAX_FIELD_CHARS]
    return value or None


def _categories(values: Iterable[object]) -> tuple[str, ...]:
    """An item's categories (RSS <category>, Atom <category term>, JSON Feed tags), for
    the filters: at most MAX_CATEGORIES of at most 100 characters, each on one line."""
    found: dict[str, None] = {}
    for value in values:
        text = one_line(_text(value), 100)
        if text:
            found[text] = None
        if len(found) >= MAX_CATEGORIES:
            break
    return tuple(found)


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= 7 * 24 * 60 else None


def _finish(
    kind: str,
    title: str | None,
    site: str | None,
    ttl: int | None,
    raws: list[_Raw],
    *,
    base: str | None,
    limit: int,
    now: datetime,
) -> ParsedFeed:
    # Newest first: dated items by date, then undated ones in the document's order
    # (feeds list newest first). Only the first ``limit`` are built into items.
    dated = sorted(
        (raw for raw in raws if raw.published is not None and raw.published <= now + FUTURE_SLACK),
        key=lambda raw: raw.published or now,
        reverse=True,
    )
    chosen = {id(raw) for raw in dated}
    ordered = dated + [raw for raw in raws if id(raw) not in chosen]
    items: list[FeedItem] = []
    refused: list[Refused] = []
    for raw in ordered:
        if len(items) >= limit:
            break
        try:
            made = _item(raw, base, now)
        except Exception as err:  # what no rule here foresaw refuses the item, not the feed
            made = _refused(_unreadable(raw.position, raw.title, err))
        if isinstance(made, FeedItem):
            items.append(made)
        else:
            refused.append(made)
    return ParsedFeed(
        kind=kind,
        title=one_line(title, MAX_TITLE_CHARS) or None,
        site_url=item_link(site, base)[0],
        ttl_minutes=ttl,
        items=tuple(items),
        total=len(raws),
        refused=tuple(refused),
    )


def _refused(raw: _Raw) -> Refused:
    try:
        title = one_line(raw.title, MAX_TITLE_CHARS)
    except Exception:
        title = ""
    return Refused(title or "(untitled)", raw.error or "it could not be read")


def _item(raw: _Raw, base: str | None, now: datetime) -> FeedItem | Refused:
    if raw.error is not None:
        return _refused(raw)
    item_title = one_line(raw.title, MAX_TITLE_CHARS)
    link, reason = item_link(raw.link, base)
    if reason is not None:
        return Refused(item_title or "(untitled)", reason)
    keys = _keys(raw.guid, link)
    if not keys:
        return Refused(item_title or "(untitled)", "it has neither an id nor a link")
    published, note = _checked_date(raw.published, now)
    if raw.invalid_date:
        note = "the item's date could not be read"
    summary = plain_text(raw.summary or raw.content, MAX_SUMMARY_CHARS)
    content = plain_text(raw.content or raw.summary, MAX_CONTENT_CHARS)
    return FeedItem(
        keys=keys,
        link=link,
        title=item_title or one_line(summary, 120),
        published=published,
        author=one_line(raw.author, 200) or None,
        summary=summary,
        content=content,
        date_note=note,
        categories=raw.categories,
    )


def _keys(guid: str | None, link: str | None) -> tuple[str, ...]:
    keys = []
    if guid:
        keys.append("id:" + guid)
    norm = normalize_url(link) if link else None
    if norm:
        keys.append("url:" + norm)
    return tuple(keys)


def matches(item: FeedItem, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """The moderator's keyword filter: any include word (if any are set) and no exclude
    word, matched as whole words, case-insensitively, in the title and summary."""
    text = f"{item.title} {item.summary}".casefold()

    def found(word: str) -> bool:
        word = word.strip().casefold()
        return bool(word) and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None

    include = [w for w in include if w.strip()]
    if include and not any(found(w) for w in include):
        return False
    return not any(found(w) for w in exclude)


def keywords(text: str | None) -> tuple[str, ...]:
    """A moderator's comma-separated words, tidied (at most 20 of at most 50 characters)."""
    if not text:
        return ()
    words = [" ".join(w.split())[:50] for w in text.split(",")]
    return tuple(dict.fromkeys(w for w in words if w))[:20]
