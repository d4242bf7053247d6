"""Time in a question (news/when.py): the window each phrasing gives, on a fixed clock in
a fixed timezone. The clock is 03:30 UTC on Wednesday 9 December 2026, which is still
Tuesday 8 December (22:30) in New York: every window is in New York's days."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from news import when
from news.when import Window, find_window, may_name_time, without

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 9, 3, 30, tzinfo=UTC)
TODAY = date(2026, 12, 8)  # a Tuesday, in New York


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


# phrasing -> (first day, last day, strict: the answer must come from the window)
TABLE: list[tuple[str, date, date, bool]] = [
    ("What happened today?", d(12, 8), d(12, 8), True),
    ("What did the council say earlier today?", d(12, 8), d(12, 8), True),
    ("Who spoke this morning?", d(12, 8), d(12, 8), True),
    ("What happened tonight at the port?", d(12, 8), d(12, 8), True),
    ("What did the council decide yesterday?", d(12, 7), d(12, 7), True),
    ("Who won last night?", d(12, 7), d(12, 7), True),
    ("What happened with the strike this week?", d(12, 7), d(12, 8), True),
    ("What was announced earlier this week?", d(12, 7), d(12, 8), True),
    ("Who resigned last week?", d(11, 30), d(12, 6), True),
    ("What happened over the weekend?", d(12, 5), d(12, 6), True),
    ("What happened at the weekend?", d(12, 5), d(12, 6), True),
    ("Any news from last weekend?", d(12, 5), d(12, 6), True),
    ("How many jobs were cut this month?", d(12, 1), d(12, 8), True),
    ("What did the mayor promise last month?", d(11, 1), d(11, 30), True),
    ("How many storms this year?", d(1, 1), d(12, 8), True),
    ("Who won the election last year?", d(1, 1, 2025), d(12, 31, 2025), True),
    ("What happened on Monday?", d(12, 7), d(12, 7), True),
    ("What happened on Tuesday?", d(12, 8), d(12, 8), True),
    ("What was said last Tuesday?", d(12, 1), d(12, 1), True),
    ("Who spoke on Friday?", d(12, 4), d(12, 4), True),
    ("What changed this past Sunday?", d(12, 6), d(12, 6), True),
    ("What has happened since Monday?", d(12, 7), d(12, 8), True),
    ("What has changed since Friday?", d(12, 4), d(12, 8), True),
    ("How many arrests since yesterday?", d(12, 7), d(12, 8), True),
    ("What has the union done since last week?", d(11, 30), d(12, 8), True),
    ("Who has left since 1 December?", d(12, 1), d(12, 8), True),
    ("What rose since March?", d(3, 1), d(12, 8), True),
    ("How much has it grown since 2025?", d(1, 1, 2025), d(12, 8), True),
    ("What happened in March?", d(3, 1), d(3, 31), True),
    ("What did they sign in December 2025?", d(12, 1, 2025), d(12, 31, 2025), True),
    ("What was decided during 2023?", d(1, 1, 2023), d(12, 31, 2023), True),
    ("Who won in 2024?", d(1, 1, 2024), d(12, 31, 2024), True),
    ("What was signed on 3 May?", d(5, 3), d(5, 3), True),
    ("What happened on 4 December?", d(12, 4), d(12, 4), True),
    ("What was said on the 4th of December?", d(12, 4), d(12, 4), True),
    ("What happened on December 4th?", d(12, 4), d(12, 4), True),
    ("What did they agree on Friday, 4 December?", d(12, 4), d(12, 4), True),
    ("What was agreed on 10 December?", d(12, 10, 2025), d(12, 10, 2025), True),
    ("What happened in the last 3 days?", d(12, 6), d(12, 8), True),
    ("What happened over the past 24 hours?", d(12, 7), d(12, 8), True),
    ("Who resigned in the past week?", d(12, 2), d(12, 8), True),
    ("What happened in the last two weeks?", d(11, 25), d(12, 8), True),
    ("What happened the past few days?", d(12, 6), d(12, 8), True),
    ("What happened two days ago?", d(12, 6), d(12, 6), True),
    ("What happened a week ago?", d(12, 1), d(12, 1), True),
    # Named without "in", "on" or "since": maybe the event, not the news; a boost only.
    ("How many died in the 2004 tsunami?", d(1, 1, 2004), d(12, 31, 2004), False),
    ("What happened on Nov. 30?", d(11, 30), d(11, 30), True),
    ("Who won Super Tuesday?", d(12, 8), d(12, 8), False),
    ("What did the March report say?", d(3, 1), d(3, 31), False),
]


@pytest.mark.parametrize(("question", "first", "last", "strict"), TABLE)
def test_the_window_each_phrasing_gives(
    question: str, first: date, last: date, strict: bool
) -> None:
    window = find_window(question, NOW, NEW_YORK)
    assert window is not None
    assert (window.first, window.last, window.strict) == (first, last, strict)


def test_the_table_is_long_enough() -> None:
    assert len(TABLE) >= 40


@pytest.mark.parametrize(
    "question",
    [
        "How many prisoners were released?",
        "What may happen to the ferry?",
        "Who is the mayor of Port Elwin?",
        "What did the 300 workers ask for?",
        "When does the season start?",
        "What is the weekly wage?",
        "How many days did the strike last?",
        "What happened to Monday's paper?",
        "What did they do in 2099?",  # a year not yet begun names no news
    ],
)
def test_no_time_named_no_window(question: str) -> None:
    window = find_window(question, NOW, NEW_YORK)
    assert window is None or not window.strict, window


def test_the_bounds_are_the_servers_days_in_utc() -> None:
    window = find_window("What happened today?", NOW, NEW_YORK)
    assert window is not None
    assert window.start == datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # midnight in New York
    assert window.end == datetime(2026, 12, 9, 5, 0, tzinfo=UTC)
    assert window.holds(NOW)
    assert not window.holds(datetime(2026, 12, 8, 4, 59, tzinfo=UTC))
    # In UTC it is already Wednesday.
    utc = find_window("What happened today?", NOW)
    assert utc is not None and utc.first == d(12, 9)


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("What happened this week?", "articles from 7–8 December"),
        ("What happened last week?", "articles from 30 November – 6 December"),
        ("What happened yesterday?", "articles from 7 December"),
        ("What has happened since Monday?", "articles since Monday 7 December"),
        ("What rose since March?", "articles since 1 March"),
        ("What happened last month?", "articles from November"),
        ("What was signed in December 2025?", "articles from December 2025"),
        ("Who won in 2024?", "articles from 2024"),
    ],
)
def test_the_reply_says_which_window(question: str, said: str) -> None:
    window = find_window(question, NOW, NEW_YORK)
    assert window is not None and window.describe(TODAY) == said


def test_the_first_time_named_wins_and_can_be_taken_out() -> None:
    question = "What did the council decide yesterday about the March vote?"
    window = find_window(question, NOW, NEW_YORK)
    assert isinstance(window, Window) and window.phrase == "yesterday"
    assert without(question, window) == "What did the council decide about the March vote?"


def test_an_impossible_date_is_no_day() -> None:
    # 31 April is no day: at most the month is taken, and only as a boost.
    window = find_window("What happened on 31 April?", NOW, NEW_YORK)
    assert window is None or (not window.strict and window.first.day == 1)


# -- the cheap test that spares the patterns --------------------------------------------


@pytest.mark.parametrize(("name", "text"), when._PATTERN_TEXTS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_match_of_every_pattern_passes_the_cheap_test(
    name: str, text: str, data: st.DataObject
) -> None:
    # The test is only worth having if no phrase a pattern reads is turned away by it.
    phrase = data.draw(st.from_regex(re.compile(text, re.IGNORECASE), fullmatch=True))
    assert may_name_time(phrase), (name, phrase)


def test_the_cheap_test_folds_every_letter_ignorecase_matches() -> None:
    # A pattern's "i" also matches "İ" and "ı" (and "s" the long s, "k" the Kelvin sign):
    # each character that IGNORECASE takes for an ASCII letter must fold to that letter.
    letter = re.compile("[a-z]", re.IGNORECASE)
    odd = [
        c
        for c in map(chr, range(0x80, 0x110000))
        if not 0xD800 <= ord(c) <= 0xDFFF and letter.fullmatch(c)
    ]
    assert odd, "the scan found nothing: it proves nothing"
    for c in odd:
        folded = c.translate(when._AS_ASCII).lower()
        assert len(folded) == 1 and "a" <= folded <= "z", hex(ord(c))
        assert re.fullmatch(folded, c, re.IGNORECASE), hex(ord(c))
    for spelled in (
        "Who has won S\u0130NCE?",
        "Who said it ye\u017fterday?",
        "Who quit this WEE\u212a?",
    ):
        assert may_name_time(spelled), spelled
    assert not may_name_time("Who has won the prize?")


def test_a_question_naming_no_time_compiles_no_pattern() -> None:
    when._patterns.cache_clear()
    assert find_window("How many prisoners were released?", NOW, NEW_YORK) is None
    assert when._patterns.cache_info().currsize == 0
    assert find_window("Who resigned last week?", NOW, NEW_YORK) is not None
    assert when._patterns.cache_info().currsize == 1
