"""DigestStore: per-guild digest schedules and the run log that makes posting exactly-once.

A run row is inserted (``claim``) before a digest is posted; a unique index on
(guild_id, slot) for scheduled runs lets exactly one claimant through however many
triggers, restarts or processes race. Each message's articles are recorded as it is
accepted (``record_posted``), so a digest that stops part-way is resumed, not repeated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from news.domain import (
    DigestRun,
    DigestSchedule,
    FailureOutcome,
    RunStatus,
    ScheduleState,
)
from storage.db import stored_time, utc_iso
from storage.shards import Shards, shard_filter
from storage.sql import Row, SqlDatabase

_SCHEDULE_COLUMNS = (
    "guild_id, channel_id, time_of_day, timezone, days, max_articles, state, pause_reason,"
    " failures, active_since, updated_at, updated_by, style"
)
_RUN_COLUMNS = (
    "id, guild_id, slot, kind, status, channel_id, articles, covers_until, detail,"
    " claimed_at, finished_at"
)


class DigestStore:
    """Digest schedules and runs in SQLite; returns dataclasses, never rows."""

    def __init__(self, db: SqlDatabase):
        self.db = db

    # -- schedules -------------------------------------------------------------

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
        updated_by: int | None = None,
        style: str = "card",
    ) -> DigestSchedule:
        """Create or replace a guild's schedule; it becomes active from ``now``.

        Replacing resets the failure count and any pause: the moderator has just
        chosen a channel, which is the usual fix for the failures that pause one.
        """
        stamp = utc_iso(now)
        async with self.db.transaction("digests") as conn:
            row = await conn.fetchone(
                "INSERT INTO digest_schedules (guild_id, channel_id, time_of_day, timezone, days,"
                " max_articles, state, pause_reason, failures, active_since, updated_at,"
                " updated_by, style) VALUES (?, ?, ?, ?, ?, ?, 'active', NULL, 0, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
                " time_of_day = excluded.time_of_day, timezone = excluded.timezone,"
                " days = excluded.days, max_articles = excluded.max_articles,"
                " state = 'active', pause_reason = NULL, failures = 0,"
                " active_since = excluded.active_since, updated_at = excluded.updated_at,"
                " updated_by = excluded.updated_by, style = excluded.style"
                f" RETURNING {_SCHEDULE_COLUMNS}",
                (
                    guild_id,
                    channel_id,
                    time_of_day,
                    timezone,
                    days,
                    max_articles,
                    stamp,
                    stamp,
                    updated_by,
                    style,
                ),
            )
        assert row is not None
        return _schedule(row)

    async def turn_off(
        self, guild_id: int, *, now: datetime, updated_by: int | None = None
    ) -> bool:
        """Stop a guild's schedule (kept, so /digest show can say it is off)."""
        async with self.db.transaction("digests") as conn:
            changed = await conn.execute(
                "UPDATE digest_schedules SET state = 'off', pause_reason = NULL,"
                " updated_at = ?, updated_by = ? WHERE guild_id = ? AND state != 'off'",
                (utc_iso(now), updated_by, guild_id),
            )
            return changed > 0

    async def get_schedule(self, guild_id: int) -> DigestSchedule | None:
        row = await self.db.fetchone(
            f"SELECT {_SCHEDULE_COLUMNS} FROM digest_schedules WHERE guild_id = ?", (guild_id,)
        )
        return _schedule(row) if row else None

    async def active_schedules(self, *, shards: Shards | None = None) -> list[DigestSchedule]:
        """Active schedules of ``shards``' guilds (every guild's if None)."""
        mine, params = shard_filter(shards)
        rows = await self.db.fetchall(
            f"SELECT {_SCHEDULE_COLUMNS} FROM digest_schedules WHERE state = 'active'"
            f" AND {mine} ORDER BY guild_id",
            params,
        )
        return [_schedule(row) for row in rows]

    # -- runs ------------------------------------------------------------------

    async def claim(
        self,
        guild_id: int,
        slot: datetime,
        *,
        kind: str,
        channel_id: int | None,
        now: datetime,
        status: RunStatus = RunStatus.CLAIMED,
        detail: str | None = None,
    ) -> DigestRun | None:
        """Record a slot before acting on it; None if it was already recorded.

        ``status`` other than "claimed" records a slot that is settled at once
        (a digest missed while the bot was down). Manual runs (``kind="manual"``)
        are logged but never conflict, with each other or with a scheduled slot.
        """
        stamp = utc_iso(now)
        finished = None if status == RunStatus.CLAIMED else stamp
        async with self.db.transaction("digests") as conn:
            row = await conn.fetchone(
                "INSERT INTO digest_runs (guild_id, slot, kind, status, channel_id, detail,"
                " claimed_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT DO NOTHING RETURNING {_RUN_COLUMNS}",
                (guild_id, utc_iso(slot), kind, status, channel_id, detail, stamp, finished),
            )
        return _run(row) if row else None

    async def finish(
        self,
        run_id: int,
        status: RunStatus,
        *,
        now: datetime,
        articles: int = 0,
        covers_until: datetime | None = None,
        detail: str | None = None,
        reset_failures: bool = False,
    ) -> None:
        """Settle a claimed run; ``reset_failures`` after a delivery that worked."""
        async with self.db.transaction("digests") as conn:
            await conn.execute(
                "UPDATE digest_runs SET status = ?, articles = ?, covers_until = ?, detail = ?,"
                " finished_at = ? WHERE id = ?",
                (
                    status,
                    articles,
                    utc_iso(covers_until) if covers_until else None,
                    detail,
                    utc_iso(now),
                    run_id,
                ),
            )
            if reset_failures:
                await conn.execute(
                    "UPDATE digest_schedules SET failures = 0 WHERE guild_id ="
                    " (SELECT guild_id FROM digest_runs WHERE id = ?)",
                    (run_id,),
                )

    async def record_failure(
        self,
        run_id: int,
        detail: str,
        *,
        now: datetime,
        count: bool = True,
        pause_after: int = 3,
    ) -> FailureOutcome:
        """Mark a run failed; with ``count``, ``pause_after`` failures in a row pause the schedule.

        The run, the counter and the pause change in one transaction, so a crash
        cannot leave a counted failure without its run or the other way round.
        """
        async with self.db.transaction("digests") as conn:
            row = await conn.fetchone(
                "UPDATE digest_runs SET status = 'failed', detail = ?, finished_at = ?"
                " WHERE id = ? RETURNING guild_id",
                (detail, utc_iso(now), run_id),
            )
            if row is None or not count:
                return FailureOutcome(failures=0, paused=False)
            guild_id = row[0]
            counted = await conn.fetchone(
                "UPDATE digest_schedules SET failures = failures + 1 WHERE guild_id = ?"
                " RETURNING failures, state",
                (guild_id,),
            )
            if counted is None:
                return FailureOutcome(failures=0, paused=False)
            failures, state = int(counted[0]), counted[1]
            paused = failures >= pause_after and state == ScheduleState.ACTIVE
            if paused:
                reason = (
                    f"Paused after {failures} failed digests in a row; the last one: {detail} "
                    "Fix it, then run /digest set again."
                )
                await conn.execute(
                    "UPDATE digest_schedules SET state = 'paused', pause_reason = ?,"
                    " updated_at = ? WHERE guild_id = ?",
                    (reason, utc_iso(now), guild_id),
                )
            return FailureOutcome(failures=failures, paused=paused)

    async def record_posted(
        self, run_id: int, article_ids: Sequence[int], *, now: datetime
    ) -> None:
        """Record articles of a run that Discord accepted, and the run's count of them.

        Called after each message, before the next is sent: whatever stops a digest
        part-way (an error, a restart), what reached the channel is on record.
        """
        stamp = utc_iso(now)
        async with self.db.transaction("digests") as conn:
            await conn.executemany(
                "INSERT INTO digest_posted (run_id, guild_id, article_id, posted_at)"
                " SELECT id, guild_id, CAST(? AS BIGINT), CAST(? AS TEXT) FROM digest_runs"
                " WHERE id = ? ON CONFLICT DO NOTHING",
                [(article_id, stamp, run_id) for article_id in article_ids],
            )
            await conn.execute(
                "UPDATE digest_runs SET articles ="
                " (SELECT count(*) FROM digest_posted WHERE run_id = ?) WHERE id = ?",
                (run_id, run_id),
            )

    async def posted_after(self, guild_id: int, run_id: int | None) -> frozenset[int]:
        """Articles posted by the guild's runs after run ``run_id`` (all its runs if None).

        With the last run posted in full as ``run_id``: the parts of digests that stopped
        part-way since, which the next digest must not post again. Run ids, not clock
        times, order the runs, so a clock that jumps cannot hide or repeat any.
        """
        rows = await self.db.fetchall(
            "SELECT article_id FROM digest_posted WHERE guild_id = ? AND run_id > ?",
            (guild_id, run_id if run_id is not None else 0),
        )
        return frozenset(int(row[0]) for row in rows)

    async def resume(self, run_id: int, *, now: datetime) -> DigestRun | None:
        """Claim an interrupted run again, to post the rest of it; None if it is not
        interrupted (any more: one of several claimants gets it)."""
        async with self.db.transaction("digests") as conn:
            row = await conn.fetchone(
                "UPDATE digest_runs SET status = 'claimed', detail = NULL, finished_at = NULL,"
                f" claimed_at = ? WHERE id = ? AND status = 'interrupted' RETURNING {_RUN_COLUMNS}",
                (utc_iso(now), run_id),
            )
        return _run(row) if row else None

    async def abandon_claims(self, *, now: datetime, shards: Shards | None = None) -> int:
        """Settle runs left "claimed" by a process that stopped mid-post.

        What they posted is in ``digest_posted``; the catch-up at start may resume the
        slot (:meth:`resume`) and post the rest. Only ``shards``' guilds (all if None):
        a process starting must not settle the runs another process is posting.
        """
        mine, params = shard_filter(shards)
        async with self.db.transaction("digests") as conn:
            changed = await conn.execute(
                "UPDATE digest_runs SET status = 'interrupted', finished_at = ?,"
                " detail = 'The bot stopped while posting this digest.'"
                f" WHERE status = 'claimed' AND {mine}",
                (utc_iso(now), *params),
            )
            return changed

    async def get_run(self, guild_id: int, slot: datetime) -> DigestRun | None:
        """The scheduled slot's run, if it was recorded."""
        row = await self.db.fetchone(
            f"SELECT {_RUN_COLUMNS} FROM digest_runs WHERE guild_id = ? AND slot = ?"
            " AND kind != 'manual'",
            (guild_id, utc_iso(slot)),
        )
        return _run(row) if row else None

    async def last_run(self, guild_id: int) -> DigestRun | None:
        row = await self.db.fetchone(
            f"SELECT {_RUN_COLUMNS} FROM digest_runs WHERE guild_id = ?"
            " ORDER BY claimed_at DESC, id DESC LIMIT 1",
            (guild_id,),
        )
        return _run(row) if row else None

    async def last_posted(self, guild_id: int) -> DigestRun | None:
        """The latest digest that reached its channel: the next one starts after it."""
        row = await self.db.fetchone(
            f"SELECT {_RUN_COLUMNS} FROM digest_runs WHERE guild_id = ? AND status = 'posted'"
            " ORDER BY covers_until DESC, id DESC LIMIT 1",
            (guild_id,),
        )
        return _run(row) if row else None

    async def runs(self, guild_id: int, *, limit: int = 10) -> list[DigestRun]:
        rows = await self.db.fetchall(
            f"SELECT {_RUN_COLUMNS} FROM digest_runs WHERE guild_id = ?"
            " ORDER BY claimed_at DESC, id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_run(row) for row in rows]


def _schedule(row: Row) -> DigestSchedule:
    return DigestSchedule(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        time_of_day=row["time_of_day"],
        timezone=row["timezone"],
        days=row["days"],
        max_articles=row["max_articles"],
        state=ScheduleState(row["state"]),
        pause_reason=row["pause_reason"],
        failures=row["failures"],
        active_since=datetime.fromisoformat(row["active_since"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        updated_by=row["updated_by"],
        style=row["style"],
    )


def _run(row: Row) -> DigestRun:
    return DigestRun(
        id=row["id"],
        guild_id=row["guild_id"],
        slot=datetime.fromisoformat(row["slot"]),
        kind=row["kind"],
        status=RunStatus(row["status"]),
        channel_id=row["channel_id"],
        articles=row["articles"],
        covers_until=stored_time(row["covers_until"]),
        detail=row["detail"],
        claimed_at=datetime.fromisoformat(row["claimed_at"]),
        finished_at=stored_time(row["finished_at"]),
    )
