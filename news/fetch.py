"""Safe download of one web page for the news desk.

Owns the rules a URL from a Discord user must pass before we touch the network:
http(s) only, no private or local addresses (checked on every redirect and
pinned so DNS cannot change its answer between check and connect), bounded
size, time and redirects, HTML only. Every refusal is a ``FetchError`` whose
message is one sentence for the user.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from news.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpPolicy = Callable[[IPAddress], bool]

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class FetchedPage:
    """A downloaded HTML page; ``url`` is where it was found after redirects."""

    url: str
    html: str
    content_type: str


# --- which addresses we talk to ----------------------------------------------


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # IPv6 forms that carry an IPv4 address would otherwise smuggle
    # 127.0.0.1 or 10.x past a check that only looks at the IPv6 ranges.
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


# Ranges that Python 3.11's ``is_global`` still counts as global, from the IANA
# IPv4 and IPv6 Special-Purpose Address Registries (iana-ipv4-special-registry,
# iana-ipv6-special-registry): blocks marked not globally reachable that the stdlib
# is behind on, and anycast service blocks (PCP, TURN, AS112, AMT, 6to4 relays)
# that are infrastructure, not hosts that serve articles. Newer Pythons mark some
# of these themselves; naming them here keeps the policy the same on every 3.11+.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(net)
    for net in (
        "192.0.0.0/24",  # IETF protocol assignments, incl. PCP/TURN anycast .9 and .10
        "192.31.196.0/24",  # AS112-v4
        "192.52.193.0/24",  # AMT
        "192.88.99.0/24",  # deprecated 6to4 relay anycast (RFC 7526)
        "192.175.48.0/24",  # AS112 direct delegation
        "2001::/23",  # IETF protocol assignments (Teredo, PCP/TURN anycast, AMT, AS112, ORCHID)
        "2620:4f:8000::/48",  # AS112 direct delegation
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs (RFC 9602)
    )
)


def is_public_address(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (the default policy)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public_address(embedded):
            return False
        # Deprecated site-local (fec0::/10, RFC 3879): still global to 3.11's stdlib.
        if ip.is_site_local:
            return False
    # is_global alone lets multicast through, so every class is named.
    return (
        ip.is_global
        and not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
        )
        and not any(ip in net for net in _NOT_PUBLIC)
    )


def is_public_or_loopback(ip: IPAddress) -> bool:
    """The ``allow_private`` policy: public addresses and this machine's loopback.

    For tests and a server on the same machine. Link-local (cloud metadata at
    169.254.169.254), private and reserved ranges stay refused: feeds follow
    links no moderator has looked at.
    """
    return ip.is_loopback or is_public_address(ip)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class PinnedResolver(AbstractResolver):
    """Answers only with addresses fetch_html has already checked.

    aiohttp would otherwise resolve the name again when connecting, and a
    hostile DNS server could answer 127.0.0.1 the second time (DNS rebinding).
    """

    def __init__(self) -> None:
        self._pins: dict[str, list[ResolveResult]] = {}

    def pin(self, host: str, results: list[ResolveResult]) -> None:
        self._pins[host] = results

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        pinned = self._pins.get(host)
        if not pinned:
            # Never fall back to a fresh lookup: that is the hole this closes.
            raise OSError(f"{host} was not checked before connecting")
        return [{**result, "port": port} for result in pinned]

    async def close(self) -> None:
        self._pins.clear()


_REFUSED_ADDRESS = "I don't fetch pages from private, local or reserved network addresses."


async def _check_host(url: URL, policy: IpPolicy) -> list[ResolveResult] | None:
    """Refuse a host with any disallowed address; return its checked addresses.

    Returns None for an IP literal, which aiohttp connects to without asking
    the resolver.
    """
    host = url.raw_host or ""
    port = url.port or 0
    literal = _ip_literal(host)
    if literal is not None:
        if not policy(literal):
            raise FetchError(_REFUSED_ADDRESS)
        return None
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchError(f"I couldn't find the site {host}.") from None
    results: list[ResolveResult] = []
    for family, _, proto, _, sockaddr in infos:
        address = str(sockaddr[0])
        ip = _ip_literal(address)
        # Every address must pass: a name that also points inside the network
        # is refused even if one answer is public.
        if ip is None or not policy(ip):
            raise FetchError(_REFUSED_ADDRESS)
        results.append(
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=family,
                proto=proto,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
        )
    if not results:
        raise FetchError(f"I couldn't find the site {host}.")
    return results


# --- the request -------------------------------------------------------------


def _parse_url(raw: str) -> URL:
    try:
        url = URL(raw.strip())
    except (TypeError, ValueError):
        raise FetchError("That is not a valid web address.") from None
    if url.scheme not in ("http", "https"):
        raise FetchError("I can only fetch http and https links.")
    if not url.raw_host:
        raise FetchError("That link has no site name in it.")
    if url.raw_user or url.raw_password:
        raise FetchError("I don't fetch links that carry a user name or password.")
    return url.with_fragment(None)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


async def read_limited(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    # Chunks are counted after decompression, so a small gzip "bomb" that
    # inflates to gigabytes is stopped at max_bytes like any other body.
    chunks: list[bytes] = []
    total = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(f"That page is larger than the {megabytes(max_bytes)} I accept.")
        chunks.append(chunk)
    return b"".join(chunks)


_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _looks_like_html(body: bytes) -> bool:
    return bool(_HTML_START.search(body[:2048]))


def _codec(name: str | bytes | None) -> str | None:
    """The codec a charset label names, or None for a label Python does not know."""
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", errors="ignore")
    try:
        codec = codecs.lookup(name.strip()).name
    except (LookupError, ValueError):
        # Unknown labels are ignored, as browsers do; a NUL in one is a ValueError.
        return None
    # Browsers read pages labelled latin-1 or ASCII as windows-1252; so do
    # the sites that label them, so its curly quotes are meant.
    if codec in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return codec


_UNREADABLE = "I cannot read this page: it declares a character set that is not text."


def _decode(body: bytes, header_charset: str | None) -> str:
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    for candidate in (header_charset, meta.group(1) if meta else None):
        codec = _codec(candidate)
        if codec:
            try:
                return body.decode(codec, errors="replace")
            except (LookupError, UnicodeError):
                # The label names a codec that does not turn bytes into text:
                # bytes.decode refuses bytes-to-bytes codecs (rot13, base64,
                # zlib...) with LookupError, and "undefined" or "idna" fail
                # whatever the error handler.
                raise FetchError(_UNREADABLE) from None
    return body.decode("utf-8", errors="replace")


def address_policy(allow_private: bool, is_allowed_ip: IpPolicy | None = None) -> IpPolicy:
    """Which addresses a fetch may reach: public ones; with ``allow_private`` loopback
    too (tests and a local server); ``is_allowed_ip`` replaces the policy entirely."""
    if is_allowed_ip is not None:
        return is_allowed_ip
    return is_public_or_loopback if allow_private else is_public_address


@asynccontextmanager
async def safe_session(
    request_timeout: float,
) -> AsyncIterator[tuple[aiohttp.ClientSession, PinnedResolver]]:
    """The one build of an HTTP session for untrusted URLs (pages and feeds): every
    connection goes to the address :func:`follow` checked (the resolver pins it, no DNS
    cache), no proxy or netrc from the environment, and ``request_timeout`` over each
    request (the caller's asyncio.timeout bounds the whole fetch)."""
    resolver = PinnedResolver()
    connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False)
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=request_timeout),
        trust_env=False,
    ) as session:
        yield session, resolver


