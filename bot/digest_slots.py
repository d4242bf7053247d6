"""When a digest is due: a schedule as a rule (a wall-clock time in a timezone on some
weekdays), its slots in UTC across DST, and what to do about a slot at start-up.

Pure functions with an explicit ``now``; what a moderator types is parsed in
:mod:`bot.schedule_input`, and the jobs that act on the slots are in :mod:`bot.scheduler`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.schedule_input import format_days, parse_days, parse_time
from news.domain import DigestSchedule

# A digest more than this late (the bot was down) is skipped and recorded as missed:
# yesterday's morning digest arriving in the evening helps nobody.
CATCH_UP_GRACE = timedelta(hours=6)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Rule:
    """When a guild's digest is due: a wall-clock time in a timezone on some weekdays."""

    at: time
    tz: ZoneInfo
    days: frozenset[int]

    @classmethod
    def from_schedule(cls, schedule: DigestSchedule) -> Rule:
        return cls(
            parse_time(schedule.time_of_day),
            ZoneInfo(schedule.timezone),
            parse_days(schedule.days),
        )

    def cron_trigger(self) -> CronTrigger:
        """APScheduler's trigger for this rule; DST-aware because it carries the zone."""
        return CronTrigger(
            day_of_week=format_days(self.days),
            hour=self.at.hour,
            minute=self.at.minute,
            second=self.at.second,
            timezone=self.tz,
        )


def slot_on(rule: Rule, day: date) -> datetime:
    """The UTC instant of the rule's time on a local ``day``.

    DST: a time that happens twice (autumn) means its first occurrence; a time that
    does not exist (spring, e.g. 01:30 in London) is read with the offset in force
    before the change, so it lands one hour later on the wall clock (02:30 BST). Both
    agree with APScheduler's CronTrigger, and every other day keeps the chosen time.
    """
    local = datetime.combine(day, rule.at, tzinfo=rule.tz).replace(fold=0)
    return local.astimezone(UTC)


def next_run(rule: Rule, after: datetime) -> datetime:
    """The first slot strictly after ``after`` (aware), in UTC."""
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    start = after.astimezone(rule.tz).date() - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if day.weekday() in rule.days:
            slot = slot_on(rule, day)
            if slot > after:
                return slot
    raise ValueError("a rule needs at least one day of the week")


def previous_run(rule: Rule, at: datetime) -> datetime | None:
    """The latest slot at or before ``at`` (aware), in UTC."""
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    start = at.astimezone(rule.tz).date() + timedelta(days=1)
    for offset in range(9):
        day = start - timedelta(days=offset)
        if day.weekday() in rule.days:
            slot = slot_on(rule, day)
            if slot <= at:
                return slot
    return None


class Decision(Enum):
    NOTHING = "nothing"  # no slot is owed
    POST = "post"  # the slot is due (or less than the grace period late): post it
    MISSED = "missed"  # too late: record the slot as missed, post nothing


def catch_up_decision(
    slot: datetime | None,
    now: datetime,
    *,
    active_since: datetime,
    grace: timedelta = CATCH_UP_GRACE,
) -> Decision:
    """What to do about the latest slot ``slot`` (from :func:`previous_run`) at ``now``.

    Slots before the schedule was set are not owed. Whether the slot was already
    handled is the store's business (the UNIQUE claim), not this function's.
    """
    if slot is None or slot < active_since or slot > now:
        return Decision.NOTHING
    return Decision.POST if now - slot < grace else Decision.MISSED


def next_run_for(schedule: DigestSchedule, now: datetime) -> datetime | None:
    """When the schedule posts next, or None if it is paused or off."""
    if not schedule.active:
        return None
    return next_run(Rule.from_schedule(schedule), now)
