"""Several bot processes on one database, at the store: the shard filter (the same SQL on
SQLite and PostgreSQL, agreeing with Discord's formula), and feed polls claimed once however
many pollers race for them. Every test runs on both backends (``stores`` fixture)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from news.domain import RunStatus
from storage.backend import open_stores
from storage.interfaces import Stores
from storage.shards import Shards, shard_filter, shard_of

T0 = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)
LEASE = T0 + timedelta(minutes=15)

# Guild ids whose shard is known by hand: (n << 22) + anything is on shard n % count.
# Among them ids the size Discord hands out today, and the largest a snowflake can be.
GUILDS = [
    (0 << 22) + 17,
    (1 << 22) + 4_000_000,
    (2 << 22) + 99,
    (3 << 22),
    (250_000_000_123 << 22) + 1234,  # an id of 2025's size, about 1.05e18
    (2**63 - 1),
]


def test_shard_of_is_discords_formula():
    assert [shard_of(g, 4) for g in GUILDS] == [0, 1, 2, 3, 3, 3]
    assert shard_of((7 << 22) + (1 << 21), 1) == 0  # one shard holds everything
    one = Shards((1,), 4)
    assert one.owns(GUILDS[1]) and not one.owns(GUILDS[0]) and not one.owns(None)
    assert Shards((0, 2), 4).owns(None)  # global feeds: the process with shard 0


@pytest.mark.parametrize(("ids", "count"), [((), 2), ((0, 0), 2), ((2,), 2), ((0,), 0)])
def test_shards_that_cannot_be_are_refused(ids, count):
    with pytest.raises(ValueError):
        Shards(ids, count)


def test_all_shards_of_a_count_filter_nothing():
    assert shard_filter(None) == ("1 = 1", ())
    assert shard_filter(Shards((1, 0), 2)) == ("1 = 1", ())
    where, params = shard_filter(Shards((2,), 4), "g")
    assert where == "((g >> 22) % ?) IN (?)" and params == (4, 2)


async def add_feeds(stores: Stores, guilds, per_scope: int = 1) -> dict[int, int | None]:
    """One feed (or several) per scope, all due at T0; feed id -> its guild."""
    made: dict[int, int | None] = {}
    for guild in guilds:
        for n in range(per_scope):
            feed = await stores.feeds.add(
                guild, f"https://wire{n}.example/{guild}/rss", now=T0, next_poll=T0
            )
            made[feed.id] = guild
    return made


@pytest.mark.parametrize(("ids", "count"), [((0,), 2), ((1,), 2), ((1, 3), 4), ((2,), 3)])
async def test_the_sql_filter_agrees_with_the_formula(stores, ids, count):
    feeds = await add_feeds(stores, [*GUILDS, None])
    shards = Shards(ids, count)
    expected = {fid for fid, guild in feeds.items() if shards.owns(guild)}
    due = await stores.feeds.due(T0, shards=shards)
    assert {f.id for f in due} == expected and expected
    assert {f.id for f in await stores.feeds.due(T0)} == set(feeds)  # no shards: all


async def test_a_claim_moves_the_due_feeds_to_the_lease_and_returns_them_as_they_were(stores):
    store = stores.feeds
    late = await store.add(1, "https://late.example/rss", now=T0, next_poll=T0 - timedelta(hours=1))
    due = await store.add(1, "https://due.example/rss", now=T0, next_poll=T0)
    later = await store.add(
        1, "https://later.example/rss", now=T0, next_poll=T0 + timedelta(minutes=1)
    )
    claimed = await store.claim_due(T0, until=LEASE)
    assert [(f.id, f.next_poll) for f in claimed] == [(late.id, late.next_poll), (due.id, T0)]
    assert await store.claim_due(T0, until=LEASE) == []  # taken: not due for anyone else
    assert (await store.get(late.id, any_scope=True)).next_poll == LEASE  # type: ignore[union-attr]
    # A poller that died holding them: at the lease's end they are due again.
    assert {f.id for f in await store.claim_due(LEASE, until=LEASE + timedelta(minutes=15))} == {
        late.id,
        due.id,
        later.id,
    }


@pytest.fixture
async def two_on_one(stores, request, tmp_path) -> AsyncIterator[tuple[Stores, Stores]]:
    """A second opening of the ``stores`` database, as another process would open it."""
    if stores.feeds.db.dialect == "sqlite":
        other = await open_stores(tmp_path / "stores.db")
    else:
        other = await open_stores(request.getfixturevalue("postgres_url"))
    try:
        yield stores, other
    finally:
        await other.close()


async def test_pollers_racing_on_one_database_claim_each_feed_once(two_on_one):
    first, second = two_on_one
    feeds = await add_feeds(first, [11 << 22, 12 << 22, None], per_scope=14)
    rounds = [
        (first if n % 2 else second).feeds.claim_due(T0, until=LEASE, limit=5) for n in range(12)
    ]
    claimed = [f.id for batch in await asyncio.gather(*rounds) for f in batch]
    assert sorted(claimed) == sorted(feeds)  # every feed once: none twice, none left
    assert await first.feeds.claim_due(T0, until=LEASE) == []
    assert await second.feeds.claim_due(T0, until=LEASE) == []


async def test_pollers_on_different_shards_split_the_feeds(two_on_one):
    first, second = two_on_one
    feeds = await add_feeds(first, [10 << 22, 11 << 22, None], per_scope=3)
    zero, one = Shards((0,), 2), Shards((1,), 2)
    taken = await asyncio.gather(
        first.feeds.claim_due(T0, until=LEASE, shards=zero),
        second.feeds.claim_due(T0, until=LEASE, shards=one),
    )
    assert {feeds[f.id] for f in taken[0]} == {10 << 22, None}
    assert {feeds[f.id] for f in taken[1]} == {11 << 22}
    assert len(taken[0]) + len(taken[1]) == len(feeds)


async def schedule(stores: Stores, guild: int) -> None:
    await stores.digests.set_schedule(
        guild,
        channel_id=9,
        time_of_day="07:00",
        timezone="UTC",
        days="mon,tue,wed,thu,fri,sat,sun",
        max_articles=5,
        now=T0,
    )


async def test_digests_keep_to_the_shards(stores):
    digests = stores.digests
    mine, theirs = 20 << 22, 21 << 22
    for guild in (mine, theirs):
        await schedule(stores, guild)
        assert await digests.claim(guild, T0, kind="scheduled", channel_id=9, now=T0)
    zero = Shards((0,), 2)
    assert [s.guild_id for s in await digests.active_schedules(shards=zero)] == [mine]
    assert [s.guild_id for s in await digests.active_schedules()] == [mine, theirs]
    # A process starting settles its own interrupted runs, never another's in flight.
    assert await digests.abandon_claims(now=T0, shards=zero) == 1
    assert (await digests.get_run(mine, T0)).status == RunStatus.INTERRUPTED  # type: ignore[union-attr]
    assert (await digests.get_run(theirs, T0)).status == RunStatus.CLAIMED  # type: ignore[union-attr]
