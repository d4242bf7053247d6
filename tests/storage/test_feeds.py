"""FeedStore against a real SQLite file: subscriptions per scope, the limit, seen items,
posts claimed once per channel, polls, pauses and permanent redirects."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from news.domain import FeedExists, FeedLimitReached, PollRecord
from storage.backend import open_stores
from storage.feeds import FeedStore

T0 = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)
GUILD, OTHER = 1111, 2222


@pytest.fixture
def store(stores):
    return stores.feeds


async def add(store: FeedStore, url: str = "https://coast.example/rss", guild=GUILD, **kw):
    return await store.add(guild, url, now=T0, next_poll=T0, **kw)


async def test_migration_and_the_stores_bundle(tmp_path):
    stores = await open_stores(tmp_path / "b.db")
    try:
        assert isinstance(stores.feeds, FeedStore)
        assert await stores.feeds.subscriptions(None, all_scopes=True) == []
    finally:
        await stores.close()


async def test_one_url_once_per_scope_and_the_limit(store):
    feed = await add(store, title="Coast", channel_id=5, include_words="ferry")
    assert feed.guild_id == GUILD and feed.interval_minutes == 15 and not feed.paused
    with pytest.raises(FeedExists) as exists:
        await add(store, "http://www.coast.example/rss/")  # the same normalised URL
    assert exists.value.feed.id == feed.id
    other = await add(store, guild=OTHER)  # another server may follow it too
    glob = await add(store, guild=None)
    assert len({feed.id, other.id, glob.id}) == 3
    await add(store, "https://coast.example/two", limit=2)
    with pytest.raises(FeedLimitReached):
        await add(store, "https://coast.example/three", limit=2)
    assert [f.id for f in await store.subscriptions(GUILD)] == [feed.id, feed.id + 3]
    assert await store.get(feed.id, OTHER) is None  # scoped
    assert (await store.get(feed.id, any_scope=True)) == feed
    assert [f.id for f in await store.names(GUILD, "two")] == [feed.id + 3]
    assert [f.id for f in await store.names(GUILD, "100%")] == []  # LIKE wildcards escaped
    assert [f.id for f in await store.names(GUILD, "t\x00wo")] == [feed.id + 3]  # NUL dropped


async def test_interval_below_five_minutes_is_refused_by_the_schema(store):
    with pytest.raises(Exception):  # noqa: B017 - the CHECK constraint, whatever its wrapper
        await add(store, interval_minutes=2)


async def test_seen_keys_are_unique_per_feed(store):
    feed = await add(store)
    other = await add(store, "https://other.example/rss")
    await store.mark_seen(feed.id, [(("id:1", "url:https://a.example/1"), 10, None)], now=T0)
    # Marking again (a restart mid-poll, a second process) changes nothing.
    await store.mark_seen(feed.id, [(("id:1",), 99, "again")], now=T0)
    assert await store.seen(feed.id, ["id:1", "url:https://a.example/1", "id:2"]) == {
        "id:1",
        "url:https://a.example/1",
    }
    assert await store.seen(other.id, ["id:1"]) == frozenset()
    assert (await store.seen_details(feed.id))[0] == (10, None)
    many = [f"id:{n}" for n in range(1200)]  # more than one IN list
    await store.mark_seen(feed.id, [((k,), None, "x") for k in many], now=T0)
    assert len(await store.seen(feed.id, many)) == 1200


async def test_posts_are_claimed_once_per_channel_even_concurrently(store):
    one = await add(store)
    two = await add(store, "https://two.example/rss")
    results = await asyncio.gather(
        store.claim_posts(500, [1, 2, 3], feed_id=one.id, now=T0),
        store.claim_posts(500, [2, 3, 4], feed_id=two.id, now=T0),
    )
    assert sorted(results[0] + results[1]) == [1, 2, 3, 4]
    assert await store.claim_posts(600, [1], feed_id=one.id, now=T0) == [1]  # another channel
    await store.release_posts(500, [4])
    assert await store.claim_posts(500, [4], feed_id=two.id, now=T0) == [4]


async def test_polls_failures_pause_resume_and_due(store):
    feed = await add(store)
    later = T0 + timedelta(minutes=15)
    assert [f.id for f in await store.due(T0)] == [feed.id]
    ok = PollRecord("ok", None, later, True, etag='"e"', last_modified="x", title="T", primed=True)
    polled = await store.record_poll(feed.id, ok, now=T0)
    assert polled is not None and polled.etag == '"e"' and polled.primed_at == T0
    assert polled.title == "T" and polled.failures == 0 and await store.due(T0) == []
    for n in range(3):
        bad = PollRecord("failed", "boom", later, False)
        polled = await store.record_poll(feed.id, bad, now=T0)
        assert polled is not None and polled.failures == n + 1
    assert polled.etag == '"e"'  # a failed poll keeps the validators
    assert await store.pause(feed.id, "boom") is True
    assert await store.pause(feed.id, "boom") is False  # only one caller tells the channel
    assert await store.due(later) == []
    await store.pause_posting(feed.id, "channel deleted")
    resumed = await store.resume(feed.id, GUILD, next_poll=T0)
    assert resumed is not None and not resumed.paused and resumed.failures == 0
    assert resumed.posting_paused is None
    assert await store.resume(feed.id, OTHER, next_poll=T0) is None


async def test_permanent_redirect_moves_the_url_unless_taken(store):
    feed = await add(store, "https://old.example/rss")
    taken = await add(store, "https://taken.example/rss")
    moved = await store.record_poll(
        feed.id, PollRecord("ok", None, T0, True, url="https://new.example/rss"), now=T0
    )
    assert moved is not None and moved.url == "https://new.example/rss"
    kept = await store.record_poll(feed.id, PollRecord("ok", None, T0, True, url=taken.url), now=T0)
    assert kept is not None and kept.url == "https://new.example/rss"


async def test_remove_keeps_posted_records_and_drops_seen(store):
    feed = await add(store)
    await store.mark_seen(feed.id, [(("id:1",), 1, None)], now=T0)
    await store.claim_posts(5, [1], feed_id=feed.id, now=T0)
    assert await store.remove(feed.id, OTHER) is None
    assert (await store.remove(feed.id, GUILD)) is not None
    assert await store.seen(feed.id, ["id:1"]) == frozenset()
    assert await store.claim_posts(5, [1], feed_id=feed.id, now=T0) == []


async def test_last_refusals_give_each_feed_its_newest_reason(store):
    one = await add(store, "https://a.example/rss")
    two = await add(store, "https://b.example/rss")
    quiet = await add(store, "https://c.example/rss")
    await store.mark_seen(one.id, [(("id:1",), None, "not stored: HTTP 404")], now=T0)
    later = T0 + timedelta(minutes=15)
    await store.mark_seen(
        one.id,
        [(("id:2",), None, "left out by the feed's keywords"), (("id:3",), 7, "stored")],
        now=later,
    )
    await store.mark_seen(two.id, [(("id:1",), None, "older than the first poll")], now=T0)
    await store.mark_seen(quiet.id, [(("id:1",), 8, None)], now=T0)  # stored: no refusal
    assert await store.last_refusals([one.id, two.id, quiet.id, 999]) == {
        one.id: "left out by the feed's keywords",
        two.id: "older than the first poll",
    }
    assert await store.last_refusals([]) == {}
