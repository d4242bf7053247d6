"""Conditional download of a feed, under the same rules as every page we fetch.

The SSRF rules, the pinned resolver, the redirect limit and the byte cap are
``news.fetch``'s own; this adds what polling needs: ETag and Last-Modified sent back
(an unchanged feed costs a 304), feed and XML content types accepted, a permanent
redirect reported so the subscription can move, and the server's Cache-Control.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import aiohttp

from news.errors import FetchError
from news.fetch import (
    USER_AGENT,
    IpPolicy,
    _megabytes,
    _PinnedResolver,
    _read_limited,
    follow,
    is_public_address,
    is_public_or_loopback,
)

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
    policy = is_allowed_ip or (is_public_or_loopback if allow_private else is_public_address)
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    resolver = _PinnedResolver()
    try:
        async with asyncio.timeout(timeout):
            connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False)
            async with aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=timeout),
                trust_env=False,
            ) as session:
                return await _get(
                    session, resolver, url, headers, policy, max_bytes, max_redirects, timeout
                )
    except TimeoutError:
        raise FetchError("The site took too long to answer.") from None


async def _get(
    session: aiohttp.ClientSession,
    resolver: _PinnedResolver,
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
        raise FetchError(f"That feed is larger than the {_megabytes(max_bytes)} I accept.")
    try:
        body = await _read_limited(resp, max_bytes)
    except FetchError:
        raise FetchError(
            f"That feed is larger than the {_megabytes(max_bytes)} I accept."
        ) from None
    return FeedResponse(status=resp.status, body=body, content_type=content_type, **common)  # type: ignore[arg-type]
