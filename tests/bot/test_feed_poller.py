"""The feed poller through real parts: a NewsDesk on SQLite, a real site on 127.0.0.1,
the safe fetcher and extraction. Only Discord is replaced, by a list of what was posted."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.desk import NewsDesk
from bot.app.feed_polling import PAUSE_AFTER, RESTART_SPREAD, FeedChoices
from bot.app.feeds import FeedCases
from bot.delivery import DeliveryError
from news.domain import Article, Feed
from tests.harness.feed_site import FeedSite, feed_site, rfc822, rss, rss_item, story

GUILD = 4242


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Channel:
    """What the bot would have posted, and whether the channel still exists."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, list[str], int]] = []
        self.notes: list[tuple[int, str]] = []
        self.deleted = False

    async def post(self, feed: Feed, articles: Sequence[Article], more: int) -> None:
        if self.deleted:
            raise DeliveryError("The feed's channel no longer exists.")
        self.posts.append((feed.channel_id or 0, [a.title for a in articles], more))

    async def notify(self, feed: Feed, text: str) -> None:
        self.notes.append((feed.id, text))


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    async with feed_site() as s:
        yield s


@pytest.fixture
async def desk(tmp_path) -> AsyncIterator[NewsDesk]:
    d = await NewsDesk.open(tmp_path / "n.db", allow_private_urls=True)
    yield d
    await d.close()


@pytest.fixture
def channel() -> Channel:
    return Channel()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def feeds(desk: NewsDesk, channel: Channel, clock: Clock) -> FeedCases:
    return FeedCases(
        desk, post=channel.post, notify=channel.notify, clock=clock, rng=random.Random(1)
    )


def serve_items(site: FeedSite, numbers: Sequence[int], *, path="/feed", etag=None, guid=str):
    items = []
    for n in numbers:
        link = site.page(f"/story/{n}", n)
        items.append(rss_item(link, story(n)[0], guid=guid(n), date=rfc822(1 + n % 28)))
    return site.serve(path, rss(items), etag=etag)


async def test_first_poll_stores_and_posts_nothing_then_new_items_post_once(
    site, feeds, desk, channel, clock
):
    url = serve_items(site, range(3), etag='"1"')
    feed, report = await feeds.subscribe(url, guild_id=GUILD, channel_id=77)
    assert feed.title == "Coast Gazette" and feed.primed_at is not None
    assert (report.new, report.failed, report.first) == (3, 0, True)
    assert channel.posts == []
    stored = await desk.recent(GUILD)
    assert {a.title for a in stored} == {story(n)[0] for n in range(3)}
    assert "months of careful repair" in stored[0].text  # the page's text, extracted

    clock.now += timedelta(minutes=20)
    page_hits = site.hits("/story/0")
    unchanged = await feeds.poll(feed)
    assert unchanged.not_modified and unchanged.new == 0 and site.hits("/story/0") == page_hits
    assert site.requests[-1][1].get("If-None-Match") == '"1"'

    serve_items(site, range(5), etag='"2"')
    fresh = await feeds.poll(await feeds.store.get(feed.id, GUILD))
    assert (fresh.new, fresh.duplicates, fresh.posted) == (2, 0, 2)
    assert channel.posts == [(77, [story(4)[0], story(3)[0]], 0)]  # newest first
    site.routes["/feed"].etag = '"3"'  # same items, new ETag: nothing new, nothing posted
    again = await feeds.poll(await feeds.store.get(feed.id, GUILD))
    assert again.new == 0 and len(channel.posts) == 1


async def test_changing_guids_and_edited_items_never_post_twice(site, feeds, channel):
    url = serve_items(site, range(2), guid=lambda n: f"{n}-a")
    feed, _ = await feeds.subscribe(url, guild_id=GUILD, channel_id=1)
    serve_items(site, range(2), guid=lambda n: f"{n}-b")  # every guid changed
    report = await feeds.poll(feed)
    assert report.new == 0 and report.duplicates == 0 and channel.posts == []
    # An edited item: same guid, new title and date.
    items = [rss_item(site.url("/story/0"), "A new title", guid="0-b", date=rfc822(27))]
    site.serve("/feed", rss(items))
    report = await feeds.poll(feed)
    assert report.new == 0 and channel.posts == []


async def test_one_story_in_two_feeds_is_stored_once_and_posted_once_per_channel(
    site, feeds, desk, channel
):
    one, _ = await feeds.subscribe(serve_items(site, [1], path="/a"), guild_id=GUILD, channel_id=9)
    two, _ = await feeds.subscribe(serve_items(site, [1], path="/b"), guild_id=GUILD, channel_id=9)
    three, _ = await feeds.subscribe(
        serve_items(site, [1], path="/c"), guild_id=GUILD, channel_id=10
    )
    for path in ("/a", "/b", "/c"):
        serve_items(site, [1, 7], path=path)
    reports = [await feeds.poll(f) for f in (one, two, three)]
    assert [(r.new, r.duplicates) for r in reports] == [(1, 0), (0, 1), (0, 1)]
    assert await desk.count(GUILD) == 2
    assert sorted((c, titles) for c, titles, _ in channel.posts) == [
        (9, [story(7)[0]]),
        (10, [story(7)[0]]),
    ]


