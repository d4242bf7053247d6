"""Feed polling benchmark: a loopback site of N feeds x M items, three poll cycles.

    python -m bench.feed_poll [--feeds 200] [--items 30] [--shared ../shared]

The site runs in its own process (so its work is not counted as the poller's loop lag)
and serves every feed on 8 loopback addresses (127.0.0.1-8: the poller allows two
requests at once per host). Each item links to an article page built at run time from
``corpus/bbc-news.jsonl`` (a numbered line makes every page's body distinct).

Cycle 1 polls every feed for the first time and stores every item (page fetch and
extraction included); cycle 2 finds every feed unchanged (all 304s); cycle 3 finds
2 new items per feed. Reported: time, articles/s, peak RSS, and event-loop lag.

Delivery (issue 21): cycles 4-6 each find 2 more new items per feed and post them, every
feed to a channel of its own, as cards in a text channel, as a thread per story, and as
forum posts. Posting goes through the bot's own path (the claim, "also reported by", the
record of each story, :func:`bot.feed_formats.story_messages`) to a stand-in for Discord
that counts the requests the bot would make and waits ``--discord-ms`` for each, one after
another per feed as discord.py sends them (a model of the round trip, not of Discord's rate
limits, which queue per channel: 5 messages a 5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import resource
import tempfile
import time
from html import escape
from pathlib import Path

from bench.common import CORPUS, DEFAULT_SHARED, machine, print_table

HOSTS = 8


def _page(article: dict, k: int) -> str:
    paragraphs = [p for p in article["text"].split("\n") if p.strip()]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><title>{escape(article['title'])} ({k})</title></head>"
        f"<body><article><h1>{escape(article['title'])} ({k})</h1>"
        f"<p>Desk report number {k} follows.</p>{body}</article></body></html>"
    )


def _serve(corpus: str, feeds: int, items: int, port_box, bump) -> None:  # type: ignore[no-untyped-def]
    from aiohttp import web

    articles = [json.loads(line) for line in Path(corpus).read_text("utf-8").splitlines() if line]

    def host(i: int) -> str:
        return f"127.0.0.{1 + i % HOSTS}"

    async def feed(request: web.Request) -> web.Response:
        i = int(request.match_info["i"])
        extra = 2 * bump.value
        etag = f'"v{bump.value}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        port = request.url.port
        parts = []
        for j in reversed(range(items + extra)):
            k = i * 1000 + j
            title = articles[k % len(articles)]["title"]
            link = f"http://{host(i)}:{port}/a/{k}"
            parts.append(
                f"<item><title>{escape(title)}</title><link>{link}</link><guid>{k}</guid>"
                f"<pubDate>Mon, 02 Jun 2025 {j % 24:02d}:{j % 60:02d}:00 +0000</pubDate></item>"
            )
        xml = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {i}</title>{"".join(parts)}</channel></rss>'
        return web.Response(
            body=xml.encode(), headers={"ETag": etag, "Content-Type": "application/rss+xml"}
        )

    async def page(request: web.Request) -> web.Response:
        k = int(request.match_info["k"])
        return web.Response(text=_page(articles[k % len(articles)], k), content_type="text/html")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{i}", feed)
        app.router.add_get("/a/{k}", page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        first = web.TCPSite(runner, "127.0.0.1", 0)
        await first.start()
        port = first._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        for h in range(2, HOSTS + 1):
            await web.TCPSite(runner, f"127.0.0.{h}", port).start()
        port_box.value = port
        await asyncio.Event().wait()

    asyncio.run(main())


class StandIn:
    """Discord as the delivery cycles see it: requests counted, each taking ``delay``."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.edits = 0

    async def post(self, feed, articles, more):  # type: ignore[no-untyped-def]
        from bot.feed_formats import story_messages
        from bot.feed_sending import Delivered, Sent

        done = Delivered()
        for message in story_messages(feed, articles, more):
            calls = 2 if feed.delivery.deliver == "thread" else 1  # the message, its thread
            for _ in range(calls):
                self.requests += 1
                await asyncio.sleep(self.delay)
            made = 900_000_000_000_000_000 + self.requests
            thread = made if feed.delivery.deliver != "channel" else None
            done.sent.append(
                Sent(message.article_ids, feed.channel_id, made, thread, message.content)
            )
        return done

    async def edit(self, channel_id: int, message_id: int, content: str) -> bool:
        self.requests += 1
        self.edits += 1
        await asyncio.sleep(self.delay)
        return True


class LagMeter:
    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.samples.append(time.perf_counter() - start - 0.01)

    def start(self) -> None:
        self.samples = []
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> tuple[float, float]:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        data = sorted(self.samples) or [0.0]
        return data[int(0.99 * (len(data) - 1))] * 1000, data[-1] * 1000


