"""The README's Reliability figures that had no test of their own (issue 20).

- A raw title is cut to 1,200 characters before cleaning (the hostile " | Site" page).
- The shipped autocomplete rate limit: 12 per member in each 2-second window.
- The bot runs with a 0.5 ms GIL switch interval (the loop-lag figure is bench.scale's:
  bench/README.md, "Loop lag with 50 asks at once").
"""

from __future__ import annotations

import sys
import time

import pytest

import bot.app.drafts
import news.clean
from bot.app.drafts import Draft, prepare
from bot.client import SWITCH_INTERVAL, tune_runtime
from cogs import views

BODY = (
    "The harbour bridge reopened on Monday after a year of repairs, the council said. "
    "Traffic was light in the morning and heavier by the evening rush."
)


def test_a_raw_title_is_cut_to_1200_characters_before_cleaning(monkeypatch) -> None:
    seen: list[int] = []
    real = news.clean.clean_title

    def spy(title: str) -> str:
        seen.append(len(title))
        return real(title)

    # prepare imports the cleaner when it runs (bot.app.drafts), so the spy goes where
    # it is looked up.
    monkeypatch.setattr(news.clean, "clean_title", spy)
    hostile = "Harbour bridge reopens" + " | Site" * 27_000  # 189,022 characters
    start = time.process_time()
    article = prepare(Draft(text=BODY, title=hostile), None, None)
    cpu = time.process_time() - start
    # The cleaner never sees more than the cut (its own later calls see less).
    assert seen[0] == 1200 and max(seen) == 1200
    assert article.title.startswith("Harbour bridge reopens")
    assert len(article.title) <= bot.app.drafts.MAX_TITLE_CHARS
    # README: 27,000 " | Site" segments took 126.6 s before, 0.11 s after (CPU time here,
    # so a loaded machine does not count against it).
    assert cpu < 5.0, f"{cpu:.2f} s of CPU"


@pytest.fixture
def shipped_limit(monkeypatch) -> tuple[views.RateLimit, list[float]]:
    """The shipped limiter itself, on a clock the test moves, with no buckets yet."""
    now = [1_000.0]
    shipped = views.AUTOCOMPLETE_LIMIT
    limit = views.RateLimit(rate=shipped.rate, burst=shipped.burst, clock=lambda: now[0])
    return limit, now


def test_the_shipped_autocomplete_limit_is_12_in_each_2_second_window(shipped_limit) -> None:
    limit, now = shipped_limit
    member = 4242
    assert [limit.allow(member) for _ in range(13)] == [True] * 12 + [False]
    now[0] += 1.9
    assert not limit.allow(member)  # the window is not over
    now[0] += 0.2
    assert [limit.allow(member) for _ in range(13)] == [True] * 12 + [False]
    assert limit.allow(member + 1)  # every member has a bucket of their own


def test_normal_typing_stays_within_the_shipped_autocomplete_limit(shipped_limit) -> None:
    # A fast typist, 5 keys a second for 4 seconds, gets choices on every key.
    limit, now = shipped_limit
    allowed = []
    for _ in range(20):
        allowed.append(limit.allow(77))
        now[0] += 1 / 5
    assert all(allowed)


def test_the_bot_runs_with_a_half_ms_gil_switch_interval() -> None:
    previous = sys.getswitchinterval()
    try:
        tune_runtime()
        assert SWITCH_INTERVAL == 0.0005
        assert sys.getswitchinterval() == pytest.approx(0.0005)
    finally:
        sys.setswitchinterval(previous)
