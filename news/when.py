"""Time in a question: "what did the council decide yesterday?", "the strike this week",
"since Monday", "in March", "on 3 May", "in 2024".

:func:`find_window` turns the first time expression of a question into a window of local
days in the server's timezone (the digest's, else UTC) and the UTC instants that bound
it, so the store can filter by publication date. Relative words (today, this week,
since Monday, the last 3 days) are taken strictly: the answer must come from the
window. A bare year, month, day name or date, with no "in", "on" or "since" before it,
may name the event rather than the news ("the 2004 tsunami", "Super Tuesday"): it only
boosts. A strict window that holds no stories is the caller's to widen, saying so.

:meth:`Window.describe` is the reply's "articles from 1–7 December".

Pure and linear: one pass of a fixed set of anchored patterns over a question that the
caller has already cut to size.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

MONTHS = {
    name: k
    for k, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: k
    for k, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_NUMBERS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "few": 3,
    "couple of": 2,
}
# Years a question may name: older news is not what a server stores.
FIRST_YEAR = 1900


@dataclass(frozen=True)
class Window:
    """Local days ``first`` to ``last`` (inclusive) in ``zone``; ``strict``: the answer
    must come from it (else it only boosts stories within it)."""

    first: date
    last: date
    zone: tzinfo
    phrase: str  # the words of the question that named it
    span: tuple[int, int]  # where they stand in it
    strict: bool = True
    since: bool = False  # "since Monday": open up to now

    @property
    def start(self) -> datetime:
        """The first instant, in UTC."""
        return datetime.combine(self.first, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The instant after the last day, in UTC (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone).astimezone(UTC)

    def holds(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def describe(self, today: date | None = None) -> str:
        """ "articles from 1–7 December", "articles since Monday 30 November"."""
        year = (today or self.last).year
        if self.since:
            recent = (today or self.last) - self.first < timedelta(days=7)
            weekday = f"{self.first.strftime('%A')} " if recent else ""
            return f"articles since {weekday}{_day(self.first, year)}"
        first, last = self.first, self.last
        if first == last:
            return f"articles from {_day(first, year)}"
        if first.day == 1 and last == _month_end(first):
            label = first.strftime("%B") + ("" if first.year == year else f" {first.year}")
            return f"articles from {label}"
        if first == date(first.year, 1, 1) and last == date(first.year, 12, 31):
            return f"articles from {first.year}"
        if (first.year, first.month) == (last.year, last.month):
            month = last.strftime("%B") + ("" if last.year == year else f" {last.year}")
            return f"articles from {first.day}–{last.day} {month}"
        if first.year == last.year:
            tail = "" if last.year == year else f" {last.year}"
            return (
                f"articles from {first.day} {first.strftime('%B')} – "
                f"{last.day} {last.strftime('%B')}{tail}"
            )
        return f"articles from {_day(first, 0)} – {_day(last, 0)}"


def _day(d: date, year: int) -> str:
    return f"{d.day} {d.strftime('%B')}" + ("" if d.year == year else f" {d.year}")


def _month_end(d: date) -> date:
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _month_start(d: date, back: int = 0) -> date:
    m = d.year * 12 + d.month - 1 - back
    return date(m // 12, m % 12 + 1, 1)


def _last_weekday(today: date, weekday: int, *, before_today: bool = False) -> date:
    back = (today.weekday() - weekday) % 7
    if back == 0 and before_today:
        back = 7
    return today - timedelta(days=back)


def _number(text: str) -> int | None:
    text = " ".join(text.lower().split())
    if text.isdigit():
        return int(text)
    return _NUMBERS.get(text)


_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_COUNT = r"(?P<n>\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten|few|couple of)"
_UNIT = r"(?P<unit>hours?|days?|weeks?|months?|years?)"


# The time expressions in the order they are tried; the first that matches anywhere
# wins. The more specific come first ("last week" before "last Monday" before "Monday").
_PATTERN_TEXTS = [
    ("since_dm", rf"since\s+(?:{_WEEKDAY},?\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"),
    ("since_md", rf"since\s+(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"),
    (
        "since",
        rf"since\s+(?:(?:last|this)\s+)?(?:{_WEEKDAY}|{_MONTH}|{_YEAR}"
        r"|(?P<word>yesterday|last\s+week|last\s+month))",
    ),
    ("ago", rf"{_COUNT}\s+{_UNIT}\s+ago"),
    ("past", rf"(?:(?:in|over|during|for)\s+)?(?:the\s+)?(?:last|past)\s+{_COUNT}\s+{_UNIT}"),
    (
        "past1",
        r"(?:(?:in|over|during)\s+)?the\s+(?:last|past)\s+(?P<unit>day|week|month|year)"
        r"|past\s+(?P<unit2>day|week|month|year)",
    ),
    ("today", r"(?:earlier\s+)?today|tonight|this\s+(?:morning|afternoon|evening)"),
    ("yesterday", r"yesterday|last\s+night"),
    ("this_week", r"(?:earlier\s+)?this\s+week"),
    ("last_week", r"last\s+week"),
    ("weekend", r"(?P<which>this|last|at\s+the|over\s+the)\s+weekend"),
    ("this_month", r"(?:earlier\s+)?this\s+month"),
    ("last_month", r"last\s+month"),
    ("this_year", r"(?:earlier\s+)?this\s+year"),
    ("last_year", r"last\s+year"),
    (
        "date_dm",
        rf"(?P<on>on\s+(?:the\s+)?)?(?:{_WEEKDAY},?\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?",
    ),
    ("date_md", rf"(?P<on>on\s+)?(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"),
    ("weekday", rf"(?P<last>last\s+|this\s+past\s+)?(?P<on>on\s+)?{_WEEKDAY}"),
    ("month", rf"(?P<in>in\s+|during\s+)?(?:early\s+|late\s+|mid-?)?{_MONTH}(?:\s+{_YEAR})?"),
    ("year", rf"(?P<in>in\s+|during\s+)?{_YEAR}"),
]


# Every time expression above holds a decimal digit (a day, a year, a count) or one of
# these letters in a row: a word it requires, or the three letters that every spelling
# of a month or weekday starts with. A question with neither names no time, and its
# patterns need not be compiled (~12 ms, on a command's first question) nor run: about
# three questions in four, in NewsQA's and SQuAD's.
_HINTS = (
    *("since", "ago", "last", "past", "today", "tonight", "morning", "afternoon"),
    *("evening", "yesterday", "week", "month", "year"),
    *sorted({name[:3] for name in (*MONTHS, *WEEKDAYS)}),
)
_DIGIT = re.compile(r"\d")  # as the patterns' \d: any Unicode decimal digit
# The characters that IGNORECASE matches to an ASCII letter besides its two cases (the
# dotted and dotless I, the long s, the Kelvin sign), as that letter: str.lower alone
# would turn "İ" into two characters and leave "ı" and "ſ" as they are.
_AS_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def may_name_time(question: str) -> bool:
    """False only when no time expression can match ``question`` (a necessary test, not
    a sufficient one: "Monaco" passes)."""
    if _DIGIT.search(question):
        return True
    folded = question.translate(_AS_ASCII).lower()
    return any(hint in folded for hint in _HINTS)


@functools.cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """The time expressions, compiled on the first question: that takes a few
    milliseconds, which the commands that never ask (newsbot show, list) need not pay."""
    return [
        (name, re.compile(rf"(?<![\w-]){pattern}(?![\w-])", re.IGNORECASE))
        for name, pattern in _PATTERN_TEXTS
    ]


def without(question: str, window: Window) -> str:
    """The question with its time expression taken out, for the word search: stories
    say "on Monday", not "yesterday"."""
    start, end = window.span
    return " ".join((question[:start] + " " + question[end:]).split())


def find_window(question: str, now: datetime, zone: tzinfo = UTC) -> Window | None:
    """The first time expression in ``question``, as local days in ``zone`` around
    ``now``; None when it names no time."""
    if not may_name_time(question):
        return None
    today = now.astimezone(zone).date()
    best: tuple[int, Window] | None = None
    for name, pattern in _patterns():
        for found in pattern.finditer(question):
            made = _window(name, found, today, zone)
            if made is not None:
                if best is None or found.start() < best[0]:
                    best = (found.start(), made)
                break
    return best[1] if best else None


def _window(name: str, m: re.Match[str], today: date, zone: tzinfo) -> Window | None:
    g = m.groupdict()
    phrase = " ".join(m.group(0).split())

    def make(first: date, last: date, strict: bool = True, since: bool = False) -> Window | None:
        if first > last or first.year < FIRST_YEAR:
            return None
        last = min(last, today) if strict else last
        return Window(first, last, zone, phrase, m.span(), strict, since)

    if name.startswith("since"):
        inner = _window_of_since(g, today)
        return make(inner, today, since=True) if inner else None
    if name in ("ago", "past", "past1"):
        unit = (g.get("unit") or g.get("unit2") or "").lower().rstrip("s")
        n = _number(g["n"]) if g.get("n") else 1
        if not n or n > 366:
            return None
        days = {"hour": n / 24, "day": n, "week": 7 * n, "month": 30 * n, "year": 365 * n}[unit]
        if name == "ago":
            day = today - timedelta(days=int(days))
            return make(day, day) if unit != "hour" else make(today - timedelta(days=1), today)
        # "the last 3 days": today and the two before; "the last 24 hours": today and yesterday
        span = max(1, int(days + 0.999))
        return make(today - timedelta(days=span if unit == "hour" else span - 1), today)
    if name == "today":
        return make(today, today)
    if name == "yesterday":
        day = today - timedelta(days=1)
        return make(day, day)
    if name == "this_week":
        monday = today - timedelta(days=today.weekday())
        return make(monday, monday + timedelta(days=6))
    if name == "last_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return make(monday, monday + timedelta(days=6))
    if name == "weekend":
        saturday = _last_weekday(today, 5)
        if g["which"].lower() == "last" and today.weekday() >= 5:
            saturday -= timedelta(days=7)
        return make(saturday, saturday + timedelta(days=1))
    if name == "this_month":
        return make(_month_start(today), _month_end(today))
    if name == "last_month":
        first = _month_start(today, 1)
        return make(first, _month_end(first))
    if name == "this_year":
        return make(date(today.year, 1, 1), date(today.year, 12, 31))
    if name == "last_year":
        return make(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    if name in ("date_dm", "date_md"):
        named = _date(g, today)
        return make(named, named, strict=bool(g.get("on") or g.get("weekday"))) if named else None
    if name == "weekday":
        day = _last_weekday(today, WEEKDAYS[g["weekday"].lower()], before_today=bool(g["last"]))
        # A bare day name may be part of a name ("Super Tuesday", "Black Friday").
        return make(day, day, strict=bool(g["last"] or g["on"]))
    if name == "month":
        month = MONTHS[g["month"].lower().rstrip(".")]
        if g["month"].lower() in ("may", "mar") and not (g.get("in") or g.get("year")):
            return None  # "may" and "mar" are words first
        year = int(g["year"]) if g.get("year") else _recent_year(today, month)
        first = date(year, month, 1)
        return make(first, _month_end(first), strict=bool(g.get("in")))
    if name == "year":
        year = int(g["year"])
        if year > today.year:
            return None
        return make(date(year, 1, 1), date(year, 12, 31), strict=bool(g.get("in")))
    return None


def _recent_year(today: date, month: int) -> int:
    """A month named alone is the latest one that has begun."""
    return today.year if month <= today.month else today.year - 1


def _date(g: dict[str, str | None], today: date) -> date | None:
    month = MONTHS[(g["month"] or "").lower().rstrip(".")]
    day = int(g["day"] or 0)
    year = int(g["year"] or 0) if g.get("year") else None
    try:
        if year is None:
            got = date(today.year, month, day)
            return got if got <= today else date(today.year - 1, month, day)
        return date(year, month, day)
    except ValueError:
        return None  # 31 April, or 29 February of a common year


def _window_of_since(g: dict[str, str | None], today: date) -> date | None:
    what = " ".join((g.get("word") or "").lower().split())
    if what == "yesterday":
        return today - timedelta(days=1)
    if what == "last week":
        return today - timedelta(days=today.weekday() + 7)
    if what == "last month":
        return _month_start(today, 1)
    if g.get("weekday"):
        return _last_weekday(today, WEEKDAYS[(g["weekday"] or "").lower()], before_today=True)
    if g.get("day"):
        return _date(g, today)
    if g.get("month"):
        month = MONTHS[(g["month"] or "").lower().rstrip(".")]
        return date(_recent_year(today, month), month, 1)
    if g.get("year"):
        return date(int(g["year"] or 0), 1, 1)
    return None
