"""Two bot processes on one PostgreSQL and the fake Discord, each holding half the shards.

Eight servers, two on each of four shards; process A runs ``newsbot run`` with shards 0,1
and process B with shards 2,3 (real subprocesses, ``tests/e2e/bot_runners.py``). Every
server's digest is due at the same second. The fake holds the digest messages on their
way, and once both processes are posting, one of them is stopped (SIGTERM, which the bot
does not catch, or SIGKILL) and started again: it must settle only its own shards' claims
(the other process's are still posting), then resume them. Later the other one restarts
too and must post nothing. Every server gets exactly one digest, every article once,
from the process that holds its shard.

A message Discord took but whose answer the bot never read (killed in the few
milliseconds between) would be posted again by the resumed digest: the fake makes the
stop land before the messages reach "Discord", where the store's record is what counts.
"""

from __future__ import annotations

import asyncio
import random
import re
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bot_runners import BotProcess, bot_env
from fake_discord import TOKEN, FakeDiscord, Guild

from bot.app.desk import NewsDesk
from bot.schedule_input import format_days
from tests.harness.load import invented_article
from tests.harness.postgres import require_postgres, scratch_database

SHARD_COUNT = 4
HOLDERS = {"A": "0,1", "B": "2,3"}
LEAD = 6  # seconds from setting the schedules to the digests being due
ARTICLE_ID = re.compile(r"(?:^| · )#(\d+)$", re.MULTILINE)


def guild_id(shard: int, n: int) -> int:
    """A snowflake-sized id that Discord routes to ``shard`` of SHARD_COUNT."""
    return ((SHARD_COUNT * (262_144 + n) + shard) << 22) + 17


GUILDS = [
    Guild(guild_id(shard, n), guild_id(shard, n) + 1, f"Shard {shard} server {n}")
    for shard in range(SHARD_COUNT)
    for n in range(2)
]
CHANNELS = {g.channel_id: g for g in GUILDS}


def holder(guild: Guild) -> str:
    shard = str((guild.id >> 22) % SHARD_COUNT)
    return next(name for name, shards in HOLDERS.items() if shard in shards.split(","))


def channel_of(path: str) -> int | None:
    match = re.fullmatch(r"/channels/(\d+)/messages", path)
    return int(match.group(1)) if match else None


def channel_messages(fake: FakeDiscord) -> dict[int, list[dict[str, Any]]]:
    """The messages each server's channel received, in order."""
    got: dict[int, list[dict[str, Any]]] = {g.id: [] for g in GUILDS}
    for call in fake.calls:
        channel = channel_of(call.path)
        if call.method != "POST" or channel is None or call.status != 200:
            continue
        assert channel in CHANNELS, f"a message to a channel of no server: {call.path}"
        got[CHANNELS[channel].id].append(call.json)
    return got


def delivered(fake: FakeDiscord) -> dict[int, list[int]]:
    """Article ids of every digest message each server's channel received, in order."""
    return {
        guild: [
            int(i)
            for message in messages
            for embed in message.get("embeds") or []
            for i in ARTICLE_ID.findall(embed.get("description") or "")
        ]
        for guild, messages in channel_messages(fake).items()
    }


async def until(check, what: str, timeout: float) -> None:  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(GUILDS, shard_count=SHARD_COUNT)
    await server.start()
    yield server
    await server.stop()


