"""Conditional download of a feed, under the same rules as every page we fetch.

The SSRF rules, the pinned resolver, the redirect limit and the byte cap are
``news.fetch``'s own; this adds what polling needs: ETag and Last-Modified sent back
(an unchanged feed costs a 304), feed and XML content types accepted, a permanent
redirect reported so the subscription can move, and the server's Cache-Control. And
what a fetched document is: a feed, or a page whose ``<link rel="alternate">`` announce
feeds (discovery).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

import aiohttp

from news.errors import FetchError
from news.feed_parse import item_link, one_line
from news.fetch import (
    USER_AGENT,
    IpPolicy,
    PinnedResolver,
    address_policy,
    follow,
    megabytes,
    read_limited,
    safe_session,
)
from news.urls import normalize_url

MAX_FEED_BYTES = 2 * 1024 * 1024
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9,"
    " application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1"
)
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d{1,9})", re.IGNORECASE)
_REFUSED_TYPES = ("image/", "audio/", "video/", "font/")


@dataclass(frozen=True)
class FeedResponse:
    """One poll's answer. ``body`` is empty on a 304; ``moved_to`` is set when every
    redirect on the way was permanent (301/308), so the stored URL should change."""

    status: int
    url: str
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    max_age_minutes: int | None
    moved_to: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _max_age(header: str | None) -> int | None:
    if not header:
        return None
    if "no-store" in header.lower() or "no-cache" in header.lower():
        return None
    match = _MAX_AGE.search(header)
    if not match:
        return None
    return min(int(match.group(1)) // 60, 7 * 24 * 60) or None


async def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool = False,
    max_bytes: int = MAX_FEED_BYTES,
    max_redirects: int = 5,
    timeout: float = 15.0,  # noqa: ASYNC109 - enforced with asyncio.timeout below
    is_allowed_ip: IpPolicy | None = None,
) -> FeedResponse:
    """GET a feed (or a page that may announce one) or raise FetchError saying why not."""
    policy = address_policy(allow_private, is_allowed_ip)
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(timeout):
            async with safe_session(timeout) as (session, resolver):
                return await _get(
                    session, resolver, url, headers, policy, max_bytes, max_redirects, timeout
                )
    except TimeoutError:
        raise FetchError("The site took too long to answer.") from None


async def _get(
    session: aiohttp.ClientSession,
    resolver: PinnedResolver,
    url: str,
    headers: dict[str, str],
    policy: IpPolicy,
    max_bytes: int,
    max_redirects: int,
    request_timeout: float,
) -> FeedResponse:
    async def read(resp: aiohttp.ClientResponse, final: str, hops: tuple[int, ...]) -> FeedResponse:
        # Moved for good only when every redirect on the way was permanent.
        permanent = all(status in (301, 308) for status in hops)
        moved = final if permanent and final != url else None
        return await _read(resp, final, moved, max_bytes)

    return await follow(
        session,
        resolver,
        url,
        read,
        policy=policy,
        headers=headers,
        max_redirects=max_redirects,
        request_timeout=request_timeout,
        noun="feed",
    )


async def _read(
    resp: aiohttp.ClientResponse, url: str, moved: str | None, max_bytes: int
) -> FeedResponse:
    common = {
        "url": url,
        "etag": resp.headers.get("ETag"),
        "last_modified": resp.headers.get("Last-Modified"),
        "max_age_minutes": _max_age(resp.headers.get("Cache-Control")),
        "moved_to": moved,
    }
    if resp.status == 304:
        return FeedResponse(status=304, body=b"", content_type=None, **common)  # type: ignore[arg-type]
    if resp.status in (404, 410):
        raise FetchError(f"The site says that feed does not exist (HTTP {resp.status}).")
    if not 200 <= resp.status < 300:
        raise FetchError(f"The site refused to give me that feed (HTTP {resp.status}).")
    content_type = resp.headers.get("Content-Type")
    if content_type and content_type.lower().startswith(_REFUSED_TYPES):
        raise FetchError("That link is not a feed or a web page.")
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise FetchError(f"That feed is larger than the {megabytes(max_bytes)} I accept.")
    try:
        body = await read_limited(resp, max_bytes)
    except FetchError:
        raise FetchError(f"That feed is larger than the {megabytes(max_bytes)} I accept.") from None
    return FeedResponse(status=resp.status, body=body, content_type=content_type, **common)  # type: ignore[arg-type]


FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
    "application/rdf+xml": "rss",
    "application/xml": "rss",
    "text/xml": "rss",
}


@dataclass(frozen=True)
class FeedLink:
    """A feed a page announces with ``<link rel="alternate">``."""

    url: str
    kind: str
    title: str | None


# --- what a fetched document is ----------------------------------------------------------

_XML_FEED_ROOT = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(?:rss|feed|RDF)[\s>]")
_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)


def looks_like_feed(body: bytes, content_type: str | None) -> bool:
    """True when a fetched document is a feed rather than an HTML page."""
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    if mimetype in FEED_TYPES:
        return True
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return b"jsonfeed.org" in body[:8192]
    if _HTML_ROOT.search(head[:1024]):
        return False
    return bool(_XML_FEED_ROOT.search(head))


# --- discovery ---------------------------------------------------------------------------


class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        elif tag in ("link", "a") and "alternate" in values.get("rel", "").lower().split():
            self.links.append(values)
        if len(self.links) > 50:
            raise StopIteration

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def discover(html: str, page_url: str) -> list[FeedLink]:
    """Feeds the page announces with ``<link rel="alternate">``, in page order, no repeats."""
    parser = _Alternates()
    try:
        parser.feed(html[:2_000_000])
        parser.close()
    except (StopIteration, AssertionError, ValueError):
        pass
    base = urljoin(page_url, parser.base) if parser.base else page_url
    found: list[FeedLink] = []
    seen: set[str] = set()
    for values in parser.links:
        kind = FEED_TYPES.get(values.get("type", "").split(";")[0].strip().lower())
        href = values.get("href", "").strip()
        if kind is None or not href:
            continue
        link, reason = item_link(href, base)
        norm = normalize_url(link) if link else None
        if link is None or reason or norm is None or norm in seen:
            continue
        seen.add(norm)
        found.append(FeedLink(link, kind, one_line(values.get("title"), 100) or None))
    return found
