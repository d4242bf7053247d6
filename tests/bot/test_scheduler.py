"""Schedule maths with an explicit clock, and SlotRunner's exactly-once runs on a real store."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import DeliveryError, TransientDeliveryError
from bot.digest import Digest, DigestMessage, render_messages
from bot.digest_slots import (
    CATCH_UP_GRACE,
    Decision,
    Rule,
    catch_up_decision,
    next_run,
    next_run_for,
    previous_run,
)
from bot.schedule_input import (
    describe_days,
    format_days,
    parse_days,
    parse_time,
    parse_timezone,
    suggest_timezones,
)
from bot.scheduler import DigestScheduler, RunResult, Sent, Skip, SlotRunner
from news.domain import Article, NewArticle, RunStatus, ScheduleState
from news.errors import InputError
from storage.articles import ArticleStore
from storage.db import open_database
from storage.digests import DigestStore

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
GUILD = 4242
OTHER = 5353


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rule(at: str, tz: ZoneInfo | str, days: str = "daily") -> Rule:
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return Rule(parse_time(at), zone, parse_days(days))


# -- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("08:30", time(8, 30)), ("8:05", time(8, 5)), ("23:59", time(23, 59)), ("7.15", time(7, 15))],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "", "8", "08:30pm"])
def test_parse_time_refuses_nonsense_with_a_sentence(text):
    with pytest.raises(InputError, match="HH:MM"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "mon,tue,wed,thu,fri,sat,sun"),
        ("daily", "mon,tue,wed,thu,fri,sat,sun"),
        ("weekdays", "mon,tue,wed,thu,fri"),
        ("Weekends", "sat,sun"),
        ("mon,wed,fri", "mon,wed,fri"),
        ("Friday, monday", "mon,fri"),
        ("mon-wed", "mon,tue,wed"),
        ("fri - mon", "mon,fri,sat,sun"),
        ("tues thurs", "tue,thu"),
    ],
)
def test_parse_days(text, expected):
    assert format_days(parse_days(text)) == expected


def test_parse_days_refuses_unknown_words():
    with pytest.raises(InputError, match="mon,wed,fri"):
        parse_days("mon,funday")


def test_describe_days():
    assert describe_days(parse_days("daily")) == "every day"
    assert describe_days(parse_days("mon-fri")) == "weekdays"
    assert describe_days(parse_days("fri,mon")) == "Mon, Fri"


def test_timezones():
    assert parse_timezone("europe/london") == LONDON
    assert parse_timezone("UTC") == ZoneInfo("UTC")
    with pytest.raises(InputError, match="timezone"):
        parse_timezone("Mars/Olympus_Mons")
    assert suggest_timezones("london")[0] == "Europe/London"
    assert suggest_timezones("America/New")[0] == "America/New_York"
    assert len(suggest_timezones("")) == 25


# -- schedule maths -------------------------------------------------------------------


def test_next_and_previous_run_in_utc():
    r = rule("08:00", "UTC")
    assert next_run(r, utc(2025, 6, 2, 7, 59)) == utc(2025, 6, 2, 8, 0)
    # Strictly after: at the slot itself the next one is tomorrow's.
    assert next_run(r, utc(2025, 6, 2, 8, 0)) == utc(2025, 6, 3, 8, 0)
    assert previous_run(r, utc(2025, 6, 2, 8, 0)) == utc(2025, 6, 2, 8, 0)
    assert previous_run(r, utc(2025, 6, 2, 7, 59)) == utc(2025, 6, 1, 8, 0)


def test_local_date_decides_the_day_not_utc():
    # 20:00 in New York on Friday is 00:00 UTC on Saturday: still Friday's slot.
    r = rule("20:00", NEW_YORK, "fri")
    assert next_run(r, utc(2025, 6, 6, 12, 0)) == utc(2025, 6, 7, 0, 0)
    # 07:00 in Tokyo on Monday is Sunday 22:00 UTC.
    tokyo = rule("07:00", "Asia/Tokyo", "mon")
    assert next_run(tokyo, utc(2025, 6, 1, 12, 0)) == utc(2025, 6, 1, 22, 0)


def test_days_of_week():
    r = rule("09:00", "UTC", "mon,wed,fri")
    friday_evening = utc(2025, 6, 6, 18, 0)  # 2025-06-06 is a Friday
    assert next_run(r, friday_evening) == utc(2025, 6, 9, 9, 0)  # Monday
    assert previous_run(r, utc(2025, 6, 8, 23, 0)) == utc(2025, 6, 6, 9, 0)  # Sunday -> Friday
    weekdays = rule("09:00", "UTC", "weekdays")
    seen = []
    moment = utc(2025, 6, 1, 0, 0)  # a Sunday
    for _ in range(7):
        moment = next_run(weekdays, moment)
        seen.append(moment.date())
    assert [d.weekday() for d in seen] == [0, 1, 2, 3, 4, 0, 1]


def test_dst_keeps_the_wall_clock_in_london():
    # Spring forward on Sunday 2025-03-30: 08:00 is 08:00 GMT before and 07:00 UTC after.
    r = rule("08:00", LONDON)
    assert next_run(r, utc(2025, 3, 29, 0, 0)) == utc(2025, 3, 29, 8, 0)
    assert next_run(r, utc(2025, 3, 29, 9, 0)) == utc(2025, 3, 30, 7, 0)
    # Fall back on Sunday 2025-10-26: back to 08:00 UTC.
    assert next_run(r, utc(2025, 10, 25, 9, 0)) == utc(2025, 10, 26, 8, 0)
    for day in (date(2025, 3, 28), date(2025, 3, 31), date(2025, 10, 27)):
        slot = next_run(r, datetime.combine(day, time(0, 0), tzinfo=UTC))
        assert slot.astimezone(LONDON).time() == time(8, 0)


def test_dst_gap_london_0130_on_spring_forward_day_runs_once():
    # 01:30 does not exist on 2025-03-30 (01:00 GMT -> 02:00 BST): it runs once, at 01:30
    # UTC (02:30 BST), then at 01:30 BST (00:30 UTC) from the next day on.
    r = rule("01:30", LONDON)
    first = next_run(r, utc(2025, 3, 29, 12, 0))
    assert first == utc(2025, 3, 30, 1, 30)
    second = next_run(r, first)
    assert second == utc(2025, 3, 31, 0, 30)
    assert second.astimezone(LONDON).time() == time(1, 30)
    assert previous_run(r, utc(2025, 3, 30, 12, 0)) == first


def test_dst_overlap_london_0130_on_fall_back_day_is_one_slot():
    # 01:30 happens twice on 2025-10-26; the slot is the first (00:30 UTC). The second
    # wake-up that CronTrigger fires (01:30 UTC) maps back onto the same slot.
    r = rule("01:30", LONDON)
    first = next_run(r, utc(2025, 10, 25, 12, 0))
    assert first == utc(2025, 10, 26, 0, 30)
    assert next_run(r, first) == utc(2025, 10, 27, 1, 30)
    assert previous_run(r, utc(2025, 10, 26, 1, 30)) == first


def test_dst_new_york():
    morning = rule("09:00", NEW_YORK)
    # Spring forward on 2025-03-09: 14:00 UTC (EST) before, 13:00 UTC (EDT) after.
    assert next_run(morning, utc(2025, 3, 8, 0, 0)) == utc(2025, 3, 8, 14, 0)
    assert next_run(morning, utc(2025, 3, 9, 0, 0)) == utc(2025, 3, 9, 13, 0)
    # Fall back on 2025-11-02.
    assert next_run(morning, utc(2025, 11, 1, 0, 0)) == utc(2025, 11, 1, 13, 0)
    assert next_run(morning, utc(2025, 11, 2, 0, 0)) == utc(2025, 11, 2, 14, 0)
    gap = rule("02:30", NEW_YORK)  # does not exist on 2025-03-09
    assert next_run(gap, utc(2025, 3, 9, 0, 0)) == utc(2025, 3, 9, 7, 30)


@pytest.mark.parametrize(
    "tz", ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
)
@pytest.mark.parametrize(("at", "days"), [("01:30", "daily"), ("02:30", "weekdays")])
def test_slots_agree_with_apscheduler_cron_all_year(tz, at, days):
    # CronTrigger wakes the job; next_run names the slot. Over a year with every DST
    # change, each slot must have a wake-up at or right after it.
    r = rule(at, tz, days)
    trigger = r.cron_trigger()

    def wake_after(previous: datetime | None) -> datetime:
        fire = trigger.get_next_fire_time(previous, previous or utc(2025, 1, 1, 0, 0))
        assert fire is not None
        return fire

    def as_utc(fire: datetime) -> datetime:
        # An aware time inside a DST gap or overlap never compares equal across zones.
        return fire.astimezone(UTC)

    moment = utc(2025, 1, 1, 0, 0)
    fire = wake_after(None)
    repeats = 0
    for _ in range(370):
        slot = next_run(r, moment)
        while as_utc(fire) < slot:  # a repeated wall time (fall back) wakes us twice
            assert previous_run(r, as_utc(fire)) == previous_run(r, slot - timedelta(seconds=1))
            repeats += 1
            fire = wake_after(fire)
        assert as_utc(fire) == slot
        moment = slot
        fire = wake_after(fire)
    assert repeats <= 2


def test_catch_up_decision():
    slot = utc(2025, 6, 2, 8, 0)
    since = utc(2025, 6, 1, 0, 0)
    decide = catch_up_decision
    assert decide(slot, slot, active_since=since) is Decision.POST
    assert decide(slot, slot + timedelta(hours=5, minutes=59), active_since=since) is Decision.POST
    assert decide(slot, slot + CATCH_UP_GRACE, active_since=since) is Decision.MISSED
    assert decide(slot, slot + timedelta(days=3), active_since=since) is Decision.MISSED
    # A slot from before the schedule was set is not owed.
    assert decide(slot, slot + timedelta(hours=1), active_since=slot + timedelta(minutes=1)) is (
        Decision.NOTHING
    )
    assert decide(None, slot, active_since=since) is Decision.NOTHING


# -- SlotRunner with a controlled clock ------------------------------------------------


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


class Poster:
    """The post callable: sends the digest's real messages one by one, or fails the way
    the cog's post would at message ``fail_at`` (0: the first)."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, Digest]] = []
        self.messages: list[DigestMessage] = []  # every message "Discord" accepted
        self.fail_with: Exception | None = None
        self.fail_at = 0
        self.delay = 0.0
        self.posting = asyncio.Event()  # set when a post begins (its slot is claimed)
        self.posted = asyncio.Event()  # set when a post has sent all its messages

    async def __call__(self, channel_id: int, digest: Digest, sent: Sent) -> None:
        self.posting.set()
        for index, message in enumerate(render_messages(digest)):
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.fail_with is not None and index >= self.fail_at:
                raise self.fail_with
            self.messages.append(message)
            await sent(message)
        self.posts.append((channel_id, digest))
        self.posted.set()


