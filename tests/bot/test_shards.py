"""Several bot processes: the shard and database settings, the client's shard options, and
a digest scheduler that keeps to its shards' guilds (on a real SQLite store and a real
APScheduler)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.client import NewsBot
from bot.config import Settings, SettingsError, load_settings, parse_shards
from bot.digest import Digest, render_messages
from bot.scheduler import DigestScheduler, RunResult, Sent, SlotRunner
from news.domain import Article, NewArticle, RunStatus
from storage.articles import ArticleStore
from storage.db import open_database
from storage.digests import DigestStore
from storage.shards import Shards

PASSWORD = "pw-Hidden-7731"
ENV = ("NEWSBOT_SHARDS", "NEWSBOT_SHARD_COUNT", "NEWSBOT_DATABASE_URL", "NEWSBOT_DB")
# Two guilds on different shards of 2: (n << 22) + anything is on shard n % 2.
EVEN, ODD = (40 << 22) + 5, (41 << 22) + 5
T0 = datetime(2025, 9, 1, 6, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    yield


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(_env_file=None)


# -- shards ---------------------------------------------------------------------------


def test_no_shard_settings_means_every_guild(monkeypatch):
    assert settings(monkeypatch).shards() is None
    assert settings(monkeypatch, NEWSBOT_SHARDS="", NEWSBOT_SHARD_COUNT="").shards() is None


def test_shard_settings(monkeypatch):
    got = settings(monkeypatch, NEWSBOT_SHARDS=" 2, 0 ", NEWSBOT_SHARD_COUNT="4").shards()
    assert got == Shards((2, 0), 4)
    # A count alone: this process holds all of them.
    assert settings(monkeypatch, NEWSBOT_SHARDS="", NEWSBOT_SHARD_COUNT="3").shards() == Shards(
        (0, 1, 2), 3
    )


@pytest.mark.parametrize(
    ("ids", "count", "words"),
    [
        ("0,1", None, ["NEWSBOT_SHARDS is set but NEWSBOT_SHARD_COUNT is not"]),
        ("0,4", 4, ["shard 4 is not below NEWSBOT_SHARD_COUNT=4", "0 to 3"]),
        ("1,1", 4, ["shard 1 is listed twice"]),
        ("0", 0, ["NEWSBOT_SHARD_COUNT must be at least 1"]),
        ("0,one", 2, ["separated by commas", "'0,one'"]),
        ("-1", 2, ["separated by commas"]),
        ("²", 4, ["separated by commas"]),
    ],
)
def test_shards_that_do_not_fit_are_one_line(ids, count, words):
    with pytest.raises(SettingsError) as err:
        parse_shards(ids, count)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_shard_count_that_is_not_a_number_is_refused_at_load(monkeypatch):
    with pytest.raises(ValueError, match="NEWSBOT_SHARD_COUNT"):
        settings(monkeypatch, NEWSBOT_SHARD_COUNT="four")


def test_the_client_connects_only_its_shards(monkeypatch):
    bot = NewsBot(settings(monkeypatch, NEWSBOT_SHARDS="1,3", NEWSBOT_SHARD_COUNT="4"))
    assert (bot.shard_ids, bot.shard_count, bot.own_shards) == ([1, 3], 4, Shards((1, 3), 4))
    everything = NewsBot(settings(monkeypatch, NEWSBOT_SHARDS="", NEWSBOT_SHARD_COUNT=""))
    # None: discord.py asks Discord how many shards, and runs them all here.
    assert (everything.shard_ids, everything.shard_count, everything.own_shards) == (
        None,
        None,
        None,
    )


def test_the_client_refuses_shards_without_a_count(monkeypatch):
    with pytest.raises(SettingsError, match="NEWSBOT_SHARD_COUNT"):
        NewsBot(settings(monkeypatch, NEWSBOT_SHARDS="0"))


# -- the database's location -----------------------------------------------------------


def test_the_database_url_wins_over_the_file_and_its_password_never_shows(monkeypatch):
    url = f"postgresql://newsbot:{PASSWORD}@db.internal:5432/news"
    s = settings(monkeypatch, NEWSBOT_DATABASE_URL=url, NEWSBOT_DB="elsewhere.db")
    assert s.database_location() == url
    for shown in (repr(s), str(s), f"{asdict(s)}", f"{s.database_url}"):
        assert PASSWORD not in shown


def test_without_a_url_the_file(monkeypatch):
    assert settings(monkeypatch).database_location() == Path("data") / "newsbot.db"
    blank = settings(monkeypatch, NEWSBOT_DATABASE_URL=" ", NEWSBOT_DB="x/news.db")
    assert blank.database_location() == Path("x/news.db")
    lite = settings(monkeypatch, NEWSBOT_DATABASE_URL="sqlite:///srv/news.db")
    assert lite.database_location() == "sqlite:///srv/news.db"


def test_a_url_of_another_kind_is_refused_without_repeating_it(monkeypatch):
    s = settings(monkeypatch, NEWSBOT_DATABASE_URL=f"mysql://root:{PASSWORD}@db/news")
    with pytest.raises(SettingsError) as err:
        s.database_location()
    assert "NEWSBOT_DATABASE_URL" in str(err.value) and "postgresql://" in str(err.value)
    assert PASSWORD not in str(err.value) and "\n" not in str(err.value)


# -- the digest scheduler on shards ----------------------------------------------------


class Poster:
    def __init__(self) -> None:
        self.channels: list[int] = []

    async def __call__(self, channel_id: int, digest: Digest, sent: Sent) -> None:
        for message in render_messages(digest):
            await sent(message)
        self.channels.append(channel_id)


class Desk:
    """The slice of NewsDesk a digest needs."""

    def __init__(self, store: ArticleStore):
        self.store = store

    async def summary(self, article: Article, sentences: int = 3) -> list[str]:
        return list(article.summary or ("A summary.",))


@pytest.fixture
async def aps() -> AsyncIterator[AsyncIOScheduler]:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start()
    yield scheduler
    scheduler.shutdown(wait=False)


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[tuple[Desk, DigestStore]]:
    db = await open_database(tmp_path / "s.db")
    desk, store = Desk(ArticleStore(db)), DigestStore(db)
    for guild, channel in ((EVEN, 70), (ODD, 71)):
        await store.set_schedule(
            guild,
            channel_id=channel,
            time_of_day="07:00",
            timezone="UTC",
            days="mon,tue,wed,thu,fri,sat,sun",
            max_articles=5,
            now=T0 - timedelta(days=1),
        )
        await desk.store.add(
            NewArticle(
                title=f"Ferry timetable changes for guild {guild % 97}",
                text="The harbour office published a new ferry timetable for the autumn.",
                url=f"https://harbour.example/{guild}",
                source="harbour.example",
                guild_id=guild,
                summary=("A new ferry timetable.",),
                added_at=T0 - timedelta(hours=2),
            )
        )
    yield desk, store
    await db.close()


def scheduler_on(world, aps, shards: Shards | None) -> tuple[DigestScheduler, Poster]:
    desk, store = world
    poster = Poster()
    runner = SlotRunner(desk, store, poster, clock=lambda: T0 + timedelta(minutes=31))
    return DigestScheduler(store, runner, aps, shards=shards), poster


async def test_a_scheduler_on_some_shards_schedules_only_their_guilds(world, aps):
    other_process = AsyncIOScheduler(timezone=UTC)
    other_process.start()
    even, _ = scheduler_on(world, aps, Shards((0,), 2))
    odd, _ = scheduler_on(world, other_process, Shards((1,), 2))
    try:
        await even.start()
        await odd.start()
        assert (even.scheduled_guilds(), odd.scheduled_guilds()) == ([EVEN], [ODD])
        # /digest set for a guild of the other shards adds no job in this process.
        schedule = await world[1].get_schedule(ODD)
        assert schedule is not None
        even.schedule(schedule)
        assert even.scheduled_guilds() == [EVEN]
    finally:
        await even.close()
        await odd.close()
        other_process.shutdown(wait=False)


async def test_without_shards_every_guild_is_scheduled(world, aps):
    everything, _ = scheduler_on(world, aps, None)
    await everything.start()
    try:
        assert everything.scheduled_guilds() == [EVEN, ODD]
    finally:
        await everything.close()


async def test_two_processes_catch_up_each_guild_once_between_them(world, aps):
    even, even_posts = scheduler_on(world, aps, Shards((0,), 2))
    odd, odd_posts = scheduler_on(world, aps, Shards((1,), 2))
    slot = datetime(2025, 9, 1, 7, 0, tzinfo=UTC)
    done = await asyncio.gather(even.catch_up(), odd.catch_up())
    assert done == [
        {EVEN: RunResult(RunStatus.POSTED, slot, 1)},
        {ODD: RunResult(RunStatus.POSTED, slot, 1)},
    ]
    assert (even_posts.channels, odd_posts.channels) == ([70], [71])
