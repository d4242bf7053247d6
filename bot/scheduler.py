"""Digest scheduling: the exactly-once run of one slot, and the cron jobs on APScheduler.

Two layers, each testable alone, over the slot maths of :mod:`bot.digest_slots`:

* :class:`SlotRunner`, which runs one slot against the store with an injected clock
  and ``post`` callable (no Discord, no APScheduler);
* :class:`DigestScheduler`, which keeps one cron job per guild, rebuilt from the
  database (the source of truth), on the bot's one ``AsyncIOScheduler``.

A cron job is only a wake-up call: the slot it serves is recomputed from the schedule
with :func:`previous_run`, so a late, doubled or DST-repeated trigger maps onto the same
slot, and the UNIQUE (guild, slot) row in ``digest_runs`` lets only one of them post.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import DeliveryError, TransientDeliveryError
from bot.digest import DEFAULT_MAX_ARTICLES, Digest, DigestDesk, DigestMessage, build_digest
from bot.digest_slots import (
    CATCH_UP_GRACE,
    Decision,
    Rule,
    catch_up_decision,
    previous_run,
    utc_now,
)
from news.domain import DigestSchedule, RunStatus
from storage.interfaces import Digests
from storage.shards import Shards

log = logging.getLogger(__name__)

# Delivery failures in a row (channel deleted, permission removed) that pause a schedule.
PAUSE_AFTER_FAILURES = 3
MAX_ARTICLES_LIMIT = 25
# A slot run more than this after its time is labelled a catch-up in the run log.
_LATE_LABEL = timedelta(minutes=1)

Clock = Callable[[], datetime]
# Called by ``post`` after each message Discord accepted, before the next is sent.
Sent = Callable[[DigestMessage], Awaitable[None]]
Post = Callable[[int, Digest, Sent], Awaitable[None]]


# -- running one slot --------------------------------------------------------------


class Skip(StrEnum):
    """Why an attempt recorded no run of its own."""

    ALREADY = "already"  # someone else recorded this slot
    NOT_DUE = "not-due"  # no slot is owed now
    INACTIVE = "inactive"  # the guild has no active schedule


@dataclass(frozen=True)
class RunResult:
    """What one attempt did: the status of the run it recorded, or why it recorded none."""

    status: RunStatus | Skip
    slot: datetime | None = None
    articles: int = 0
    detail: str | None = None
    paused: bool = False


class SlotRunner:
    """Runs one digest slot exactly once: claim, build, post, record.

    ``post(channel_id, digest, sent)`` delivers a non-empty digest message by message,
    awaiting ``sent(message)`` after each one Discord accepted, and raises
    :class:`DeliveryError` when the channel refuses it (:class:`TransientDeliveryError`
    when the failure may pass). ``clock`` returns aware UTC now.

    What was sent is recorded message by message, so a digest that stops part-way
    (an error, a restart) is never posted again: the next run leaves out what reached
    the channel, and a slot interrupted by a restart is resumed by the catch-up.
    """

    def __init__(
        self,
        desk: DigestDesk,
        store: Digests,
        post: Post,
        *,
        clock: Clock = utc_now,
        grace: timedelta = CATCH_UP_GRACE,
        pause_after: int = PAUSE_AFTER_FAILURES,
    ):
        self.desk = desk
        self.store = store
        self.post = post
        self.clock = clock
        self.grace = grace
        self.pause_after = pause_after
        # One run per guild at a time in this process, so a /digest now racing a
        # scheduled slot starts from the digest the other one just posted.
        self._locks: dict[int, asyncio.Lock] = {}

    async def run_due(self, guild_id: int) -> RunResult:
        """Post the guild's latest slot if it is owed (on time or a catch-up), once."""
        schedule = await self.store.get_schedule(guild_id)
        if schedule is None or not schedule.active:
            return RunResult(Skip.INACTIVE)
        now = self.clock()
        slot = previous_run(Rule.from_schedule(schedule), now)
        decision = catch_up_decision(
            slot, now, active_since=schedule.active_since, grace=self.grace
        )
        if decision is Decision.NOTHING or slot is None:
            return RunResult(Skip.NOT_DUE, slot)
        if decision is Decision.MISSED:
            late = now - slot
            detail = (
                f"The bot was not running at the scheduled time and came back "
                f"{_hours(late)} late; digests more than {_hours(self.grace)} late are skipped."
            )
            claimed = await self.store.claim(
                guild_id,
                slot,
                kind="catch-up",
                channel_id=schedule.channel_id,
                now=now,
                status=RunStatus.MISSED,
                detail=detail,
            )
            if claimed is None:
                return RunResult(Skip.ALREADY, slot)
            log.info("guild %s: digest slot %s missed (%s late)", guild_id, slot, late)
            return RunResult(RunStatus.MISSED, slot, detail=detail)
        kind = "catch-up" if now - slot > _LATE_LABEL else "scheduled"
        return await self._run(
            guild_id,
            schedule.channel_id,
            schedule.max_articles,
            slot,
            kind=kind,
            count_failures=True,
            resume=True,
            style=schedule.style,
        )

    async def run_now(
        self,
        guild_id: int,
        channel_id: int,
        max_articles: int = DEFAULT_MAX_ARTICLES,
        style: str = "card",
    ) -> RunResult:
        """A digest on demand (/digest now). Its failures are shown to the moderator who
        asked rather than counted toward pausing the schedule."""
        return await self._run(
            guild_id,
            channel_id,
            max_articles,
            self.clock(),
            kind="manual",
            count_failures=False,
            style=style,
        )

    async def _run(
        self,
        guild_id: int,
        channel_id: int,
        max_articles: int,
        slot: datetime,
        *,
        kind: str,
        count_failures: bool,
        resume: bool = False,
        style: str = "card",
    ) -> RunResult:
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            # The claim comes first: if it is there, this slot is (being) handled elsewhere.
            run = await self.store.claim(
                guild_id, slot, kind=kind, channel_id=channel_id, now=self.clock()
            )
            if run is None and resume:
                # A restart cut this slot's posting short: post the rest of it.
                earlier = await self.store.get_run(guild_id, slot)
                if earlier is not None and earlier.status == RunStatus.INTERRUPTED:
                    run = await self.store.resume(earlier.id, now=self.clock())
            if run is None:
                return RunResult(Skip.ALREADY, slot)
            sent_ids: list[int] = []

            async def sent(message: DigestMessage) -> None:
                await self.store.record_posted(run.id, message.article_ids, now=self.clock())
                sent_ids.extend(message.article_ids)

            try:
                previous = await self.store.last_posted(guild_id)
                since = previous.covers_until if previous else None
                # Articles that digests stopped part-way since then already reached the
                # channel (this very run's, when it is resumed).
                posted = await self.store.posted_after(guild_id, previous.id if previous else None)
                digest = await build_digest(
                    self.desk, guild_id, since, max_articles, now=self.clock(), exclude=posted
                )
                digest = replace(digest, style=style)
                if digest.empty:
                    await self.store.finish(
                        run.id, RunStatus.EMPTY, now=self.clock(), detail="No new articles."
                    )
                    return RunResult(RunStatus.EMPTY, slot)
                await self.post(channel_id, digest, sent)
            except TransientDeliveryError as err:
                detail = _part_posted(f"Discord did not take the digest ({err}).", sent_ids)
                await self.store.record_failure(run.id, detail, now=self.clock(), count=False)
                log.warning("guild %s: digest for %s stopped: %s", guild_id, slot, detail)
                return RunResult(RunStatus.FAILED, slot, len(sent_ids), detail)
            except DeliveryError as err:
                outcome = await self.store.record_failure(
                    run.id,
                    _part_posted(str(err), sent_ids),
                    now=self.clock(),
                    count=count_failures,
                    pause_after=self.pause_after,
                )
                log.warning(
                    "guild %s: digest for %s not delivered to channel %s: %s%s",
                    guild_id,
                    slot,
                    channel_id,
                    err,
                    " (schedule paused)" if outcome.paused else "",
                )
                return RunResult(RunStatus.FAILED, slot, detail=str(err), paused=outcome.paused)
            except asyncio.CancelledError:
                # Left "claimed": abandon_claims settles it at the next start, unposted.
                raise
            except Exception:
                log.exception("guild %s: digest for %s failed", guild_id, slot)
                detail = _part_posted(
                    "An internal error stopped this digest; the bot's log has the details.",
                    sent_ids,
                )
                await self.store.record_failure(run.id, detail, now=self.clock(), count=False)
                return RunResult(RunStatus.FAILED, slot, detail=detail)
            await self.store.finish(
                run.id,
                RunStatus.POSTED,
                now=self.clock(),
                articles=len(digest.articles),
                covers_until=digest.covers_until,
                reset_failures=True,
            )
            log.info(
                "guild %s: digest for %s posted (%d articles)",
                guild_id,
                slot,
                len(digest.articles),
            )
            return RunResult(RunStatus.POSTED, slot, articles=len(digest.articles))


