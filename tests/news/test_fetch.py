"""Tests for news.fetch against a real aiohttp server on 127.0.0.1.

No test sends traffic anywhere but the loopback interface: refused addresses are
refused before connecting, and name lookups other than the test server's are
answered by a fake getaddrinfo.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from news.errors import FetchError
from news.fetch import FetchedPage, fetch_html, is_public_address, is_public_or_loopback

ARTICLE = (
    "<!DOCTYPE html><html><head><title>Pier reopens</title></head><body>"
    "<p>The ferry pier in Port Alder reopened on Friday after repairs.</p></body></html>"
)
LOOPBACK = ipaddress.ip_address("127.0.0.1")
BOMB = gzip.compress(b"\0" * (10 * 1024 * 1024), compresslevel=9)


def only_loopback_v4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Policy for tests: the test server's address and nothing else."""
    return ip == LOOPBACK


async def article(request: web.Request) -> web.Response:
    return web.Response(text=ARTICLE, content_type="text/html")


async def xhtml(request: web.Request) -> web.Response:
    return web.Response(text=ARTICLE, content_type="application/xhtml+xml")


async def cp1252(request: web.Request) -> web.Response:
    # Labelled latin-1 as many old sites do, but the quotes are windows-1252.
    body = "<html><body><p>“Open again,” said Zoë.</p></body></html>".encode("cp1252")
    return web.Response(body=body, headers={"Content-Type": "text/html; charset=ISO-8859-1"})


async def meta_charset(request: web.Request) -> web.Response:
    body = '<html><head><meta charset="koi8-r"></head><body><p>Привет</p></body></html>'
    return web.Response(body=body.encode("koi8-r"), headers={"Content-Type": "text/html"})


async def bad_bytes(request: web.Request) -> web.Response:
    body = b"<html><body><p>caf\xe9 \xff\xfe</p></body></html>"
    return web.Response(body=body, headers={"Content-Type": "text/html; charset=utf-8"})


async def charset(request: web.Request) -> web.Response:
    # The label arrives in the header, or in a <meta> tag when the header has none.
    label, where = request.match_info["label"], request.match_info["where"]
    if where == "header":
        return web.Response(
            body=ARTICLE.encode(), headers={"Content-Type": f"text/html; charset={label}"}
        )
    body = f'<html><head><meta charset="{label}"></head><body><p>Pier</p></body></html>'
    return web.Response(body=body.encode(), headers={"Content-Type": "text/html"})


async def typed(request: web.Request) -> web.Response:
    kind = request.match_info["kind"].replace("-", "/")
    return web.Response(body=b"\x89PNG or %PDF data", headers={"Content-Type": kind})


async def redirect(request: web.Request) -> web.Response:
    left = int(request.match_info["n"])
    # Relative Location on purpose: it must be resolved against the current URL.
    location = "../article" if left == 0 else f"{left - 1}"
    raise web.HTTPFound(location)


