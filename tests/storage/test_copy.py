"""Copying a SQLite file into PostgreSQL (storage/postgres/copy.py), both databases real.

The file is filled through the SQLite stores with every kind of row the bot keeps; the
copy is read back through the PostgreSQL stores and compared with what the SQLite stores
return, dataclass by dataclass.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from news.domain import NewArticle, PollRecord, RunStatus
from storage.backend import open_stores
from storage.db import open_database
from storage.errors import StorageError
from storage.interfaces import Stores
from storage.migrate import load_migrations
from storage.postgres.copy import TABLES, copy_database
from tests.harness.postgres import require_postgres, scratch_database

T0 = datetime(2025, 3, 4, 9, 15, 30, 123456, tzinfo=UTC)
GUILD, OTHER_GUILD = 7301, 7302
CHANNEL, MOD_ROLE = 88001, 5150

STORIES = [
    (
        "Lighthouse keeper retires after forty winters",
        "The keeper of the Skerry Point light handed over his keys on Friday. "
        "He climbed the tower's ninety steps twice a day for four decades.",
    ),
    (
        "Ferry timetable changes for the spring",
        "The island ferry will run an extra crossing on Saturdays from April. "
        "Tickets for the early boat go on sale next week.",
    ),
    (
        "Bakery wins county bread prize",
        "A two-person bakery on Quay Lane won the county prize for its rye loaf. "
        "The judges praised its crust and its sour tang.",
    ),
    (
        "Harbour dredging starts in May",
        "Dredgers will deepen the harbour mouth so larger fishing boats can land at low tide. "
        "The work is expected to last six weeks.",
    ),
]
GUILD_STORY = (
    "Choir rehearsals move to the library",
    "The community choir now rehearses in the library's upstairs room on Tuesday evenings. "
    "New singers are welcome without an audition.",
)
GONE_STORY = (
    "Road closure cancelled",
    "The planned closure of the coast road was called off after the repairs were brought "
    "forward to the winter.",
)


@dataclass
class Filled:
    path: Path
    article_ids: list[int]
    gone_id: int  # the newest article, removed: its id must never be handed out again
    feed_ids: list[int]


def article(title: str, text: str, n: int, **extra: Any) -> NewArticle:
    return NewArticle(
        title=title,
        text=text,
        url=f"https://bay.example/news/{n}",
        source="Bay Courier",
        added_at=T0 + timedelta(minutes=n),
        **extra,
    )


async def fill(path: Path) -> Filled:
    """A SQLite file holding every kind of row, written through the stores."""
    stores = await open_stores(path)
    try:
        outcomes = await stores.articles.add_many(
            [article(title, text, n) for n, (title, text) in enumerate(STORIES)]
        )
        ids = [o.article.id for o in outcomes]
        await stores.articles.set_summary(ids[0], ["The keeper handed over his keys."])
        mine = await stores.articles.add(
            article(*GUILD_STORY, 10, guild_id=GUILD, added_by=99, summary=("Choir moves.",))
        )
        ids.append(mine.article.id)
        gone = await stores.articles.add(article(*GONE_STORY, 11))
        assert await stores.articles.remove(gone.article.id, None)

        await stores.guilds.set_mod_role(GUILD, MOD_ROLE)
        await stores.digests.set_schedule(
            GUILD,
            channel_id=CHANNEL,
            time_of_day="07:30",
            timezone="Europe/Dublin",
            days="mon,wed,fri",
            max_articles=5,
            now=T0,
            updated_by=42,
        )
        # Where the digest lands (issue 21): copied with the schedule.
        await stores.digests.set_delivery(
            GUILD, channel_id=CHANNEL + 1, deliver="forum", forum_tag=77, publish=True, now=T0
        )
        await stores.digests.note_delivery(GUILD, "I can't publish in <#1>.")
        digests = stores.digests
        posted = await digests.claim(
            GUILD, T0 + timedelta(days=1), kind="scheduled", channel_id=CHANNEL, now=T0
        )
        assert posted is not None
        await digests.record_posted(posted.id, ids[:2], now=T0 + timedelta(days=1, seconds=3))
        await digests.finish(
            posted.id,
            RunStatus.POSTED,
            now=T0 + timedelta(days=1, seconds=4),
            articles=2,
            covers_until=T0 + timedelta(days=1),
            reset_failures=True,
        )
        failed = await digests.claim(
            GUILD, T0 + timedelta(days=2), kind="manual", channel_id=CHANNEL, now=T0
        )
        assert failed is not None
        await digests.record_posted(failed.id, [ids[2]], now=T0 + timedelta(days=2))
        await digests.record_failure(failed.id, "Missing Access", now=T0 + timedelta(days=2))

        feeds = stores.feeds
        feed = await feeds.add(
            GUILD,
            "https://bay.example/feed.xml",
            now=T0,
            next_poll=T0,
            title="Bay Courier",
            channel_id=CHANNEL,
            include_words="harbour,ferry",
            added_by=99,
        )
        poll = PollRecord(
            status="ok",
            detail=None,
            next_poll=T0 + timedelta(minutes=15),
            ok=True,
            etag='"v7"',
            primed=True,
        )
        await feeds.record_poll(feed.id, poll, now=T0)
        # Seen in the same microsecond: only the order of insertion orders them.
        await feeds.mark_seen(
            feed.id,
            [
                (("id:ferry", "url:bay.example/news/1"), ids[1], None),
                (("id:short",), None, "too short to store"),
                (("id:harbour",), ids[3], "text from the page"),
            ],
            now=T0,
        )
        assert await feeds.claim_posts(CHANNEL, [ids[1], ids[3]], feed_id=feed.id, now=T0)
        wire = await feeds.add(None, "https://wire.example/atom", now=T0, next_poll=T0)
        return Filled(path, ids, gone.article.id, [feed.id, wire.id])
    finally:
        await stores.close()


async def everything(stores: Stores, filled: Filled) -> dict[str, Any]:
    """All the stores can say about the filled rows (dataclasses, compared field by field)."""
    feeds = await stores.feeds.subscriptions(None, all_scopes=True)
    return {
        "articles": await stores.articles.recent(None, all_scopes=True, limit=100),
        "each": [await stores.articles.get_any(i) for i in filled.article_ids],
        "guild_view": await stores.articles.recent(GUILD, limit=100),
        "mod_role": await stores.guilds.mod_role(GUILD),
        "no_role": await stores.guilds.mod_role(OTHER_GUILD),
        "schedule": await stores.digests.get_schedule(GUILD),
        "runs": await stores.digests.runs(GUILD, limit=50),
        "last_posted": await stores.digests.last_posted(GUILD),
        "posted": await stores.digests.posted_after(GUILD, None),
        "feeds": feeds,
        "seen": [await stores.feeds.seen_details(f.id) for f in feeds],
        "seen_keys": await stores.feeds.seen(filled.feed_ids[0], ["id:ferry", "id:short", "x"]),
        "refusals": await stores.feeds.last_refusals(filled.feed_ids),
    }


@pytest.fixture
async def target() -> AsyncIterator[str]:
    """An empty PostgreSQL database of this test's own (the copy migrates it)."""
    async with scratch_database(require_postgres()) as url:
        yield url


