"""A real HTTP site on 127.0.0.1 that serves feeds and article pages, for feed tests.

Feeds honour If-None-Match (a 304 when the ETag matches); every request is logged with
its headers so tests can see what was asked and when. Fixture text is written here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html import escape
from typing import Any

from aiohttp import web

TOWNS = ["Port Alder", "Mistle Bay", "Orrin Falls", "Kestrel Point", "Lowbridge", "Fenmoor"]
THINGS = ["ferry pier", "library roof", "tram line", "harbour wall", "market hall", "sea bridge"]


def story(n: int) -> tuple[str, list[str]]:
    """Item ``n``'s title and paragraphs: distinct words for every n, long enough to extract."""
    town, thing = TOWNS[n % len(TOWNS)], THINGS[(n // len(TOWNS)) % len(THINGS)]
    title = f"{town} reopens its {thing} after repair number {n}"
    paragraphs = [
        f"The {thing} in {town} reopened on day {n} after months of careful repair work by"
        f" a crew of {n + 12} builders, the council said in a statement on Friday.",
        f"Residents had waited {n + 3} weeks for the work to finish. Shop owners near the"
        f" {thing} said trade had fallen sharply while the site was fenced off.",
        f"The council will publish a full report on the cost, thought to be about {n + 40}"
        " thousand pounds, at its next meeting in the town hall.",
    ]
    return title, paragraphs


def article_page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body>"
        f"<article><h1>{escape(title)}</h1>{body}</article></body></html>"
    )


def rss_item(
    link: str, title: str, *, guid: str | None = None, date: str | None = None, desc: str = ""
) -> str:
    parts = [f"<title>{escape(title)}</title>", f"<link>{escape(link)}</link>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{escape(guid)}</guid>')
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    if desc:
        parts.append(f"<description>{escape(desc)}</description>")
    return "<item>" + "".join(parts) + "</item>"


def rss(items: list[str], *, title: str = "Coast Gazette", extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://coast.example/</link>{extra}"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def rfc822(day: int, hour: int = 9) -> str:
    return f"Mon, {day:02d} Jun 2025 {hour:02d}:00:00 +0000"


@dataclass
class Route:
    body: bytes
    content_type: str
    etag: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FeedSite:
    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0  # seconds each answer waits (to see how many requests overlap)
    in_flight: int = 0
    most_in_flight: int = 0

    def url(self, path: str) -> str:
        return self.base + path

    def serve(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "application/rss+xml",
        *,
        etag: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(data, content_type, etag, status, dict(headers or {}))
        return self.url(path)

    def page(self, path: str, n: int) -> str:
        title, paragraphs = story(n)
        return self.serve(path, article_page(title, paragraphs), "text/html; charset=utf-8")

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path_qs, dict(request.headers)))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._answer(request)
        finally:
            self.in_flight -= 1

    def _answer(self, request: web.Request) -> web.StreamResponse:
        route = self.routes.get(request.path_qs) or self.routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="not here")
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
            if request.headers.get("If-None-Match") == route.etag:
                return web.Response(status=304, headers=headers)
        if route.status in (301, 302, 307, 308):
            return web.Response(status=route.status, headers=headers)
        headers["Content-Type"] = route.content_type
        return web.Response(status=route.status, body=route.body, headers=headers)


@asynccontextmanager
async def feed_site() -> AsyncIterator[FeedSite]:
    site = FeedSite()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", site.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    site.base = f"http://127.0.0.1:{port}"
    try:
        yield site
    finally:
        await runner.cleanup()


def json_feed(items: list[dict[str, Any]], *, title: str = "Coast JSON") -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    ).encode()
