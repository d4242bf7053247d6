"""A bot started on some shards (NEWSBOT_SHARDS) connects those and hands them to its digest
and feed jobs, which keep to their guilds: the real client against the fake Discord."""

from __future__ import annotations

from datetime import UTC, datetime

from fake_discord import BotRunner, FakeDiscord

from storage.backend import open_stores
from storage.shards import Shards, shard_of


async def test_the_jobs_keep_to_the_bots_shards(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.guilds[0].id
    assert shard_of(guild, 2) == 0
    stores = await open_stores(runner.db_path)
    await stores.digests.set_schedule(
        guild,
        channel_id=fake.guilds[0].channel_id,
        time_of_day="06:00",
        timezone="UTC",
        days="mon,tue,wed,thu,fri,sat,sun",
        max_articles=5,
        now=datetime.now(UTC),
    )
    await stores.close()

    bot = await runner.start(shard_ids="1", shard_count=2)
    assert (bot.shard_ids, bot.shard_count) == ([1], 2)
    digests, feeds = bot.get_cog("Digests"), bot.get_cog("Feeds")
    assert digests.scheduler.shards == feeds.feeds.shards == Shards((1,), 2)  # type: ignore[union-attr]
    assert digests.scheduler.scheduled_guilds() == []  # type: ignore[union-attr]

    bot = await runner.restart(shard_ids="0", shard_count=2)
    assert bot.get_cog("Digests").scheduler.scheduled_guilds() == [guild]  # type: ignore[union-attr]