async def loop(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/loop")


async def redirect_to(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.query["to"])


async def no_location(request: web.Request) -> web.Response:
    return web.Response(status=302)


async def big_declared(request: web.Request) -> web.Response:
    return web.Response(text="<html>" + "x" * 5000, content_type="text/html")


async def big_streamed(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for _ in range(10):
        await resp.write(b"<p>" + b"x" * 997)
    await resp.write_eof()
    return resp


async def bomb(request: web.Request) -> web.Response:
    return web.Response(
        body=BOMB, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.Response(text=ARTICLE, content_type="text/html")


async def trickle(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for _ in range(100):
        await resp.write(b"x")
        await asyncio.sleep(0.1)
    return resp


async def status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text="no", content_type="text/html")


async def echo_agent(request: web.Request) -> web.Response:
    agent = request.headers.get("User-Agent", "")
    return web.Response(text=f"<html><body>{agent}</body></html>", content_type="text/html")


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/article", article)
    app.router.add_get("/xhtml", xhtml)
    app.router.add_get("/cp1252", cp1252)
    app.router.add_get("/meta-charset", meta_charset)
    app.router.add_get("/bad-bytes", bad_bytes)
    app.router.add_get("/charset/{where}/{label}", charset)
    app.router.add_get("/typed/{kind}", typed)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/loop", loop)
    app.router.add_get("/redirect-to", redirect_to)
    app.router.add_get("/no-location", no_location)
    app.router.add_get("/big-declared", big_declared)
    app.router.add_get("/big-streamed", big_streamed)
    app.router.add_get("/bomb", bomb)
    app.router.add_get("/slow", slow)
    app.router.add_get("/trickle", trickle)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/agent", echo_agent)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


def url_of(server: TestServer, path: str) -> str:
    return str(server.make_url(path))


async def refused(url: str, **kwargs: Any) -> str:
    with pytest.raises(FetchError) as info:
        await fetch_html(url, **kwargs)
    message = str(info.value)
    assert message and "\n" not in message
    return message


# --- pages that are fetched --------------------------------------------------


async def test_fetches_page_from_allowed_local_server(server: TestServer) -> None:
    page = await fetch_html(url_of(server, "/article"), allow_private=True)
    assert isinstance(page, FetchedPage)
    assert page.html == ARTICLE
    assert page.content_type == "text/html"
    assert page.url == url_of(server, "/article")


async def test_xhtml_is_accepted(server: TestServer) -> None:
    page = await fetch_html(url_of(server, "/xhtml"), allow_private=True)
    assert page.content_type == "application/xhtml+xml"


async def test_sends_newsbot_user_agent(server: TestServer) -> None:
    page = await fetch_html(url_of(server, "/agent"), allow_private=True)
    assert "newsbot/" in page.html


async def test_follows_relative_redirects_to_final_url(server: TestServer) -> None:
    # /redirect/4 takes exactly five hops, the most allowed by default.
    page = await fetch_html(url_of(server, "/redirect/4"), allow_private=True)
    assert page.html == ARTICLE
    assert page.url == url_of(server, "/article")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/cp1252", "“Open again,” said Zoë."),
        ("/meta-charset", "Привет"),
        ("/bad-bytes", "caf\ufffd \ufffd\ufffd"),
    ],
)
async def test_decodes_by_header_then_meta_then_utf8(
    server: TestServer, path: str, expected: str
) -> None:
    page = await fetch_html(url_of(server, path), allow_private=True)
    assert expected in page.html


NOT_TEXT_CODECS = ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri", "undefined", "idna"]


@pytest.mark.parametrize("where", ["header", "meta"])
@pytest.mark.parametrize("label", NOT_TEXT_CODECS)
async def test_charset_that_is_not_a_text_encoding_is_refused(
    server: TestServer, where: str, label: str
) -> None:
    message = await refused(url_of(server, f"/charset/{where}/{label}"), allow_private=True)
    assert "cannot read this page" in message


@pytest.mark.parametrize("label", ["x-no-such-charset", "utf-8", "UTF8"])
async def test_unknown_or_text_charset_is_read(server: TestServer, label: str) -> None:
    # A label Python does not know is ignored, as browsers do: UTF-8 it is.
    page = await fetch_html(url_of(server, f"/charset/header/{label}"), allow_private=True)
    assert page.html == ARTICLE


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[bytes], Awaitable[str]]]:
    """Serves one fixed HTTP response; aiohttp's server always adds a Content-Type."""
    servers: list[asyncio.Server] = []

    async def start(body: bytes) -> str:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            writer.write(head.encode() + body)
            await writer.drain()
            writer.close()

        raw = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(raw)
        return f"http://127.0.0.1:{raw.sockets[0].getsockname()[1]}/"

    yield start
    for raw in servers:
        raw.close()
        await raw.wait_closed()


async def test_missing_content_type_is_sniffed(
    raw_server: Callable[[bytes], Awaitable[str]],
) -> None:
    page = await fetch_html(await raw_server(ARTICLE.encode()), allow_private=True)
    assert page.html == ARTICLE
    assert page.content_type == "text/html"
    url = await raw_server(b"plain words, no markup")
    assert "not a web page" in await refused(url, allow_private=True)


