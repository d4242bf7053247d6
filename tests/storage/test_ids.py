"""Article ids are never reused (migration 006: AUTOINCREMENT), and the rebuild that adds
it keeps every id, the full-text index and the scopes as they were."""

from __future__ import annotations

import sqlite3

from news.domain import NewArticle
from storage.articles import ArticleStore
from storage.db import open_database
from storage.migrate import load_migrations

TEXT = (
    "The Ashby canal trust reopened lock {n} after a winter of repairs. Boaters queued "
    "from dawn, and the trust said the towpath would reopen by the end of the month."
)


def story(n: int, guild_id: int | None = None) -> NewArticle:
    return NewArticle(title=f"Ashby lock {n} reopens", text=TEXT.format(n=n), guild_id=guild_id)


async def test_a_removed_newest_id_is_never_given_again_even_after_a_restart(tmp_path):
    path = tmp_path / "ids.db"
    db = await open_database(path)
    store = ArticleStore(db)
    ids = [(await store.add(story(n))).article.id for n in range(3)]
    assert await store.remove(ids[-1], None)
    fourth = (await store.add(story(3))).article.id
    assert fourth > ids[-1]
    assert await store.remove(fourth, None)
    await db.close()

    db = await open_database(path)
    store = ArticleStore(db)
    try:
        fifth = (await store.add(story(4))).article.id
        assert fifth > fourth
        assert [a.id for a in await store.recent(None, limit=10)] == [fifth, ids[1], ids[0]]
    finally:
        await db.close()


async def test_migration_006_keeps_ids_the_text_index_and_scopes(tmp_path):
    path = tmp_path / "old.db"
    before_006 = [m for m in load_migrations() if m.version < 6]
    db = await open_database(path, migrations=before_006)
    store = ArticleStore(db)
    added = [(await store.add(story(n, guild_id=7 if n % 2 else None))).article for n in range(6)]
    await store.remove(added[2].id, None)  # a gap in the middle
    kept = [a for a in added if a.id != added[2].id]
    await db.close()

    db = await open_database(path)
    store = ArticleStore(db)
    try:
        assert await db.schema_version() == max(m.version for m in load_migrations())
        for article in kept:
            again = await store.get_any(article.id)
            assert again is not None
            assert (again.title, again.guild_id, again.added_at) == (
                article.title,
                article.guild_id,
                article.added_at,
            )
        # The full-text index still maps each id to its own article, scope included.
        hits = await store.search("lock 3 reopens", 7)
        assert [h.article_id for h in hits][:1] == [added[3].id]
        global_titles = {h.title for h in await store.search("Ashby", None)}
        assert global_titles == {a.title for a in kept if a.guild_id is None}
        newest = (await store.add(story(9))).article
        assert newest.id == max(a.id for a in added) + 1
    finally:
        await db.close()
    raw = sqlite3.connect(path)
    try:
        raw.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
        sql = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'articles'").fetchone()[0]
        assert "AUTOINCREMENT" in sql
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        raw.close()