async def prepare(url: str) -> tuple[datetime, dict[int, set[int]]]:
    """Articles (global, and one per server) and every server's digest due in LEAD s;
    the slot and, per server, the articles its digest must hold."""
    desk = await NewsDesk.open(url)
    try:
        rng = random.Random(15)
        shared = []
        for seq in range(6):
            title, text, link = invented_article(900, seq, rng)
            shared.append((await desk.add_text(text, title=title, url=link)).article.id)
        expected = {}
        for n, guild in enumerate(GUILDS):
            title, text, link = invented_article(901, n, rng)
            own = await desk.add_text(text, title=title, url=link, guild_id=guild.id)
            expected[guild.id] = {*shared, own.article.id}
        now = datetime.now(UTC)
        slot = (now + timedelta(seconds=LEAD)).replace(microsecond=0)
        for guild in GUILDS:
            await desk.stores.digests.set_schedule(
                guild.id,
                channel_id=guild.channel_id,
                time_of_day=slot.strftime("%H:%M:%S"),
                timezone="UTC",
                days=format_days(frozenset(range(7))),
                max_articles=10,
                now=now,
            )
    finally:
        await desk.close()
    return slot, expected


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("victim", "signum"), [("B", signal.SIGTERM), ("A", signal.SIGKILL)])
async def test_two_processes_post_each_digest_once_across_restarts(
    fake: FakeDiscord, tmp_path: Path, victim: str, signum: int
) -> None:
    async with scratch_database(require_postgres()) as url:
        slot, expected = await prepare(url)
        gate = fake.hold("POST", r"/channels/\d+/messages")
        bots = {
            name: BotProcess(
                fake.port,
                bot_env(
                    DISCORD_TOKEN=TOKEN,
                    NEWSBOT_DATABASE_URL=url,
                    NEWSBOT_SHARDS=shards,
                    NEWSBOT_SHARD_COUNT=str(SHARD_COUNT),
                    LOG_LEVEL="INFO",
                ),
                tmp_path / f"bot-{name}.log",
                tmp_path,
            )
            for name, shards in HOLDERS.items()
        }
        other = "B" if victim == "A" else "A"
        try:
            for bot in bots.values():
                bot.start()
            await fake.wait_for_shards(set(range(SHARD_COUNT)), timeout=LEAD + 20)

            # Both processes' digests are on their way (the cron jobs of all a process's
            # servers fire at once; one that started late posts them one by one): stop one.
            def in_flight() -> list[Guild]:
                channels = {channel_of(p.path) for p in fake.pending}
                return [g for g in GUILDS if g.channel_id in channels]

            await until(
                lambda: {holder(g) for g in in_flight()} == {"A", "B"},
                "both processes' digests on their way",
                LEAD + 20,
            )
            await asyncio.sleep(0.3)  # the rest of the servers due at the same second
            assert delivered(fake) == {g.id: [] for g in GUILDS}
            await asyncio.to_thread(bots[victim].send, signum)
            others_posting = [g for g in in_flight() if holder(g) == other]
            mark = len(bots[victim].log())
            bots[victim].start()
            # Started again, it settles the claims its stop left (its own shards' only)
            # while the other process is still posting, then resumes them.
            await asyncio.to_thread(
                bots[victim].wait_log, "digest runs were interrupted", after=mark, timeout=20
            )
            desk = await NewsDesk.open(url)
            try:
                for guild in others_posting:
                    run = await desk.stores.digests.get_run(guild.id, slot)
                    assert run is not None and run.status == "claimed", (guild.name, run)
            finally:
                await desk.close()
            gate.set()

            def all_posted() -> bool:
                return all(set(ids) >= expected[g] for g, ids in delivered(fake).items())

            await until(all_posted, "every server's digest", 30)

            # The other one restarts once everything is posted: its catch-up finds the
            # slot taken and posts nothing.
            mark = len(bots[other].log())
            await asyncio.to_thread(bots[other].restart, signal.SIGTERM)
            # The catch-up logs its results once its posts (were there any) were sent: a
            # repost would be among the messages by now, without a sleep to guess it.
            await asyncio.to_thread(
                bots[other].wait_log, "digest catch-up at start-up", after=mark, timeout=60
            )
        finally:
            gate.set()
            for bot in bots.values():
                await asyncio.to_thread(bot.stop)

        logs = {name: bot.log() for name, bot in bots.items()}
        assert fake.pending == []
        messages = channel_messages(fake)
        for guild in GUILDS:
            # One digest: it fits one message, and the stopped process sent none of its own.
            assert len(messages[guild.id]) == 1, guild.name
            header = messages[guild.id][0]["content"]
            assert header == f"The {len(expected[guild.id])} latest articles.", guild.name
            got = delivered(fake)[guild.id]
            repeated = [i for i, n in Counter(got).items() if n > 1]
            assert repeated == [], f"{guild.name}: articles posted twice {repeated}"
            assert set(got) == expected[guild.id], guild.name
        # Each server's messages came from the process holding its shard.
        for name, log in logs.items():
            held = [g for g in GUILDS if holder(g) == name]
            theirs = [g for g in GUILDS if holder(g) != name]
            assert all(f"guild {g.id}: digest for" in log for g in held), log[-2000:]
            assert not any(f"guild {g.id}: digest for" in log for g in theirs), log[-2000:]
        desk = await NewsDesk.open(url)
        try:
            for guild in GUILDS:
                run = await desk.stores.digests.get_run(guild.id, slot)
                assert run is not None and run.status == "posted", (guild.name, run)
        finally:
            await desk.close()
