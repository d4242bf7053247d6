"""DigestStore against a real SQLite file: schedules, the UNIQUE claim, failures and pauses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from news.domain import RunStatus, ScheduleState
from storage.digests import DigestStore
from storage.migrate import load_migrations
from storage.postgres import MIGRATIONS

T0 = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)
GUILD = 1111
OTHER = 2222


@pytest.fixture
def store(stores):
    return stores.digests


async def set_schedule(store: DigestStore, guild: int = GUILD, **fields):
    values = dict(
        channel_id=500,
        time_of_day="08:00",
        timezone="Europe/London",
        days="mon,tue,wed,thu,fri,sat,sun",
        max_articles=10,
        now=T0,
    )
    values.update(fields)
    return await store.set_schedule(guild, **values)


async def test_migration_creates_tables(store):
    package = "storage.migrations" if store.db.dialect == "sqlite" else MIGRATIONS
    latest = max(m.version for m in load_migrations(package))
    assert await store.db.schema_version() == latest
    assert await store.active_schedules() == []


async def test_set_get_and_replace_schedule(store):
    first = await set_schedule(store, updated_by=7)
    assert first.active and first.failures == 0 and first.active_since == T0
    assert await store.get_schedule(GUILD) == first

    later = T0 + timedelta(days=1)
    second = await set_schedule(store, channel_id=600, time_of_day="18:30", now=later)
    assert second.channel_id == 600 and second.time_of_day == "18:30"
    assert second.active_since == later
    assert [s.guild_id for s in await store.active_schedules()] == [GUILD]


async def test_turn_off_keeps_the_row_and_leaves_active_list(store):
    await set_schedule(store)
    assert await store.turn_off(GUILD, now=T0)
    assert not await store.turn_off(GUILD, now=T0)  # already off
    schedule = await store.get_schedule(GUILD)
    assert schedule is not None and schedule.state == ScheduleState.OFF
    assert await store.active_schedules() == []
    assert not await store.turn_off(OTHER, now=T0)  # never had one


async def test_claim_is_once_per_guild_and_slot(store):
    slot = T0 + timedelta(hours=1)
    first = await store.claim(GUILD, slot, kind="scheduled", channel_id=500, now=T0)
    assert first is not None and first.status == RunStatus.CLAIMED and first.slot == slot
    assert await store.claim(GUILD, slot, kind="catch-up", channel_id=500, now=T0) is None
    # Same instant written from another timezone is the same slot.
    from zoneinfo import ZoneInfo

    same = slot.astimezone(ZoneInfo("Asia/Tokyo"))
    assert await store.claim(GUILD, same, kind="scheduled", channel_id=500, now=T0) is None
    # Another guild's slot at the same time is its own.
    assert await store.claim(OTHER, slot, kind="scheduled", channel_id=9, now=T0) is not None


async def test_concurrent_claims_let_exactly_one_through(store):
    slot = T0 + timedelta(hours=1)
    results = await asyncio.gather(
        *(store.claim(GUILD, slot, kind="scheduled", channel_id=500, now=T0) for _ in range(8))
    )
    assert sum(r is not None for r in results) == 1


async def test_finish_and_last_posted(store):
    assert await store.last_posted(GUILD) is None
    a = await store.claim(GUILD, T0, kind="scheduled", channel_id=500, now=T0)
    b = await store.claim(GUILD, T0 + timedelta(days=1), kind="scheduled", channel_id=500, now=T0)
    assert a and b
    await store.finish(a.id, RunStatus.POSTED, now=T0, articles=3, covers_until=T0)
    await store.finish(b.id, RunStatus.EMPTY, now=T0 + timedelta(days=1))
    posted = await store.last_posted(GUILD)
    assert posted is not None and posted.id == a.id and posted.covers_until == T0
    last = await store.last_run(GUILD)
    assert last is not None and last.id == b.id and last.status == RunStatus.EMPTY
    assert [r.id for r in await store.runs(GUILD)] == [b.id, a.id]


async def test_three_counted_failures_in_a_row_pause_the_schedule(store):
    await set_schedule(store)
    for day in range(3):
        slot = T0 + timedelta(days=day)
        run = await store.claim(GUILD, slot, kind="scheduled", channel_id=500, now=slot)
        assert run
        outcome = await store.record_failure(run.id, "The channel was deleted.", now=slot)
        assert outcome.failures == day + 1
        assert outcome.paused == (day == 2)
    schedule = await store.get_schedule(GUILD)
    assert schedule is not None and schedule.state == ScheduleState.PAUSED
    assert schedule.pause_reason and "3 failed digests in a row" in schedule.pause_reason
    assert "The channel was deleted." in schedule.pause_reason
    assert await store.active_schedules() == []
    # Setting the schedule again is the way back, with a clean slate.
    again = await set_schedule(store, now=T0 + timedelta(days=4))
    assert again.active and again.failures == 0 and again.pause_reason is None


async def test_success_resets_the_failure_count_and_uncounted_failures_do_not_add(store):
    await set_schedule(store)
    slots = [T0 + timedelta(days=d) for d in range(5)]
    claimed = [await store.claim(GUILD, s, kind="scheduled", channel_id=500, now=s) for s in slots]
    ids = [c.id for c in claimed if c]
    await store.record_failure(ids[0], "Missing permission.", now=slots[0])
    await store.record_failure(ids[1], "Missing permission.", now=slots[1])
    await store.finish(
        ids[2], RunStatus.POSTED, now=slots[2], covers_until=slots[2], reset_failures=True
    )
    outcome = await store.record_failure(ids[3], "Missing permission.", now=slots[3])
    assert outcome.failures == 1 and not outcome.paused
    outcome = await store.record_failure(ids[4], "boom", now=slots[4], count=False)
    assert outcome.failures == 0
    schedule = await store.get_schedule(GUILD)
    assert schedule is not None and schedule.failures == 1 and schedule.active


async def test_abandon_claims_settles_unfinished_runs_only(store):
    open_run = await store.claim(GUILD, T0, kind="scheduled", channel_id=500, now=T0)
    done = await store.claim(GUILD, T0 + timedelta(days=1), kind="scheduled", channel_id=5, now=T0)
    assert open_run and done
    await store.finish(done.id, RunStatus.EMPTY, now=T0)
    assert await store.abandon_claims(now=T0 + timedelta(hours=2)) == 1
    settled = await store.get_run(GUILD, T0)
    assert settled is not None and settled.status == RunStatus.INTERRUPTED
    assert settled.detail and "stopped" in settled.detail
    # Still recorded: the slot can never be claimed (and posted) again.
    assert await store.claim(GUILD, T0, kind="catch-up", channel_id=500, now=T0) is None


async def test_missed_slot_is_recorded_settled(store):
    run = await store.claim(
        GUILD, T0, kind="catch-up", channel_id=500, now=T0, status=RunStatus.MISSED, detail="late"
    )
    assert run is not None and run.status == RunStatus.MISSED and run.finished_at == T0


async def test_naive_datetimes_are_refused(store):
    with pytest.raises(ValueError):
        await store.claim(GUILD, datetime(2025, 1, 1), kind="scheduled", channel_id=1, now=T0)  # noqa: DTZ001


async def test_manual_runs_never_block_a_scheduled_slot(store):
    manual = await store.claim(GUILD, T0, kind="manual", channel_id=5, now=T0)
    again = await store.claim(GUILD, T0, kind="manual", channel_id=5, now=T0)
    assert manual and again and manual.id != again.id
    scheduled = await store.claim(GUILD, T0, kind="scheduled", channel_id=5, now=T0)
    assert scheduled is not None
    assert (await store.get_run(GUILD, T0)).id == scheduled.id  # type: ignore[union-attr]


async def test_what_a_run_posted_is_recorded_and_counted_until_a_full_digest(store):
    run = await store.claim(GUILD, T0, kind="scheduled", channel_id=500, now=T0)
    assert run is not None
    await store.record_posted(run.id, [11, 12], now=T0)
    await store.record_posted(run.id, [13], now=T0 + timedelta(seconds=1))
    await store.record_failure(run.id, "Discord did not take it.", now=T0, count=False)
    [failed] = await store.runs(GUILD)
    assert failed.status == RunStatus.FAILED and failed.articles == 3
    assert await store.posted_after(GUILD, None) == {11, 12, 13}
    assert await store.posted_after(OTHER, None) == frozenset()
    # A digest posted in full afterwards: the window moves past, nothing is left out.
    full = await store.claim(
        GUILD, T0 + timedelta(days=1), kind="scheduled", channel_id=500, now=T0
    )
    assert full is not None
    await store.record_posted(full.id, [14], now=T0)
    await store.finish(full.id, RunStatus.POSTED, now=T0, articles=2, covers_until=T0)
    assert await store.posted_after(GUILD, full.id) == frozenset()


async def test_an_interrupted_run_is_resumed_once(store):
    run = await store.claim(GUILD, T0, kind="scheduled", channel_id=500, now=T0)
    assert run is not None
    assert await store.resume(run.id, now=T0) is None  # still claimed: nothing to resume
    assert await store.abandon_claims(now=T0) == 1
    results = await asyncio.gather(*(store.resume(run.id, now=T0) for _ in range(5)))
    resumed = [r for r in results if r is not None]
    assert len(resumed) == 1 and resumed[0].status == RunStatus.CLAIMED


async def test_delivery_is_stored_and_choosing_it_resumes_a_paused_schedule(store):
    """Issue 21: where a digest lands, on both backends; set_delivery is a moderator's fix,
    so a schedule paused by failures becomes active again, with its count reset."""
    assert (
        await store.set_delivery(
            GUILD, channel_id=1, deliver="forum", forum_tag=None, publish=False, now=T0
        )
        is None
    )  # no schedule
    first = await set_schedule(store)
    assert (first.deliver, first.forum_tag, first.publish, first.delivery_note) == (
        "channel",
        None,
        False,
        None,
    )
    run = await store.claim(GUILD, T0, kind="scheduled", channel_id=500, now=T0)
    assert run is not None
    outcome = await store.record_failure(run.id, "The forum is gone.", now=T0, pause_after=1)
    assert outcome.paused
    await store.note_delivery(GUILD, "I can't publish in <#500>.")
    assert (await store.get_schedule(GUILD)).delivery_note == "I can't publish in <#500>."

    later = T0 + timedelta(hours=2)
    changed = await store.set_delivery(
        GUILD, channel_id=501, deliver="forum", forum_tag=2**62, publish=True, now=later
    )
    assert changed is not None and changed.state == ScheduleState.ACTIVE
    assert (changed.channel_id, changed.deliver, changed.forum_tag, changed.publish) == (
        501,
        "forum",
        2**62,
        True,
    )
    assert changed.failures == 0 and changed.pause_reason is None
    assert changed.delivery_note is None and changed.active_since == later
    assert await store.get_schedule(GUILD) == changed

    # An active schedule keeps where it started; one turned off stays off.
    again = await store.set_delivery(
        GUILD,
        channel_id=501,
        deliver="thread",
        forum_tag=None,
        publish=False,
        now=later + timedelta(hours=1),
    )
    assert again is not None and again.active_since == later and again.deliver == "thread"
    assert await store.turn_off(GUILD, now=later)
    off = await store.set_delivery(
        GUILD, channel_id=501, deliver="channel", forum_tag=None, publish=False, now=later
    )
    assert off is not None and off.state == ScheduleState.OFF
    # /digest set keeps the delivery (the cog changes it when the channel's kind does).
    kept = await set_schedule(store, channel_id=501, now=later)
    assert kept.active and kept.deliver == "channel"
