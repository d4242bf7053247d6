"""What a moderator types for a digest schedule: times, days and timezones, parsed
and written back. Pure functions; :mod:`bot.scheduler` does the schedule maths."""

from __future__ import annotations

import re
from datetime import time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.style import CHOICES_LIMIT
from news.errors import InputError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
_DAY_ALIASES = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    **{
        full: i
        for i, full in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
}
_DAY_GROUPS = {
    "": EVERY_DAY,
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "every day": EVERY_DAY,
    "all": EVERY_DAY,
    "weekdays": WEEKDAYS,
    "weekday": WEEKDAYS,
    "weekends": WEEKEND,
    "weekend": WEEKEND,
}
_TIME = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})(?::(\d{2}))?\s*$")


def parse_time(text: str) -> time:
    """``HH:MM`` (24-hour; ``HH:MM:SS`` also accepted) as a wall-clock time."""
    match = _TIME.match(text or "")
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3) or 0)
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
    raise InputError(f"{text!r} is not a time of day: use 24-hour HH:MM, e.g. 08:30 or 18:00.")


def format_time(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def parse_days(text: str | None) -> frozenset[int]:
    """Days of the week (0 = Monday) from "daily", "weekdays", "weekends", "mon,wed,fri", "mon-fri"."""
    raw = re.sub(r"\s*-\s*", "-", " ".join((text or "").lower().split()))
    if raw in _DAY_GROUPS:
        return _DAY_GROUPS[raw]
    days: set[int] = set()
    for part in re.split(r"\s*[,;/ ]\s*", raw):
        if not part:
            continue
        if part in _DAY_GROUPS:
            days |= _DAY_GROUPS[part]
            continue
        first, dash, last = part.partition("-")
        if dash:
            start, end = _day(first, text), _day(last, text)
            span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            days.update(span)
        else:
            days.add(_day(part, text))
    if not days:
        return EVERY_DAY
    return frozenset(days)


def _day(word: str, original: str | None) -> int:
    day = _DAY_ALIASES.get(word)
    if day is None and word.endswith("s"):
        day = _DAY_ALIASES.get(word[:-1])  # "mondays"
    if day is None:
        raise InputError(
            f"{original!r} is not a list of days: use daily, weekdays, weekends, "
            "or days like mon,wed,fri."
        )
    return day


def format_days(days: frozenset[int]) -> str:
    """Canonical storage form, in week order: "mon,wed,fri"; also APScheduler's syntax."""
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def describe_days(days: frozenset[int]) -> str:
    """For people: "every day", "weekdays", "weekends" or "Mon, Wed, Fri"."""
    if days == EVERY_DAY:
        return "every day"
    if days == WEEKDAYS:
        return "weekdays"
    if days == WEEKEND:
        return "weekends"
    return ", ".join(DAY_NAMES[d].title() for d in sorted(days))


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA timezone such as Europe/London; matching ignores case."""
    cleaned = (name or "").strip().replace(" ", "_")
    if cleaned.lower() in ("utc", "gmt", "z"):
        return ZoneInfo("UTC")
    by_lower = {n.lower(): n for n in timezone_names()}
    canonical = by_lower.get(cleaned.lower())
    if canonical is not None:
        try:
            return ZoneInfo(canonical)
        except ZoneInfoNotFoundError:
            pass
    raise InputError(
        f"{name!r} is not a timezone: pick an IANA name from the list, e.g. Europe/London."
    )


def suggest_timezones(prefix: str, limit: int = CHOICES_LIMIT) -> list[str]:
    """Autocomplete: names starting with, then containing, what was typed."""
    typed = (prefix or "").strip().lower().replace(" ", "_")
    names = timezone_names()
    if not typed:
        return list(names[:limit])
    starts = [n for n in names if n.lower().startswith(typed)]
    # "london" should find Europe/London: match inside the name too.
    inner = [n for n in names if typed in n.lower() and n not in starts]
    return (starts + inner)[:limit]