class Desk:
    """The slice of NewsDesk a digest needs (the real one pulls in fetching and extraction)."""

    def __init__(self, store: ArticleStore):
        self.store = store

    async def summary(self, article: Article, sentences: int = 3) -> list[str]:
        return list(article.summary or ("An invented summary.",))


@pytest.fixture
async def aps():
    """The bot's one APScheduler, as NewsBot starts it."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start()
    yield scheduler
    scheduler.shutdown(wait=False)


@pytest.fixture
async def env(tmp_path):
    db = await open_database(tmp_path / "t.db")
    desk = Desk(ArticleStore(db))
    store = DigestStore(db)
    clock = Clock(utc(2025, 6, 2, 7, 0))  # a Monday, 08:00 in London
    poster = Poster()
    runner = SlotRunner(desk, store, poster, clock=clock)
    yield desk, store, clock, poster, runner
    await db.close()


async def add_article(desk: Desk, title: str, added_at: datetime, guild=GUILD) -> int:
    outcome = await desk.store.add(
        NewArticle(
            title=title,
            text=f"{title}. A short invented report written for the digest tests, long enough.",
            url=f"https://news.example.com/{abs(hash(title))}",
            source="news.example.com",
            guild_id=guild,
            summary=(f"{title} in one sentence.",),
            added_at=added_at,
        )
    )
    return outcome.article.id


async def schedule_at(store: DigestStore, clock: Clock, at="09:00", guild=GUILD, **fields):
    return await store.set_schedule(
        guild,
        channel_id=fields.pop("channel_id", 77),
        time_of_day=at,
        timezone=fields.pop("timezone", "Europe/London"),
        days=fields.pop("days", "mon,tue,wed,thu,fri,sat,sun"),
        max_articles=fields.pop("max_articles", 10),
        now=clock(),
    )


async def test_slot_posts_once_with_new_articles(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)  # 09:00 BST = 08:00 UTC
    older = await add_article(desk, "Tram line reopens", clock() - timedelta(hours=2))
    newer = await add_article(desk, "Library extends hours", clock() - timedelta(hours=1))
    assert (await runner.run_due(GUILD)).status == Skip.NOT_DUE  # 08:00 local, before 09:00

    clock.set(utc(2025, 6, 2, 8, 0, 2))
    result = await runner.run_due(GUILD)
    assert result.status == RunStatus.POSTED and result.articles == 2
    assert result.slot == utc(2025, 6, 2, 8, 0)
    [(channel, digest)] = poster.posts
    assert channel == 77
    assert [a.id for a in digest.articles] == [newer, older]  # newest first

    # The same slot again (a reconnect, a second trigger, a restart): nothing more.
    clock.set(utc(2025, 6, 2, 8, 5))
    assert (await runner.run_due(GUILD)).status == Skip.ALREADY
    assert len(poster.posts) == 1
    run = await store.get_run(GUILD, utc(2025, 6, 2, 8, 0))
    assert run is not None and run.status == RunStatus.POSTED and run.kind == "scheduled"


async def test_next_digest_holds_only_articles_added_since_the_last_posted(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await add_article(desk, "Bridge repairs finish early", clock() - timedelta(hours=1))
    clock.set(utc(2025, 6, 2, 8, 0))
    assert (await runner.run_due(GUILD)).status == RunStatus.POSTED

    clock.set(utc(2025, 6, 3, 8, 0))  # Tuesday: nothing new
    assert (await runner.run_due(GUILD)).status == RunStatus.EMPTY
    assert len(poster.posts) == 1
    run = await store.get_run(GUILD, utc(2025, 6, 3, 8, 0))
    assert run is not None and run.status == RunStatus.EMPTY

    fresh = await add_article(desk, "Harbour festival dates set", utc(2025, 6, 3, 12, 0))
    clock.set(utc(2025, 6, 4, 8, 0))
    assert (await runner.run_due(GUILD)).status == RunStatus.POSTED
    assert [a.id for a in poster.posts[-1][1].articles] == [fresh]


async def test_max_articles_limits_the_digest(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock, max_articles=2)
    for n in range(4):
        await add_article(desk, f"Council notice number {n}", clock() - timedelta(minutes=10 - n))
    clock.set(utc(2025, 6, 2, 8, 0))
    result = await runner.run_due(GUILD)
    assert result.articles == 2
    digest = poster.posts[0][1]
    assert digest.more
    assert [a.title for a in digest.articles] == [
        "Council notice number 3",
        "Council notice number 2",
    ]


async def test_other_guilds_articles_never_appear(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    mine = await add_article(desk, "Our own school news", clock() - timedelta(hours=1))
    await add_article(desk, "Another server's secret", clock() - timedelta(hours=1), guild=OTHER)
    shared = await add_article(desk, "Global weather outlook", clock() - timedelta(hours=1), None)
    clock.set(utc(2025, 6, 2, 8, 0))
    await runner.run_due(GUILD)
    assert {a.id for a in poster.posts[0][1].articles} == {mine, shared}


async def test_two_concurrent_runs_of_the_same_slot_post_once(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await add_article(desk, "Ferry timetable changes", clock() - timedelta(hours=1))
    clock.set(utc(2025, 6, 2, 8, 0))
    poster.delay = 0.05  # hold the first post open while the other run arrives
    # A second runner has its own locks, like a second process: only the claim guards it.
    other = SlotRunner(desk, store, poster, clock=clock)
    results = await asyncio.gather(
        runner.run_due(GUILD), other.run_due(GUILD), runner.run_due(GUILD)
    )
    assert sorted(r.status for r in results) == [Skip.ALREADY, Skip.ALREADY, RunStatus.POSTED]
    assert len(poster.posts) == 1


async def test_catch_up_less_than_six_hours_late_posts_once(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await add_article(desk, "Museum reopens its east wing", clock() - timedelta(hours=1))
    clock.set(utc(2025, 6, 2, 13, 59))  # 5 h 59 min after the 08:00 UTC slot
    result = await runner.run_due(GUILD)
    assert result.status == RunStatus.POSTED and result.slot == utc(2025, 6, 2, 8, 0)
    run = await store.get_run(GUILD, utc(2025, 6, 2, 8, 0))
    assert run is not None and run.kind == "catch-up"
    # Restarting again posts nothing more.
    clock.set(utc(2025, 6, 2, 14, 30))
    assert (await runner.run_due(GUILD)).status == Skip.ALREADY
    assert len(poster.posts) == 1


async def test_catch_up_six_hours_or_more_late_is_recorded_missed(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await add_article(desk, "Cycle lane consultation opens", clock() - timedelta(hours=1))
    clock.set(utc(2025, 6, 2, 14, 0))  # exactly 6 h late
    result = await runner.run_due(GUILD)
    assert result.status == RunStatus.MISSED
    assert poster.posts == []
    run = await store.get_run(GUILD, utc(2025, 6, 2, 8, 0))
    assert run is not None and run.status == RunStatus.MISSED and "6 hours" in (run.detail or "")
    assert (await runner.run_due(GUILD)).status == Skip.ALREADY
    # The articles are not lost: the next slot carries them.
    clock.set(utc(2025, 6, 3, 8, 0))
    assert (await runner.run_due(GUILD)).status == RunStatus.POSTED
    assert len(poster.posts[0][1].articles) == 1


async def test_slot_before_the_schedule_was_set_is_not_owed(env):
    desk, store, clock, poster, runner = env
    clock.set(utc(2025, 6, 2, 8, 30))  # just after today's 09:00 BST slot
    await schedule_at(store, clock)
    await add_article(desk, "Allotment waiting list shrinks", clock() - timedelta(hours=1))
    assert (await runner.run_due(GUILD)).status == Skip.NOT_DUE
    assert poster.posts == []


async def test_three_delivery_failures_in_a_row_pause_and_other_guilds_carry_on(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await schedule_at(store, clock, guild=OTHER, channel_id=88)
    await add_article(desk, "Rail strike called off", clock() - timedelta(hours=1), guild=GUILD)
    await add_article(desk, "New park rangers hired", clock() - timedelta(hours=1), guild=OTHER)

    async def post(channel_id: int, digest: Digest, sent: Sent) -> None:
        if channel_id == 77:
            raise DeliveryError("The digest channel was deleted.")
        poster.posts.append((channel_id, digest))

    runner.post = post
    for day in range(3):
        clock.set(utc(2025, 6, 2 + day, 8, 0))
        result = await runner.run_due(GUILD)
        assert result.status == RunStatus.FAILED
        assert result.detail == "The digest channel was deleted."
        assert result.paused == (day == 2)
        other = await runner.run_due(OTHER)
        assert other.status == (RunStatus.POSTED if day == 0 else RunStatus.EMPTY)
    schedule = await store.get_schedule(GUILD)
    assert schedule is not None and schedule.state == ScheduleState.PAUSED
    assert "deleted" in (schedule.pause_reason or "")
    last = await store.last_run(GUILD)
    assert last is not None and last.status == RunStatus.FAILED
    clock.set(utc(2025, 6, 5, 8, 0))
    assert (await runner.run_due(GUILD)).status == Skip.INACTIVE
    assert (await store.get_schedule(OTHER)).active  # type: ignore[union-attr]
    # The failed digests were never posted, so their articles wait for the next one.
    assert await store.last_posted(GUILD) is None


async def test_unexpected_error_is_logged_recorded_and_not_counted(env, caplog):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await add_article(desk, "Water main burst on High Street", clock() - timedelta(hours=1))
    poster.fail_with = RuntimeError("bug in rendering")
    clock.set(utc(2025, 6, 2, 8, 0))
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        result = await runner.run_due(GUILD)
    assert result.status == RunStatus.FAILED
    assert any(r.exc_info for r in caplog.records)  # logged with its traceback
    schedule = await store.get_schedule(GUILD)
    assert schedule is not None and schedule.failures == 0 and schedule.active


async def test_manual_run_posts_now_and_moves_the_window(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await add_article(desk, "Snow ploughs on standby", clock() - timedelta(hours=1))
    result = await runner.run_now(GUILD, 99)
    assert result.status == RunStatus.POSTED and poster.posts[0][0] == 99
    # The scheduled slot later the same day has nothing new.
    clock.set(utc(2025, 6, 2, 8, 0))
    assert (await runner.run_due(GUILD)).status == RunStatus.EMPTY
    await add_article(desk, "Gritting routes published", clock() - timedelta(minutes=5))
    poster.fail_with = DeliveryError("Missing permission to post in that channel.")
    failed = await runner.run_now(GUILD, 99)
    assert failed.status == RunStatus.FAILED and not failed.paused
    assert (await store.get_schedule(GUILD)).failures == 0  # type: ignore[union-attr]


async def test_cancelled_run_stays_claimed_then_is_resumed_at_start(env, aps):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await add_article(desk, "Pier lights restored", clock() - timedelta(hours=1))
    clock.set(utc(2025, 6, 2, 8, 0))
    poster.delay = 10
    task = asyncio.create_task(runner.run_due(GUILD))
    # Cancelled mid-post (claimed, nothing sent yet), however long getting there takes.
    await asyncio.wait_for(poster.posting.wait(), 60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    scheduler = DigestScheduler(store, SlotRunner(desk, store, poster, clock=clock), aps)
    await scheduler.start()
    try:
        run = await store.get_run(GUILD, utc(2025, 6, 2, 8, 0))
        assert run is not None and run.status == RunStatus.INTERRUPTED
        poster.delay = 0
        # Nothing reached the channel before the stop, so the catch-up posts it all, once.
        slot = utc(2025, 6, 2, 8, 0)
        assert await scheduler.catch_up() == {GUILD: RunResult(RunStatus.POSTED, slot, 1)}
        assert await scheduler.catch_up() == {GUILD: RunResult(Skip.ALREADY, slot)}
        assert len(poster.posts) == 1
    finally:
        await scheduler.close()


# -- a digest that stops part-way, and clocks that jump ---------------------------------


async def add_long_articles(desk: Desk, clock: Clock, count: int) -> list[int]:
    """Articles with long summaries, so that a digest of them takes several messages."""
    ids = []
    for n in range(count):
        outcome = await desk.store.add(
            NewArticle(
                title=f"Council report number {n} on the harbour works",
                text=f"Report {n}. An invented report about the harbour works, long enough.",
                url=f"https://news.example.com/report-{n}",
                source="news.example.com",
                guild_id=GUILD,
                summary=(f"Report {n} says the harbour works go on. " + "Words " * 140,),
                added_at=clock() - timedelta(minutes=60 - n),
            )
        )
        ids.append(outcome.article.id)
    return ids


def message_ids(messages: list[DigestMessage]) -> list[int]:
    return [i for message in messages for i in message.article_ids]


async def test_a_digest_that_fails_part_way_is_continued_not_repeated(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock, max_articles=25)
    ids = await add_long_articles(desk, clock, 25)
    clock.set(utc(2025, 6, 2, 8, 0))
    poster.fail_with, poster.fail_at = TransientDeliveryError("server error 503"), 1
    failed = await runner.run_due(GUILD)
    assert failed.status == RunStatus.FAILED
    [first] = poster.messages
    assert 0 < len(first.article_ids) < 25
    assert failed.articles == len(first.article_ids)
    assert "503" in (failed.detail or "") and "the next digest posts the rest" in failed.detail
    run = await store.get_run(GUILD, utc(2025, 6, 2, 8, 0))
    assert run is not None and run.articles == len(first.article_ids)
    schedule = await store.get_schedule(GUILD)
    assert schedule is not None and schedule.failures == 0  # transient: not counted

    # The retry (here /digest now) posts the rest, and only the rest.
    poster.fail_with = None
    clock.set(utc(2025, 6, 2, 8, 30))
    retried = await runner.run_now(GUILD, 77, 25)
    assert retried.status == RunStatus.POSTED
    rest = message_ids(poster.messages[1:])
    assert sorted(message_ids(poster.messages)) == sorted(ids)  # each article exactly once
    assert set(rest) == set(ids) - set(first.article_ids)
    # And the next digest starts after both.
    clock.set(utc(2025, 6, 3, 8, 0))
    assert (await runner.run_due(GUILD)).status == RunStatus.EMPTY


async def test_a_restart_while_posting_resumes_the_slot_with_the_rest(env, aps):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock, max_articles=25)
    ids = await add_long_articles(desk, clock, 25)
    clock.set(utc(2025, 6, 2, 8, 0))
    accepted = asyncio.Event()

    async def stalls_after_one(channel_id: int, digest: Digest, sent: Sent) -> None:
        messages = render_messages(digest)
        assert len(messages) > 1
        poster.messages.append(messages[0])
        await sent(messages[0])
        accepted.set()
        await asyncio.sleep(60)  # the process stops here

    runner.post = stalls_after_one
    task = asyncio.create_task(runner.run_due(GUILD))
    await asyncio.wait_for(accepted.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    clock.set(utc(2025, 6, 2, 8, 5))
    restarted = SlotRunner(desk, store, poster, clock=clock)
    scheduler = DigestScheduler(store, restarted, aps)
    await scheduler.start()
    try:
        results = await scheduler.catch_up()
        assert results[GUILD].status == RunStatus.POSTED
        assert sorted(message_ids(poster.messages)) == sorted(ids)  # each exactly once
        run = await store.get_run(GUILD, utc(2025, 6, 2, 8, 0))
        assert run is not None and run.status == RunStatus.POSTED
        # Resumed once: a second catch-up finds the slot done.
        assert (await scheduler.catch_up())[GUILD].status == Skip.ALREADY
    finally:
        await scheduler.close()


async def test_a_clock_a_day_ahead_does_not_swallow_the_next_days_articles(env):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    real = utc(2025, 6, 2, 8, 0)
    first = await add_article(desk, "Tram depot opens", real - timedelta(hours=1))
    clock.set(real + timedelta(days=1))  # the host's clock jumps a day ahead ...
    assert (await runner.run_now(GUILD, 77)).status == RunStatus.POSTED
    posted = await store.last_posted(GUILD)
    assert posted is not None and posted.covers_until is not None
    assert posted.covers_until <= real  # the window ends at what it saw, not in the future
    # ... and back: the articles of the day that follows still make the next digest.
    later = await add_article(desk, "Tram depot closes again", real + timedelta(hours=2))
    clock.set(real + timedelta(hours=3))
    assert (await runner.run_now(GUILD, 77)).status == RunStatus.POSTED
    assert [[a.id for a in d.articles] for _, d in poster.posts] == [[first], [later]]


# -- DigestScheduler --------------------------------------------------------------------


async def test_scheduler_rebuilds_jobs_from_the_database(env, aps):
    _desk, store, clock, _poster, runner = env
    await schedule_at(store, clock, at="07:15", timezone="America/New_York")
    await schedule_at(store, clock, guild=OTHER)
    await store.turn_off(OTHER, now=clock())
    scheduler = DigestScheduler(store, runner, aps)
    await scheduler.start()
    try:
        assert scheduler.scheduled_guilds() == [GUILD]
        job = scheduler._scheduler.get_job(DigestScheduler.job_id(GUILD))
        schedule = await store.get_schedule(GUILD)
        assert schedule is not None
        now = datetime.now(UTC)
        assert job.next_run_time == next_run_for(schedule, now)
        scheduler.unschedule(GUILD)
        assert scheduler.scheduled_guilds() == []
    finally:
        await scheduler.close()


async def test_digest_jobs_share_the_bots_scheduler(env, aps):
    # Another feature's job on the same APScheduler is neither counted nor removed.
    _desk, store, clock, _poster, runner = env
    await schedule_at(store, clock)

    async def other_job() -> None:
        return None

    aps.add_job(other_job, "interval", hours=1, id="feeds:poll")
    scheduler = DigestScheduler(store, runner, aps)
    await scheduler.start()
    assert scheduler.scheduled_guilds() == [GUILD]
    assert {job.id for job in aps.get_jobs()} == {"feeds:poll", DigestScheduler.job_id(GUILD)}
    await scheduler.close()
    assert scheduler.scheduled_guilds() == []
    assert [job.id for job in aps.get_jobs()] == ["feeds:poll"]
    assert aps.running


async def test_catch_up_isolates_guilds(env, caplog, aps):
    desk, store, clock, _poster, runner = env
    await schedule_at(store, clock)
    await schedule_at(store, clock, guild=OTHER, channel_id=88)
    await add_article(desk, "Bus fares frozen", clock() - timedelta(hours=1), guild=OTHER)
    original = runner.run_due

    async def flaky(guild_id: int):
        if guild_id == GUILD:
            raise RuntimeError("database hiccup")
        return await original(guild_id)

    runner.run_due = flaky  # type: ignore[method-assign]
    clock.set(utc(2025, 6, 2, 9, 0))
    scheduler = DigestScheduler(store, runner, aps)
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        results = await scheduler.catch_up()
    assert results[OTHER].status == RunStatus.POSTED
    assert GUILD not in results
    assert any("database hiccup" in (r.exc_text or "") for r in caplog.records)


async def test_real_apscheduler_fires_the_job(env, aps):
    # The one test on the real clock: a schedule a second or two ahead posts by itself.
    # The slot is set after the scheduler started (as /digest set does on a running bot)
    # and set again if a slow machine let it pass before its job was in: a job added
    # after its time would next fire tomorrow. Then the post is waited for, not guessed.
    desk, store, _clock, poster, _runner = env
    runner = SlotRunner(desk, store, poster)
    await add_article(desk, "Clock tower chimes again", datetime.now(UTC) - timedelta(minutes=1))
    scheduler = DigestScheduler(store, runner, aps)
    await scheduler.start()
    try:
        for _attempt in range(5):
            fire_at = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
            schedule = await store.set_schedule(
                GUILD,
                channel_id=31,
                time_of_day=fire_at.strftime("%H:%M:%S"),
                timezone="UTC",
                days="mon,tue,wed,thu,fri,sat,sun",
                max_articles=10,
                now=datetime.now(UTC),
            )
            scheduler.schedule(schedule)
            if datetime.now(UTC) < fire_at:
                break
        else:
            pytest.fail("the machine never got a schedule in two seconds ahead of its time")
        assert schedule.guild_id in scheduler.scheduled_guilds()
        await asyncio.wait_for(poster.posted.wait(), 60)
        assert len(poster.posts) == 1 and poster.posts[0][0] == 31
    finally:
        await scheduler.close()


async def test_a_paused_schedule_loses_its_job(env, aps):
    desk, store, clock, poster, runner = env
    await schedule_at(store, clock)
    await add_article(desk, "Quay railings replaced", clock() - timedelta(hours=1))
    poster.fail_with = DeliveryError("The digest channel was deleted.")
    scheduler = DigestScheduler(store, runner, aps)
    await scheduler.start()
    try:
        for day in range(3):
            clock.set(utc(2025, 6, 2 + day, 8, 0))
            await scheduler._fire(GUILD)
            assert scheduler.scheduled_guilds() == ([GUILD] if day < 2 else [])
    finally:
        await scheduler.close()