async def test_page_fallback_and_failures_are_recorded(site, feeds, desk):
    long_text = " ".join(f"Sentence {n} of the item's own text about the tide." for n in range(8))
    items = [
        rss_item(site.url("/gone/1"), "Own text kept", guid="1", desc=long_text),
        rss_item(site.url("/gone/2"), "Only a teaser", guid="2", desc="Short teaser."),
        rss_item("http://169.254.169.254/latest", "Metadata trap", guid="3"),
    ]
    url = site.serve("/feed", rss(items))
    feed, report = await feeds.subscribe(url, guild_id=GUILD)
    assert (report.new, report.failed) == (1, 2)
    assert "169.254" not in " ".join(path for path, _ in site.requests)
    details = [d for _, d in await feeds.store.seen_details(feed.id)]
    assert any(d and d.startswith("stored the feed's own text: The site says") for d in details)
    assert any(d and d.startswith("not stored:") for d in details)
    (article,) = await desk.recent(GUILD)
    assert article.title == "Own text kept" and "tide" in article.text


async def test_at_most_n_new_items_newest_first_and_no_backlog_later(site, desk, channel, clock):
    feeds = FeedCases(desk, max_items=4, post=channel.post, clock=clock)
    url = serve_items(site, range(10))
    feed, first = await feeds.subscribe(url, guild_id=GUILD, channel_id=3)
    assert (first.new, first.over_limit) == (4, 6)
    # The six older items of the backlog are never posted later.
    serve_items(site, range(10))
    later = await feeds.poll(feed)
    assert later.new == 0 and channel.posts == []
    # A burst of 6 new items: 4 now (counted 2 more), the 2 others on the next poll.
    serve_items(site, range(16))
    burst = await feeds.poll(feed)
    assert (burst.new, burst.over_limit) == (4, 2) and channel.posts[0][2] == 2
    rest = await feeds.poll(feed)
    assert rest.new == 2


async def test_failures_back_off_then_pause_with_one_message(site, feeds, channel, clock):
    url = serve_items(site, [1])
    feed, _ = await feeds.subscribe(url, guild_id=GUILD, channel_id=5)
    site.serve("/feed", b"oops", "text/plain", status=500)
    waits = []
    for _ in range(PAUSE_AFTER):
        feed = await feeds.store.get(feed.id, GUILD)
        report = await feeds.poll(feed)
        stored = await feeds.store.get(feed.id, GUILD)
        waits.append(stored.next_poll - clock.now)
    assert report.status == "paused" and stored.paused and "HTTP 500" in (stored.pause_reason or "")
    assert all(b > a for a, b in itertools.pairwise(waits))  # exponential
    assert len(channel.notes) == 1 and "/feed resume" in channel.notes[0][1]
    assert await feeds.store.due(clock.now + timedelta(days=2)) == []
    resumed = await feeds.resume(feed.id, GUILD)
    assert not resumed.paused and resumed.failures == 0


async def test_deleted_channel_pauses_posting_not_storing(site, feeds, desk, channel):
    url = serve_items(site, [1])
    feed, _ = await feeds.subscribe(url, guild_id=GUILD, channel_id=5)
    channel.deleted = True
    serve_items(site, [1, 2])
    report = await feeds.poll(feed)
    assert report.new == 1 and report.posted == 0 and "posting paused" in (report.detail or "")
    feed = await feeds.store.get(feed.id, GUILD)
    assert feed.posting_paused and not feed.paused
    serve_items(site, [1, 2, 3])
    assert (await feeds.poll(feed)).new == 1  # still stored
    assert await desk.count(GUILD) == 3 and channel.posts == []


async def test_keyword_filter(site, desk, clock):
    feeds = FeedCases(desk, clock=clock)
    url = serve_items(site, range(6))
    town = story(0)[0].split(" reopens")[0]
    _, report = await feeds.subscribe(url, guild_id=GUILD, include=town)
    assert report.new == 1 and report.filtered == 5


async def test_discovery_one_feed_or_choices(site, feeds):
    serve_items(site, [1])
    page = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed">'
        "</head><body>home</body></html>"
    )
    home = site.serve("/", page, "text/html")
    feed, report = await feeds.subscribe(home, guild_id=GUILD)
    assert feed.url == site.url("/feed") and report.new == 1
    two = page.replace("</head>", '<link rel="alternate" type="application/atom+xml" href="/a">')
    with pytest.raises(FeedChoices) as choices:
        await feeds.subscribe(site.serve("/two", two, "text/html"), guild_id=GUILD)
    assert [link.url for link in choices.value.links] == [site.url("/feed"), site.url("/a")]