async def test_caller_session_is_used_and_still_checked(server: TestServer) -> None:
    async with aiohttp.ClientSession() as session:
        page = await fetch_html(url_of(server, "/article"), allow_private=True, session=session)
        assert page.html == ARTICLE
        await refused(url_of(server, "/article"), session=session)
        assert not session.closed


# --- addresses ---------------------------------------------------------------


async def test_loopback_refused_by_default(server: TestServer) -> None:
    assert "private" in await refused(url_of(server, "/article"))


async def test_localhost_name_refused_by_default(server: TestServer) -> None:
    await refused(f"http://localhost:{server.port}/article")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/file.html",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://127.0.0.1:70/",
        "127.0.0.1/article",
        "http:///article",
        "http://user:secret@127.0.0.1/article",
        "http://[::1",
    ],
)
async def test_bad_urls_refused(url: str) -> None:
    await refused(url, allow_private=True)


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.2:{port}/article",
        "http://[::1]:{port}/article",
        "http://[::ffff:127.0.0.2]:{port}/article",
        "http://0.0.0.0:{port}/article",
    ],
)
async def test_redirect_into_disallowed_address_refused(server: TestServer, target: str) -> None:
    # The policy allows the test server itself, so only the redirect is refused.
    target = target.format(port=server.port)
    start = str(server.make_url("/redirect-to").with_query(to=target))
    message = await refused(start, is_allowed_ip=only_loopback_v4)
    assert "private" in message


async def test_redirect_to_other_scheme_refused(server: TestServer) -> None:
    start = str(server.make_url("/redirect-to").with_query(to="file:///etc/passwd"))
    assert "http" in await refused(start, allow_private=True)


async def test_too_many_redirects_refused(server: TestServer) -> None:
    assert "redirect" in await refused(url_of(server, "/redirect/5"), allow_private=True)
    assert "redirect" in await refused(url_of(server, "/loop"), allow_private=True)
    await refused(url_of(server, "/redirect/1"), allow_private=True, max_redirects=1)
    await fetch_html(url_of(server, "/redirect/0"), allow_private=True, max_redirects=1)


async def test_a_page_that_redirects_to_itself_is_named_as_such(server: TestServer) -> None:
    # Pages and feeds follow redirects through the same loop, which spots a cycle.
    assert "redirects to itself" in await refused(url_of(server, "/loop"), allow_private=True)


async def test_redirect_without_location_refused(server: TestServer) -> None:
    await refused(url_of(server, "/no-location"), allow_private=True)


class FakeDNS:
    """Stands in for the loop's getaddrinfo so no real lookup leaves the machine."""

    def __init__(self, *answers: list[str] | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int, **kwargs: Any) -> list[Any]:
        self.calls.append(host)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port))
            for ip in answer
        ]