def _part_posted(detail: str, sent_ids: list[int]) -> str:
    if not sent_ids:
        return detail
    return f"{detail} {len(sent_ids)} of its articles were posted; the next digest posts the rest."


def _hours(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    if minutes < 60:
        return f"{max(1, minutes)} minutes"
    hours, rest = divmod(minutes, 60)
    return f"{hours} hours" if rest == 0 or hours >= 10 else f"{hours} h {rest} min"


# -- APScheduler -------------------------------------------------------------------


class DigestScheduler:
    """One cron job per active guild schedule, rebuilt from the database at start.

    The jobs run on the bot's one APScheduler, which the bot starts and shuts down;
    this class only adds and removes its own jobs (ids ``digest:<guild>``).
    With ``shards`` it keeps to their guilds: several processes, each with its own
    shards, schedule each guild once between them. The claim in the store keeps any
    second scheduler of a guild (a misconfigured process) from double-posting.
    """

    JOB_PREFIX = "digest:"

    def __init__(
        self,
        store: Digests,
        runner: SlotRunner,
        scheduler: AsyncIOScheduler,
        *,
        shards: Shards | None = None,
    ):
        self.store = store
        self.runner = runner
        self._scheduler = scheduler
        self.shards = shards
        # Jobs running right now, so close() can wait for them to finish cancelling.
        self._running: set[asyncio.Task[object]] = set()

    @classmethod
    def job_id(cls, guild_id: int) -> str:
        return f"{cls.JOB_PREFIX}{guild_id}"

    async def start(self) -> None:
        """Settle interrupted runs and add a job for every active schedule."""
        abandoned = await self.store.abandon_claims(now=self.runner.clock(), shards=self.shards)
        if abandoned:
            log.warning("%d digest runs were interrupted by the last shutdown", abandoned)
        for schedule in await self.store.active_schedules(shards=self.shards):
            try:
                self.schedule(schedule)
            except Exception:
                log.exception("guild %s: could not schedule its digest", schedule.guild_id)

    async def catch_up(self) -> dict[int, RunResult]:
        """Post (once) or record as missed each guild's slot that passed while we were down."""
        results: dict[int, RunResult] = {}
        for schedule in await self.store.active_schedules(shards=self.shards):
            result = await self._run_guarded(schedule.guild_id)
            if result is not None:
                results[schedule.guild_id] = result
        return results

    def schedule(self, schedule: DigestSchedule) -> None:
        """Add, replace or (if not active) remove the guild's job; a guild of another
        process's shards gets none here."""
        if not schedule.active or (
            self.shards is not None and not self.shards.owns(schedule.guild_id)
        ):
            self.unschedule(schedule.guild_id)
            return
        self._scheduler.add_job(
            self._fire,
            Rule.from_schedule(schedule).cron_trigger(),
            args=[schedule.guild_id],
            id=self.job_id(schedule.guild_id),
            name=f"digest for guild {schedule.guild_id}",
            replace_existing=True,
            # Late wake-ups (a stalled loop, a suspended host) still run; run_due then
            # decides between posting and recording a miss, and coalescing avoids a burst.
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )

    def unschedule(self, guild_id: int) -> None:
        job = self._scheduler.get_job(self.job_id(guild_id))
        if job is not None:
            job.remove()

    def scheduled_guilds(self) -> list[int]:
        return sorted(
            int(job.id.removeprefix(self.JOB_PREFIX))
            for job in self._scheduler.get_jobs()
            if job.id.startswith(self.JOB_PREFIX)
        )

    async def close(self) -> None:
        """Remove the digest jobs and wait for running ones to end, so none outlives the
        database. The APScheduler itself belongs to the bot and keeps running."""
        for guild_id in self.scheduled_guilds():
            self.unschedule(guild_id)
        running = [task for task in self._running if not task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)

    async def _fire(self, guild_id: int) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            result = await self._run_guarded(guild_id)
            if result is not None and (result.paused or result.status == Skip.INACTIVE):
                # Paused or turned off meanwhile: stop waking up for it until /digest set.
                self.unschedule(guild_id)
        finally:
            if task is not None:
                self._running.discard(task)

    async def _run_guarded(self, guild_id: int) -> RunResult | None:
        # One guild's failure never reaches another's job or the scheduler itself.
        try:
            return await self.runner.run_due(guild_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("guild %s: digest job failed", guild_id)
            return None