T = TypeVar("T")


async def follow(
    session: aiohttp.ClientSession,
    resolver: PinnedResolver | None,
    url: str,
    read: Callable[[aiohttp.ClientResponse, str, tuple[int, ...]], Awaitable[T]],
    *,
    policy: IpPolicy,
    headers: dict[str, str],
    max_redirects: int,
    request_timeout: float,
    noun: str = "page",
) -> T:
    """GET ``url``, following redirects by hand, and hand the final response to ``read``
    (with the URL it came from and the redirect statuses on the way).

    Every hop's host is checked against ``policy`` (and the connection pinned to the
    address checked), a redirect back to a URL already visited is refused, and
    aiohttp's errors become one-line FetchErrors naming the ``noun`` fetched. Pages and
    feeds both come through here, so the rules hold for both.
    """
    current = url
    seen: set[str] = set()
    hops: list[int] = []
    for _ in range(max_redirects + 1):
        target = _parse_url(current)
        if str(target) in seen:
            raise FetchError(f"That {noun} redirects to itself.")
        seen.add(str(target))
        # Checked on the first hop and again on every redirect: a public page
        # may redirect to http://10.0.0.1/.
        checked = await _check_host(target, policy)
        if resolver is not None and checked is not None:
            resolver.pin(target.raw_host or "", checked)
        try:
            async with session.get(
                target,
                allow_redirects=False,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=request_timeout),
            ) as resp:
                if resp.status in REDIRECT_STATUSES:
                    location = resp.headers.get("Location")
                    if not location:
                        raise FetchError("The site sent a redirect without saying where to.")
                    hops.append(resp.status)
                    current = str(resp.url.join(URL(location)))
                    continue
                return await read(resp, current, tuple(hops))
        except FetchError:
            raise
        except TimeoutError:
            # aiohttp's own timeouts subclass TimeoutError; one message for all.
            raise FetchError("The site took too long to answer.") from None
        except aiohttp.InvalidURL:
            raise FetchError("That is not a valid web address.") from None
        except aiohttp.ClientConnectorError:
            raise FetchError(f"I couldn't connect to {target.host}.") from None
        except aiohttp.ClientPayloadError:
            raise FetchError("The site sent a broken response.") from None
        except (aiohttp.ClientError, OSError, ValueError):
            raise FetchError(f"I couldn't fetch the {noun} from {target.host}.") from None
    raise FetchError("That link redirects too many times.")