@pytest.fixture
async def filled(tmp_path) -> Filled:
    return await fill(tmp_path / "bot.db")


async def read_back(filled: Filled, target: str) -> tuple[dict[str, Any], dict[str, Any]]:
    source, copy = await open_stores(filled.path), await open_stores(target)
    try:
        return await everything(source, filled), await everything(copy, filled)
    finally:
        await source.close()
        await copy.close()


async def count(url: str, table: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


async def test_every_row_is_copied_with_its_id(filled, target):
    report = await copy_database(filled.path, target)

    ours, theirs = await read_back(filled, target)
    assert theirs == ours
    assert [a.id for a in theirs["each"]] == filled.article_ids
    assert theirs["mod_role"] == MOD_ROLE and theirs["schedule"].days == "mon,wed,fri"
    assert theirs["schedule"].delivery_note == "I can't publish in <#1>."
    assert (theirs["schedule"].deliver, theirs["schedule"].forum_tag) == ("forum", 77)
    assert [r.status for r in theirs["runs"]] == [RunStatus.FAILED, RunStatus.POSTED]
    assert theirs["posted"] == set(filled.article_ids[:3])
    assert theirs["seen"][0] == [
        (filled.article_ids[3], "text from the page"),
        (None, "too short to store"),
        (filled.article_ids[1], None),
        (filled.article_ids[1], None),
    ]
    assert theirs["refusals"] == {filled.feed_ids[0]: "too short to store"}
    by_table = {t.table: t for t in report.tables}
    assert [t.table for t in report.tables] == [t.name for t in TABLES]
    assert by_table["articles"].source == by_table["articles"].copied == 5
    assert by_table["feed_seen"].copied == 4 and by_table["digest_posted"].copied == 3
    assert all(t.target == t.source == t.copied and t.skipped == 0 for t in report.tables)
    assert "@" not in report.target and report.rows == report.copied == 20


async def test_the_copy_searches_and_hands_out_new_ids_only(filled, target):
    await copy_database(filled.path, target)
    stores = await open_stores(target)
    try:
        hits = await stores.articles.search("lighthouse keeper", None)
        assert [h.article_id for h in hits] == [filled.article_ids[0]]
        guild_hits = await stores.articles.search("choir rehearsals", GUILD)
        assert [h.article_id for h in guild_hits] == [filled.article_ids[-1]]

        # The file's newest article was removed: its id is not handed out again.
        new = await stores.articles.add(article("Pier reopens", "The pier is open again.", 20))
        assert new.created and new.article.id == filled.gone_id + 1
        run = await stores.digests.claim(
            GUILD, T0 + timedelta(days=9), kind="scheduled", channel_id=CHANNEL, now=T0
        )
        assert run is not None and run.id == max(r.id for r in await stores.digests.runs(GUILD))
        assert run.id > 2
        feed = await stores.feeds.add(OTHER_GUILD, "https://new.example/rss", now=T0, next_poll=T0)
        assert feed.id == max(filled.feed_ids) + 1
        # What was posted to a channel in the file stays posted on the copy.
        ids = filled.article_ids
        fresh = await stores.feeds.claim_posts(CHANNEL, [ids[1], ids[2]], feed_id=feed.id, now=T0)
        assert fresh == [ids[2]]
    finally:
        await stores.close()


async def test_running_it_again_copies_nothing_and_duplicates_nothing(filled, target):
    first = await copy_database(filled.path, target)
    again = await copy_database(filled.path, target, batch=3)

    assert again.copied == 0
    assert [(t.table, t.skipped, t.target) for t in again.tables] == [
        (t.table, t.source, t.source) for t in first.tables
    ]
    ours, theirs = await read_back(filled, target)
    assert theirs == ours


async def test_an_interrupted_copy_completes_when_run_again(filled, target):
    class Stop(Exception):
        pass

    calls: list[tuple[str, int, int]] = []

    def stop_after_first_batch(table: str, done: int, total: int) -> None:
        calls.append((table, done, total))
        raise Stop

    with pytest.raises(Stop):
        await copy_database(filled.path, target, batch=2, progress=stop_after_first_batch)
    assert calls == [("articles", 2, 5)]
    assert await count(target, "articles") == 2  # the first batch was committed, alone
    assert await count(target, "feeds") == 0

    seen: list[tuple[str, int, int]] = []
    report = await copy_database(
        filled.path, target, batch=2, progress=lambda *step: seen.append(step)
    )
    by_table = {t.table: t for t in report.tables}
    assert (by_table["articles"].skipped, by_table["articles"].copied) == (2, 3)
    assert all(t.target == t.source for t in report.tables)
    assert [s for s in seen if s[0] == "articles"] == [
        ("articles", 2, 5),
        ("articles", 4, 5),
        ("articles", 5, 5),
    ]
    assert ("guild_settings", 1, 1) in seen
    ours, theirs = await read_back(filled, target)
    assert theirs == ours


async def test_a_target_with_other_rows_is_refused_before_anything_is_written(filled, target):
    other = await open_stores(target)
    try:
        await other.articles.add(NewArticle(title="Elsewhere", text="A story from another town."))
    finally:
        await other.close()

    with pytest.raises(StorageError, match=r"articles #1, whose .*content_hash.* differ") as err:
        await copy_database(filled.path, target)
    assert "copy into an empty database" in str(err.value)
    assert await count(target, "articles") == 1
    assert await count(target, "feeds") == 0


async def test_a_row_the_file_does_not_hold_is_refused(filled, target):
    await copy_database(filled.path, target)
    conn = await asyncpg.connect(target)
    try:
        await conn.execute(
            "INSERT INTO guild_settings (guild_id, mod_role_id, updated_at) VALUES ($1, 1, $2)",
            OTHER_GUILD,
            T0.isoformat(),
        )
    finally:
        await conn.close()
    with pytest.raises(StorageError, match=f"guild_settings #{OTHER_GUILD}, which .* not hold"):
        await copy_database(filled.path, target)


async def test_counts_are_checked_at_the_end(filled, target):
    """A row lost on the way (here: deleted by someone else mid-copy) is reported."""

    def delete_one(table: str, done: int, total: int) -> None:
        if table == "guild_settings":
            # The callback is synchronous: the deletion runs on a loop of its own.
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, _delete_article(target, filled.article_ids[2])).result()

    with pytest.raises(StorageError, match=r"incomplete: articles \(5 in the file, 4 copied\)"):
        await copy_database(filled.path, target, progress=delete_one)


