"""Two bot processes' feed pollers on ONE database (a SQLite file, and a real PostgreSQL),
through real parts: two NewsDesks opened on it, the real feed site on 127.0.0.1, the safe
fetcher and extraction. Only Discord is replaced, by lists of what each would have posted."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.desk import NewsDesk
from bot.app.feeds import FeedCases
from news.domain import Article, Feed
from storage.shards import Shards
from tests.harness.feed_site import FeedSite, feed_site, rfc822, rss, rss_item, story
from tests.harness.postgres import require_postgres, scratch_database

# Guilds on shard 0 and shard 1 of 2: (n << 22) + anything is on shard n % 2.
EVEN, ODD = (60 << 22) + 3, (61 << 22) + 3


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Channels:
    """What one process would have posted: (channel, titles) per message."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, list[str]]] = []

    async def post(self, feed: Feed, articles: Sequence[Article], more: int) -> None:
        self.posts.append((feed.channel_id or 0, [a.title for a in articles]))


@pytest.fixture(params=["sqlite", "postgres"])
async def location(request, tmp_path: Path) -> AsyncIterator[str | Path]:
    if request.param == "sqlite":
        yield tmp_path / "shared.db"
        return
    async with scratch_database(require_postgres()) as url:
        yield url


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    async with feed_site() as s:
        yield s


@pytest.fixture
async def desks(location) -> AsyncIterator[tuple[NewsDesk, NewsDesk]]:
    first = await NewsDesk.open(location, allow_private_urls=True)
    second = await NewsDesk.open(location, allow_private_urls=True)
    yield first, second
    await second.close()
    await first.close()


def serve(site: FeedSite, path: str, numbers: Sequence[int]) -> str:
    items = []
    for n in numbers:
        link = site.page(f"/story/{n}", n)
        items.append(rss_item(link, story(n)[0], guid=f"item-{n}", date=rfc822(1 + n % 28)))
    return site.serve(path, rss(items))


def poller(
    desk: NewsDesk, clock: Clock, shards: Shards | None = None
) -> tuple[FeedCases, Channels]:
    channels = Channels()
    feeds = FeedCases(desk, post=channels.post, clock=clock, rng=random.Random(3), shards=shards)
    return feeds, channels


async def test_two_pollers_on_one_database_poll_each_due_feed_once(site, desks):
    clock = Clock()
    (one, one_posts), (two, two_posts) = poller(desks[0], clock), poller(desks[1], clock)
    scopes = [EVEN, ODD, None, EVEN, ODD, None]
    paths = [f"/feed{i}" for i in range(len(scopes))]
    for i, (path, guild) in enumerate(zip(paths, scopes, strict=True)):
        url = serve(site, path, [10 * i])
        await one.subscribe(url, guild_id=guild, channel_id=500 + i)
    for i, path in enumerate(paths):  # one new item in every feed
        serve(site, path, [10 * i, 10 * i + 1])
    clock.now += timedelta(hours=2)  # every feed is due, for both processes
    before = {path: site.hits(path) for path in paths}

    reports = await asyncio.gather(one.poll_due(), two.poll_due())

    polled = Counter(r.feed_id for batch in reports for r in batch)
    assert len(polled) == len(paths) and set(polled.values()) == {1}
    assert {path: site.hits(path) - before[path] for path in paths} == dict.fromkeys(paths, 1)
    for i in range(len(paths)):
        assert site.hits(f"/story/{10 * i + 1}") == 1  # each new page fetched once
    posted = Counter(
        (channel, title)
        for channel, titles in one_posts.posts + two_posts.posts
        for title in titles
    )
    assert posted == Counter({(500 + i, story(10 * i + 1)[0]): 1 for i in range(len(paths))})
    # The round's records set the next polls: nothing is due for either of them now.
    assert await asyncio.gather(one.poll_due(), two.poll_due()) == [[], []]


async def test_pollers_on_their_shards_poll_their_guilds_and_shard_0_the_global_feeds(site, desks):
    clock = Clock()
    even, _ = poller(desks[0], clock, Shards((0,), 2))
    odd, _ = poller(desks[1], clock, Shards((1,), 2))
    owner: dict[int, int | None] = {}
    for i, guild in enumerate([EVEN, ODD, None]):
        feed, _ = await even.subscribe(serve(site, f"/s{i}", [100 + i]), guild_id=guild)
        owner[feed.id] = guild
    clock.now += timedelta(hours=2)
    # A restart spreads only its own overdue feeds; then each round polls only its own.
    assert await odd.spread_overdue() == 1
    clock.now += timedelta(minutes=10)
    assert {owner[r.feed_id] for r in await odd.poll_due()} == {ODD}
    assert {owner[r.feed_id] for r in await even.poll_due()} == {EVEN, None}
