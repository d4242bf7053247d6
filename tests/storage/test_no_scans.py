"""No statement on a start-up or per-command path reads the whole ``articles`` table.

Every ``NewsDesk.open`` (the bot's start, each CLI command) and each command run a few
statements; on a store of a million articles one full scan costs a second or more. The statements are recorded as the real desk runs them on a
real SQLite file, then SQLite's planner is asked how it would run each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.desk import NewsDesk
from news.domain import NewArticle
from storage.backend import open_stores
from tests.harness.query_plans import full_scans, plans, traced

TOWNS = ("Ashby", "Brenfield", "Carrow", "Dunmere", "Elston", "Fairholt")


def _article(i: int, *, guild: int | None, summary: bool) -> NewArticle:
    town = TOWNS[i % len(TOWNS)]
    return NewArticle(
        title=f"{town} library reopens after repairs {i}",
        text=(
            f"The library in {town} reopened on Monday after {i % 9 + 2} months of roof "
            f"repairs. Item {i}: the council paid {i * 1000 + 500} pounds for the work, and "
            "volunteers moved the books back over a weekend."
        ),
        url=f"https://paper.example/{town.lower()}/{i}",
        guild_id=guild,
        summary=(f"The library in {town} reopened.",) if summary else None,
    )


async def _store_of(path: Path) -> None:
    stores = await open_stores(path)
    try:
        await stores.articles.add_many(
            _article(i, guild=(7 if i % 3 == 0 else None), summary=i % 10 != 0) for i in range(120)
        )
    finally:
        await stores.close()


async def _every_path(path: Path) -> list[str]:
    """The statements of a desk's start and of each command a member or the host runs."""
    stores = await open_stores(path)
    db = stores.articles.db  # type: ignore[attr-defined]
    async with traced(db) as seen:
        desk = NewsDesk(stores)  # what NewsDesk.open makes, over the traced store
        try:
            article = next(a for a in await desk.recent(7, limit=5) if a.guild_id == 7)
            # An article shown for the first time gets its summary made and stored.
            await desk.summary(next(a for a in await desk.recent_any(None) if a.summary is None))
            await desk.get(article.id, 7)
            await desk.get_any(article.id)
            await desk.recent_any(None)
            await desk.recent_any(7)
            await desk.count(7)
            for prefix in ("", "lib", str(article.id), "nothing holds this"):
                await desk.autocomplete(7, prefix)
            await desk.search("library roof repairs", 7)
            await desk.ask("How much did the council pay for the library repairs?", 7)
            await desk.ask("When did the library in Carrow reopen?", None)
            await desk.remove(article.id, 7)
        finally:
            await desk.close()
    return seen


@pytest.fixture
async def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "plans.db"
    await _store_of(path)
    return path


@pytest.mark.parametrize("index", ["fts5", "tantivy"])
async def test_no_start_up_or_command_statement_scans_articles(
    store_path: Path, index: str
) -> None:
    from storage.db import open_database
    from storage.search_index import use

    db = await open_database(store_path)
    try:
        await use(db, index)  # type: ignore[arg-type]
    finally:
        await db.close()
    statements = await _every_path(store_path)
    planned = plans(store_path, statements)
    # The paths did run: a summary stored on first use and an article read are among them.
    assert any(sql.startswith("UPDATE articles SET summary") for sql in planned)
    if index == "fts5":  # /news search and /ask's retrieval
        assert any("articles_fts MATCH" in sql for sql in planned)
    else:  # FTS5 is not read at all; the catch-up's check at start, and after the remove
        assert not any("articles_fts MATCH" in sql for sql in planned)
        assert any("index_changes" in sql for sql in planned)
    assert full_scans(store_path, statements) == {}


async def test_the_check_sees_a_scan_when_a_path_loses_its_index(store_path: Path) -> None:
    # Without migration 006's index of the newest articles, the host's list of every
    # scope reads the whole table and sorts it: the check above must see that, or it
    # proves nothing.
    stores = await open_stores(store_path)
    try:
        async with stores.articles.db.transaction() as tx:  # type: ignore[attr-defined]
            await tx.execute("DROP INDEX articles_newest")
    finally:
        await stores.close()
    scans = full_scans(store_path, await _every_path(store_path))
    assert [sql for sql in scans if "ORDER BY added_at DESC" in sql], scans


async def test_the_store_size_comes_from_fts5_without_a_count(store_path: Path) -> None:
    # StagedSearch asks the size on a process's first question: FTS5's own row count
    # answers it, and it stays right as articles come and go.
    stores = await open_stores(store_path)
    try:
        store = stores.articles
        assert await store.total() == 120
        await store.add(_article(500, guild=None, summary=True))
        removed = next(a for a in await store.recent(7, limit=5) if a.guild_id == 7)
        assert await store.remove(removed.id, 7)
        assert await store.total() == 120
        row = await store.db.fetchone("SELECT count(*) FROM articles")  # type: ignore[attr-defined]
        assert row[0] == 120
    finally:
        await stores.close()