async def test_hostname_is_pinned_to_checked_address(
    server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rebinding DNS server answers 127.0.0.1 first and 10.0.0.1 after: the
    # connection must use the first, checked answer without asking again.
    dns = FakeDNS(["127.0.0.1"], ["10.0.0.1"])
    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", dns)
    page = await fetch_html(
        f"http://news.example:{server.port}/article", is_allowed_ip=only_loopback_v4
    )
    assert page.html == ARTICLE
    assert dns.calls == ["news.example"]


async def test_hostname_with_any_private_answer_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    dns = FakeDNS(["127.0.0.1", "10.0.0.1"])
    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", dns)
    await refused("http://news.example/article", is_allowed_ip=only_loopback_v4)


async def test_unknown_host_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    dns = FakeDNS(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", dns)
    assert "find" in await refused("https://no-such-site.example/")


async def test_connection_refused_reported() -> None:
    # Bind a port, then close it, so nothing listens there.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert "connect" in await refused(f"http://127.0.0.1:{port}/", allow_private=True)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.5.4", False),
        ("192.168.0.10", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 wrapping 10.0.0.1
        # Special-purpose blocks Python 3.11 still calls global (IANA registries).
        ("fec0::1", False),  # deprecated site-local
        ("3fff::1", False),  # documentation
        ("192.88.99.1", False),  # 6to4 relay anycast
        ("2002:c058:6301::", False),  # 6to4 wrapping that relay
        ("192.0.0.8", False),  # dummy address
        ("192.0.0.9", False),  # PCP anycast
        ("192.0.0.10", False),  # TURN anycast
        ("192.31.196.1", False),  # AS112
        ("192.52.193.1", False),  # AMT
        ("192.175.48.1", False),  # AS112 direct delegation
        ("2620:4f:8000::1", False),  # AS112 direct delegation, IPv6
        ("2001:1::1", False),  # PCP anycast, IPv6
        ("2001:4:112::1", False),  # AS112, IPv6
        ("5f00::1", False),  # SRv6
        # Neighbours of those blocks are ordinary hosts.
        ("192.0.1.1", True),
        ("192.88.100.1", True),
        ("192.175.49.1", True),
        ("2001:200::1", True),
        ("2620:4f:8001::1", True),
        ("4000::1", False),  # still reserved space
    ],
)
def test_public_address_policy(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("93.184.216.34", True),
        ("169.254.169.254", False),  # cloud metadata
        ("fe80::1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("fd00:ec2::254", False),  # cloud metadata, IPv6
        ("fc00::1", False),
        ("fec0::1", False),
        ("::ffff:169.254.169.254", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("::", False),
    ],
)
def test_allow_private_opens_loopback_only(address: str, allowed: bool) -> None:
    assert is_public_or_loopback(ipaddress.ip_address(address)) is allowed


async def test_allow_private_still_refuses_link_local_and_private_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for answer in ("169.254.169.254", "10.0.0.5", "192.168.1.20"):
        monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", FakeDNS([answer]))
        message = await refused("http://metadata.example/latest/", allow_private=True)
        assert "private" in message
    assert "private" in await refused("http://169.254.169.254/latest/", allow_private=True)


async def test_declared_length_over_limit_refused(server: TestServer) -> None:
    message = await refused(url_of(server, "/big-declared"), allow_private=True, max_bytes=1000)
    assert "larger" in message


async def test_streamed_body_over_limit_refused(server: TestServer) -> None:
    message = await refused(url_of(server, "/big-streamed"), allow_private=True, max_bytes=5000)
    assert "larger" in message
    page = await fetch_html(url_of(server, "/big-streamed"), allow_private=True, max_bytes=20_000)
    assert len(page.html) == 10_000


async def test_gzip_bomb_cut_off(server: TestServer) -> None:
    assert len(BOMB) < 100_000  # small on the wire, 10 MB once inflated
    message = await refused(url_of(server, "/bomb"), allow_private=True)
    assert "larger" in message


async def test_slow_server_times_out(server: TestServer) -> None:
    started = time.monotonic()
    message = await refused(url_of(server, "/slow"), allow_private=True, timeout=0.5)
    assert "too long" in message
    assert time.monotonic() - started < 2


async def test_trickling_server_cut_off_by_total_timeout(server: TestServer) -> None:
    started = time.monotonic()
    message = await refused(url_of(server, "/trickle"), allow_private=True, timeout=0.5)
    assert "too long" in message
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("kind", ["application-pdf", "image-png", "application-json", "text-plain"])
async def test_non_html_content_refused(server: TestServer, kind: str) -> None:
    message = await refused(url_of(server, f"/typed/{kind}"), allow_private=True)
    assert "not a web page" in message


@pytest.mark.parametrize("code", [404, 401, 403, 500])
async def test_error_status_refused(server: TestServer, code: int) -> None:
    path = f"/status/{code}" if code != 404 else "/nothing-here"
    message = await refused(url_of(server, path), allow_private=True)
    assert str(code) in message