async def _read_page(resp: aiohttp.ClientResponse, max_bytes: int) -> FetchedPage:
    if resp.status == 404:
        raise FetchError("The site says that page does not exist (HTTP 404).")
    if not 200 <= resp.status < 300:
        raise FetchError(f"The site refused to give me that page (HTTP {resp.status}).")
    # The raw header: aiohttp reports a missing type as application/octet-stream.
    header = resp.headers.get("Content-Type", "")
    mimetype = header.split(";", 1)[0].strip().lower()
    if mimetype and mimetype not in HTML_TYPES:
        raise FetchError(f"That link is not a web page (it is {mimetype}).")
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise FetchError(f"That page is larger than the {megabytes(max_bytes)} I accept.")
    body = await read_limited(resp, max_bytes)
    if not mimetype and not _looks_like_html(body):
        raise FetchError("That link is not a web page.")
    return FetchedPage(
        url=str(resp.url),
        html=_decode(body, resp.charset if mimetype else None),
        content_type=mimetype or "text/html",
    )


async def fetch_html(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = 5 * 1024 * 1024,
    max_redirects: int = 5,
    # The contract names it ``timeout``; it is enforced with asyncio.timeout below.
    timeout: float = 15.0,  # noqa: ASYNC109
    session: aiohttp.ClientSession | None = None,
    is_allowed_ip: IpPolicy | None = None,
) -> FetchedPage:
    """Download the HTML page at ``url`` or raise FetchError saying why not.

    ``allow_private`` also lets loopback addresses through (for tests and a
    local server); private, link-local and reserved ones are refused regardless. ``is_allowed_ip`` replaces the address policy entirely.
    With a caller's ``session`` every address is still checked before each
    request, but the connection is only pinned to the checked address when
    this function makes its own session.
    """
    policy = address_policy(allow_private, is_allowed_ip)

    async def read(resp: aiohttp.ClientResponse, _url: str, _hops: tuple[int, ...]) -> FetchedPage:
        return await _read_page(resp, max_bytes)

    async def get(client: aiohttp.ClientSession, resolver: PinnedResolver | None) -> FetchedPage:
        return await follow(
            client,
            resolver,
            url,
            read,
            policy=policy,
            headers=_HEADERS,
            max_redirects=max_redirects,
            request_timeout=timeout,
        )

    try:
        # The outer deadline covers DNS, every redirect and a server that
        # trickles bytes just fast enough to dodge per-read timeouts.
        async with asyncio.timeout(timeout):
            if session is not None:
                return await get(session, None)
            async with safe_session(timeout) as (own, resolver):
                return await get(own, resolver)
    except TimeoutError:
        raise FetchError("The site took too long to answer.") from None
