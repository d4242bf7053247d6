"""InsightStore on both backends (issue 23): questions and votes per guild, one vote per
member hash per answer and changed once, never across guilds; the report's reads;
the article stamps read by primary key; retention and clearing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from news.domain import NewArticle, Outcome
from storage.interfaces import Stores

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
GUILD, OTHER = 11, 22


async def ask(stores: Stores, guild: int, question: str, outcome: Outcome, **kw: object) -> int:
    fields: dict[str, object] = {
        "answer": None,
        "evidence": None,
        "article_id": None,
        "confidence": 0.5,
        "reader": "offline",
        "now": NOW,
    }
    fields.update(kw)
    return await stores.insights.record(guild, question=question, outcome=outcome, **fields)  # type: ignore[arg-type]


async def test_a_vote_is_stored_once_changed_once_and_never_across_guilds(stores: Stores) -> None:
    q = await ask(stores, GUILD, "Who won?", Outcome.ANSWERED, answer="Ana", article_id=3)
    ins = stores.insights
    assert await ins.vote(q, GUILD, "h1", 1, now=NOW) == "new"
    assert await ins.vote(q, GUILD, "h1", 1, now=NOW) == "same"
    assert await ins.vote(q, GUILD, "h1", -1, now=NOW) == "changed"
    assert await ins.vote(q, OTHER, "h2", 1, now=NOW) is None  # the answer is GUILD's
    assert await ins.vote(q + 1000, GUILD, "h2", 1, now=NOW) is None
    with pytest.raises(ValueError):
        await ins.vote(q, GUILD, "h3", 5, now=NOW)
    votes = await ins.votes(None)
    assert [(v.question.id, v.vote) for v in votes] == [(q, -1)]
    assert await ins.votes(OTHER) == []
    assert await ins.get(q, OTHER) is None and (await ins.get(q, GUILD)) is not None


async def test_the_reports_reads_stay_in_their_guild(stores: Stores) -> None:
    ins = stores.insights
    a = await ask(stores, GUILD, "Who won?", Outcome.ANSWERED, answer="Ana")
    await ask(stores, GUILD, "Where is the ferry?", Outcome.NOT_FOUND)
    await ask(stores, GUILD, "Old?", Outcome.NOT_FOUND, now=NOW - timedelta(days=10))
    await ask(stores, OTHER, "Theirs?", Outcome.NOT_FOUND)
    await ask(stores, GUILD, "Close?", Outcome.PASSAGES)
    await ins.vote(a, GUILD, "h1", -1, now=NOW)
    await ins.vote(a, GUILD, "h2", -1, now=NOW)
    await ins.vote(a, GUILD, "h3", 1, now=NOW)
    counts = await ins.counts(GUILD, NOW - timedelta(days=7))
    assert (counts.total, counts.answered, counts.passages, counts.not_found) == (3, 1, 1, 1)
    (low,) = await ins.lowest_rated(GUILD)
    assert (low.question.id, low.up, low.down, low.score) == (a, 1, 2, -1)
    assert await ins.lowest_rated(OTHER) == []
    assert [q.question for q in await ins.unanswered(GUILD, NOW - timedelta(days=7))] == [
        "Where is the ferry?"
    ]
    assert await ins.guild_ids() == [GUILD, OTHER]


async def test_retention_and_clear_delete_questions_with_their_votes(stores: Stores) -> None:
    ins = stores.insights
    old = await ask(stores, GUILD, "Old?", Outcome.ANSWERED, now=NOW - timedelta(days=100))
    new = await ask(stores, GUILD, "New?", Outcome.ANSWERED)
    theirs = await ask(stores, OTHER, "Theirs?", Outcome.ANSWERED)
    await ins.vote(old, GUILD, "h", 1, now=NOW - timedelta(days=100))
    await ins.vote(new, GUILD, "h", 1, now=NOW)
    await ins.vote(theirs, OTHER, "h", 1, now=NOW)
    assert await ins.forget(NOW - timedelta(days=90)) == (1, 1)
    assert await ins.get(old, GUILD) is None and await ins.get(new, GUILD) is not None
    assert await ins.forget(NOW + timedelta(days=1), guild_id=GUILD) == (1, 1)
    assert await ins.get(theirs, OTHER) is not None
    assert [v.question.id for v in await ins.votes(None)] == [theirs]


async def test_salts_are_per_guild_and_kept(stores: Stores) -> None:
    one = await stores.insights.salt(GUILD)
    assert await stores.insights.salt(GUILD) == one
    assert await stores.insights.salt(OTHER) != one and len(one) == 32


async def test_stamps_are_titles_and_dates_by_id(stores: Stores) -> None:
    added = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    a = await stores.articles.add(
        NewArticle(title="A", text="Some text here.", published=date(2026, 11, 30), added_at=added)
    )
    b = await stores.articles.add(NewArticle(title="B", text="Other text here.", added_at=added))
    stamps = await stores.articles.stamps([a.article.id, b.article.id, 999])
    assert set(stamps) == {a.article.id, b.article.id}
    assert stamps[a.article.id].when == datetime(2026, 11, 30, tzinfo=UTC)
    assert stamps[b.article.id].when == added and stamps[b.article.id].title == "B"
    assert await stores.articles.stamps([]) == {}
