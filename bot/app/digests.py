"""Digest use cases: a server's schedule (set, off, show), the digest the command line
previews, and the slot runner and cron jobs the bot posts with (:mod:`bot.scheduler`).

Which articles a digest holds is :func:`bot.digest.build_digest`; posting it, message by
message and exactly once, is :class:`bot.scheduler.SlotRunner` with the cog's ``post``.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.digest import Digest, DigestDesk, build_digest
from bot.scheduler import DigestScheduler, Post, SlotRunner
from news.domain import DigestRun, DigestSchedule
from storage.interfaces import Digests
from storage.shards import Shards


class DigestCases:
    """The digests' use cases over the digest store; ``desk`` supplies the articles."""

    def __init__(self, store: Digests, desk: DigestDesk) -> None:
        self._store = store
        self._desk = desk

    async def schedule(self, guild_id: int) -> DigestSchedule | None:
        return await self._store.get_schedule(guild_id)

    async def last_run(self, guild_id: int) -> DigestRun | None:
        return await self._store.last_run(guild_id)

    async def set_schedule(
        self,
        guild_id: int,
        *,
        channel_id: int,
        time_of_day: str,
        timezone: str,
        days: str,
        max_articles: int,
        now: datetime,
        updated_by: int | None,
        style: str = "card",
    ) -> DigestSchedule:
        return await self._store.set_schedule(
            guild_id,
            channel_id=channel_id,
            time_of_day=time_of_day,
            timezone=timezone,
            days=days,
            max_articles=max_articles,
            now=now,
            updated_by=updated_by,
            style=style,
        )

    async def turn_off(self, guild_id: int, *, now: datetime, updated_by: int | None) -> bool:
        return await self._store.turn_off(guild_id, now=now, updated_by=updated_by)

    async def digest_start(self, guild_id: int) -> datetime | None:
        """Where the guild's next digest starts: the end of the last one posted (None if
        none was, so the next one starts from the newest articles)."""
        last = await self._store.last_posted(guild_id)
        return last.covers_until if last else None

    async def preview(self, guild_id: int, since: datetime | None, max_articles: int) -> Digest:
        """The digest the bot would post now (``since`` None: from the last one posted);
        nothing is recorded."""
        window = since if since is not None else await self.digest_start(guild_id)
        return await build_digest(self._desk, guild_id, window, max_articles)

    def runner(self, post: Post) -> SlotRunner:
        """The slot runner that posts with ``post`` (the bot's), exactly once a slot."""
        return SlotRunner(self._desk, self._store, post)

    def jobs(
        self, runner: SlotRunner, scheduler: AsyncIOScheduler, *, shards: Shards | None
    ) -> DigestScheduler:
        """The cron jobs of the servers on ``shards``, on the bot's one scheduler."""
        return DigestScheduler(self._store, runner, scheduler, shards=shards)
