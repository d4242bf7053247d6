"""Database failures from outside the code become one-line StorageErrors, never tracebacks,
and never hide their cause behind a failed rollback."""

from __future__ import annotations

import sqlite3

import pytest

import storage.db
from news.domain import NewArticle
from storage.articles import ArticleStore
from storage.db import open_database
from storage.errors import StorageError

BODY = (
    "The lighthouse keepers of Saltmere logged {n} storms this winter, a record for the "
    "station. Repairs to the lamp room will start in the spring, the harbour board said."
)


def new(n: int, filler: str = "") -> NewArticle:
    return NewArticle(title=f"Saltmere storm log {n}", text=BODY.format(n=n) + filler)


async def test_a_full_disk_is_reported_not_hidden_by_the_rollback(tmp_path):
    db = await open_database(tmp_path / "full.db")
    store = ArticleStore(db)
    try:
        await store.add(new(0))
        pages = (await db.fetchone("PRAGMA page_count"))[0]
        async with db.transaction() as conn:
            # The writer may grow the file by a few pages only: a disk about to fill.
            await conn.execute(f"PRAGMA max_page_count = {pages + 3}")
        big = " ".join(f"word{i}" for i in range(20_000))
        with pytest.raises(StorageError, match=r"disk holding .* is full") as info:
            await store.add_many([new(i, big) for i in range(1, 6)])
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        # Nothing of the batch is stored, and the store still works.
        assert await store.total() == 1
        assert (await store.add(new(7))).created
    finally:
        await db.close()


async def test_a_lock_held_past_the_busy_timeout_is_one_sentence(tmp_path, monkeypatch):
    path = tmp_path / "locked.db"
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 150)
    db = await open_database(path)
    store = ArticleStore(db)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="locked by another process"):
            await store.add(new(1))
        # Reads go on while another process writes (WAL).
        assert await store.total() == 0
        other.execute("ROLLBACK")
        assert (await store.add(new(1))).created
    finally:
        other.close()
        await db.close()


async def test_a_schema_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "future.db"
    db = await open_database(path)
    await db.close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO schema_version VALUES (999, 'from_the_future', '2099-01-01')")
    raw.commit()
    raw.close()
    with pytest.raises(StorageError, match=r"newer newsbot \(schema 999"):
        await open_database(path)


async def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("shopping list: eggs, flour, candles\n" * 200)
    with pytest.raises(StorageError, match="not a newsbot database"):
        await open_database(path)


async def test_a_damaged_database_says_so_when_read(tmp_path):
    path = tmp_path / "damaged.db"
    db = await open_database(path)
    await ArticleStore(db).add_many([new(i, " filler" * 400) for i in range(40)])
    await db.close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()
    with path.open("r+b") as handle:  # scribble over every page but the first
        for page in range(1, pages):
            handle.seek(page * page_size)
            handle.write(b"\xa5" * page_size)
    with pytest.raises(StorageError, match="is damaged"):
        db = await open_database(path)
        try:
            await ArticleStore(db).recent(None)
        finally:
            await db.close()


async def test_a_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="Cannot create the folder"):
        await open_database(blocker / "news.db")