async def test_at_most_two_requests_per_host(site, feeds):
    site.delay = 0.05
    url = serve_items(site, range(8))
    await feeds.subscribe(url, guild_id=GUILD)
    assert site.most_in_flight == 2


async def test_a_restart_spreads_overdue_feeds(site, feeds, clock):
    for n in range(20):
        await feeds.store.add(GUILD, site.url(f"/f{n}"), now=clock.now, next_poll=clock.now)
    assert await feeds.spread_overdue() == 20
    times = [f.next_poll for f in await feeds.store.subscriptions(GUILD)]
    assert len(set(times)) == 20
    assert all(clock.now <= t <= clock.now + RESTART_SPREAD for t in times)
    assert len(await feeds.store.due(clock.now + timedelta(seconds=30))) < 10


async def test_a_poll_that_fails_as_a_whole_backs_off_and_pauses(
    site, feeds, channel, clock, monkeypatch
):
    # Not the site: the poll itself fails past the fetch (here the store refuses to
    # record what it saw). Once a traceback that left the feed "ok", 0 failures, due again.
    url = serve_items(site, [1])
    feed, _ = await feeds.subscribe(url, guild_id=GUILD, channel_id=5)

    async def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(feeds.store, "mark_seen", broken)
    waits = []
    for n in range(PAUSE_AFTER):
        serve_items(site, [1, 10 + n])  # something new each time, so the poll gets that far
        feed = await feeds.store.get(feed.id, GUILD)
        report = await feeds.poll(feed)
        stored = await feeds.store.get(feed.id, GUILD)
        assert stored.last_status in ("failed", "paused") and stored.failures == n + 1
        waits.append(stored.next_poll - clock.now)
    assert report.status == "paused" and stored.paused
    assert "RuntimeError" in (stored.pause_reason or "")
    assert all(b > a for a, b in itertools.pairwise(waits[:-1]))  # exponential
    assert len(channel.notes) == 1


async def test_a_first_poll_that_fails_is_a_recorded_failure_not_a_traceback(
    site, feeds, monkeypatch
):
    async def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(feeds.store, "mark_seen", broken)
    feed, report = await feeds.subscribe(serve_items(site, [1]), guild_id=GUILD)
    assert report.status == "failed" and "RuntimeError" in (report.detail or "")
    assert feed.failures == 1 and feed.last_status == "failed"


async def test_a_page_that_breaks_the_extractor_costs_only_its_item(site, feeds, monkeypatch):
    import bot.app.feed_polling

    real = bot.app.feed_polling._page_draft

    def fragile(html, url, item):
        if url.endswith("/story/2"):
            raise RecursionError("maximum recursion depth exceeded")  # a hostile page
        return real(html, url, item)

    monkeypatch.setattr(bot.app.feed_polling, "_page_draft", fragile)
    feed, report = await feeds.subscribe(serve_items(site, [1, 2, 3]), guild_id=GUILD)
    assert (report.status, report.new, report.failed) == ("ok", 2, 1)
    details = [d for _, d in await feeds.store.seen_details(feed.id) if d]
    assert any("its page could not be read (RecursionError)" in d for d in details)
    refusals = await feeds.store.last_refusals([feed.id])
    assert "RecursionError" in refusals[feed.id]  # what /feed list shows on the feed's line


async def test_an_item_the_database_refuses_is_skipped_and_the_rest_stored(
    site, feeds, desk, monkeypatch
):
    real = desk.store.add_many

    async def picky(articles):
        if any(a.title == story(2)[0] for a in articles):
            raise RuntimeError("value too long for the column")
        return await real(articles)

    monkeypatch.setattr(desk.store, "add_many", picky)
    feed, report = await feeds.subscribe(serve_items(site, [1, 2, 3]), guild_id=GUILD)
    assert (report.status, report.new, report.failed) == ("ok", 2, 1)
    assert {a.title for a in await desk.recent(GUILD)} == {story(1)[0], story(3)[0]}
    assert "1 not stored" in (report.summary() or "")
    refusals = await feeds.store.last_refusals([feed.id])
    assert refusals[feed.id] == "the database refused it (RuntimeError)"


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1]:99999/feed"])
async def test_an_address_no_parser_reads_is_one_line_and_stores_nothing(
    feeds: FeedCases, url: str
) -> None:
    # /feed add hands the URL as typed: an unclosed bracket or a port out of range is
    # the member's mistake, told in one line, never a ValueError from deep in the fetch.
    from news.feed_parse import FeedError

    with pytest.raises(FeedError, match="not a valid address"):
        await feeds.subscribe(url, guild_id=GUILD, channel_id=1)
    assert await feeds.store.count(GUILD) == 0