async def _delete_article(url: str, article_id: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DELETE FROM articles WHERE id = $1", article_id)
    finally:
        await conn.close()


async def test_an_older_file_is_refused_and_left_as_it_is(tmp_path, target):
    path = tmp_path / "old.db"
    db = await open_database(path, migrations=load_migrations()[:6])
    await db.close()
    with pytest.raises(StorageError, match=r"schema 6, older than .* open it once"):
        await copy_database(path, target)
    db = await open_database(path, migrations=load_migrations()[:6])
    try:
        assert await db.schema_version() == 6
    finally:
        await db.close()


async def test_a_missing_file_is_one_line(tmp_path, target):
    with pytest.raises(StorageError, match="There is no database at"):
        await copy_database(tmp_path / "nothing.db", target)
    assert not (tmp_path / "nothing.db").exists()


async def test_a_nul_in_the_file_is_cleaned_and_the_copy_runs_again(filled, target):
    # A file written before texts were sanitised where they enter: NULs in an article's
    # title and author and in a seen item's key, which PostgreSQL refuses in any text.
    first = filled.article_ids[0]
    poisoned = await open_database(filled.path)
    try:
        async with poisoned.transaction() as tx:
            await tx.execute(
                "UPDATE articles SET title = 'Keeper' || char(0) || ' retires',"
                " author = 'Ann' || char(0) || 'Lee' WHERE id = ?",
                (first,),
            )
            await tx.execute(
                "UPDATE feed_seen SET item_key = 'id:sh' || char(0) || 'ort'"
                " WHERE item_key = 'id:short'"
            )
    finally:
        await poisoned.close()
    report = await copy_database(filled.path, target)
    cleaned = {t.table: t.cleaned for t in report.tables}
    assert cleaned["articles"] == 1 and cleaned["feed_seen"] == 1
    assert sum(cleaned.values()) == 2
    again = await copy_database(filled.path, target, batch=2)  # not refused as "another"
    assert again.copied == 0 and again.rows == report.rows
    copy = await open_stores(target)
    try:
        stored = await copy.articles.get_any(first)
        assert stored is not None
        assert (stored.title, stored.author) == ("Keeper retires", "AnnLee")
        assert await copy.feeds.seen(filled.feed_ids[0], ["id:short"]) == {"id:short"}
    finally:
        await copy.close()
