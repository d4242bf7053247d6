"""The recency prior (issue 23) on the desk's own path, real SQLite store: a question that
names no time reads the newer version of an invented story first; stories of one day keep
bm25's order; a question that names a time does not use the prior."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from bot.app.desk import NewsDesk
from news.when import find_window

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
# The older report says the ferry words more often: bm25 alone puts it first.
OLD = (
    "Ferry service to Kessel Island suspended\n"
    "The ferry service to Kessel Island was suspended after a ferry ran aground. The ferry "
    "operator said 40 ferry crossings were cancelled and ferry passengers were refunded."
)
NEW = (
    "Ferry service to Kessel Island resumes\n"
    "The Kessel Island ferry service resumed on Tuesday. The operator said 12 crossings "
    "would run each day until the second boat is repaired."
)
QUESTION = "How many ferry crossings to Kessel Island were cancelled?"


@pytest.fixture
async def desk(tmp_path) -> AsyncIterator[NewsDesk]:
    d = await NewsDesk.open(tmp_path / "recency.db")
    d.clock = lambda: NOW
    try:
        yield d
    finally:
        await d.close()


async def scores(desk: NewsDesk, question: str, strength: float) -> dict[int, float]:
    desk.recency_strength = strength
    window = find_window(question, NOW, UTC)
    candidates, _, _, _ = await desk.timely_candidates(question, None, window)
    return {c.article_id: c.score for c in candidates}


async def test_no_time_in_the_question_reads_the_newer_version_first(desk: NewsDesk) -> None:
    old = (await desk.add_text(OLD, published=date(2026, 11, 18))).article.id
    new = (await desk.add_text(NEW, published=date(2026, 12, 8))).article.id
    plain = await scores(desk, QUESTION, 0.0)
    assert plain[old] > plain[new]  # words alone: the older report first
    lifted = await scores(desk, QUESTION, 1.0)
    assert lifted[new] > lifted[old]
    assert lifted[new] == plain[new]  # the newest day keeps its bm25 score


async def test_stories_of_one_day_keep_bm25s_order(desk: NewsDesk) -> None:
    # No publication date: both count as added today, seconds apart.
    await desk.add_text(OLD)
    await desk.add_text(NEW)
    assert await scores(desk, QUESTION, 2.0) == await scores(desk, QUESTION, 0.0)


async def test_a_question_that_names_a_time_does_not_use_the_prior(desk: NewsDesk) -> None:
    await desk.add_text(OLD, published=date(2026, 11, 18))
    await desk.add_text(NEW, published=date(2026, 12, 8))
    question = "How many ferry crossings to Kessel Island were cancelled in 2026?"
    assert find_window(question, NOW, UTC) is not None
    assert await scores(desk, question, 2.0) == await scores(desk, question, 0.0)