async def run(args: argparse.Namespace, port: int, bump) -> None:  # type: ignore[no-untyped-def]
    from bot.app.desk import NewsDesk
    from bot.app.feeds import FeedCases
    from bot.client import tune_runtime

    tune_runtime()  # as the bot runs
    gc_pauses: list[float] = []
    gc_start = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            gc_pauses.append(time.perf_counter() - gc_start[0])

    gc.callbacks.append(on_gc)

    with tempfile.TemporaryDirectory() as tmp:
        desk = await NewsDesk.open(Path(tmp) / "feeds.db", allow_private_urls=True)
        feeds = FeedCases(desk, max_items=args.items + 2, concurrency=args.concurrency)
        now = feeds.clock()
        for i in range(args.feeds):
            url = f"http://127.0.0.{1 + i % HOSTS}:{port}/feed/{i}"
            await desk.stores.feeds.add(None, url, now=now, next_poll=now, limit=10**6)
        rows = []
        delivery: list[tuple[object, ...]] = []
        stand_in = StandIn(args.discord_ms / 1000)
        lag = LagMeter()
        for cycle, label in (
            (1, "first poll, every item stored"),
            (2, "unchanged (304)"),
            (3, "2 new items per feed"),
            (4, "2 new, posted as cards in a channel"),
            (5, "2 new, a thread per story"),
            (6, "2 new, a forum post per story"),
        ):
            if cycle >= 3:
                bump.value = cycle - 2
            if cycle >= 4:
                where = ("channel", "thread", "forum")[cycle - 4]
                for f in await desk.stores.feeds.subscriptions(None, all_scopes=True):
                    changes = {"deliver": where, "channel_id": 10_000 + f.id}
                    await desk.stores.feeds.set_delivery(f.id, None, changes, any_scope=True)
                stand_in.reset()
                feeds.attach(post=stand_in.post, notify=None, edit=stand_in.edit)
            targets = await desk.stores.feeds.subscriptions(None, all_scopes=True)
            lag.start()
            started = time.perf_counter()
            cpu0 = time.process_time()
            reports = await asyncio.gather(*(feeds.poll(f) for f in targets))
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu0
            p99, worst = await lag.stop()
            new = sum(r.new for r in reports)
            failed = sum(r.failed for r in reports) + sum(r.status == "failed" for r in reports)
            not_mod = sum(r.not_modified for r in reports)
            if cycle >= 4:
                posted = sum(r.posted for r in reports)
                delivery.append(
                    (
                        ("channel", "thread", "forum")[cycle - 4],
                        posted,
                        stand_in.requests,
                        stand_in.edits,
                        f"{stand_in.requests / max(posted, 1):.2f}",
                        f"{elapsed:.2f}",
                    )
                )
            rows.append(
                (
                    cycle,
                    label,
                    f"{elapsed:.2f}",
                    f"{cpu:.2f}",
                    new,
                    f"{new / elapsed:.1f}" if new else "-",
                    not_mod,
                    failed,
                    f"{p99:.1f}",
                    f"{worst:.1f}",
                )
            )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        await desk.close()
    print_table("Machine", ["", ""], machine())
    print_table(
        f"Feed polling: {args.feeds} feeds x {args.items} items, concurrency {args.concurrency}",
        [
            "cycle",
            "what",
            "wall s",
            "cpu s",
            "stored",
            "articles/s",
            "304s",
            "failed",
            "lag p99 ms",
            "lag max ms",
        ],
        rows,
        note=f"peak RSS {rss:.0f} MiB (poller process; the site runs in another process);"
        f" longest GC pause {max(gc_pauses or [0]) * 1000:.0f} ms",
    )
    print_table(
        f"Delivery: one cycle of {args.feeds} feeds, {args.discord_ms} ms a Discord request",
        ["where", "stories", "requests", "edits", "requests/story", "cycle wall s"],
        delivery,
        note="requests: what the bot sends Discord (messages, threads, forum posts, edits);"
        " edits add 'also reported by' to a story another feed posted first",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--discord-ms", type=float, default=50.0)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = parser.parse_args(argv)
    ctx = multiprocessing.get_context("spawn")
    port_box = ctx.Value("i", 0)
    bump = ctx.Value("i", 0)
    server = ctx.Process(
        target=_serve,
        args=(str(args.shared / CORPUS), args.feeds, args.items, port_box, bump),
        daemon=True,
    )
    server.start()
    try:
        for _ in range(300):
            if port_box.value:
                break
            time.sleep(0.1)
        asyncio.run(run(args, port_box.value, bump))
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
