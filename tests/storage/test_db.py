"""Migrations: applied once, in order, inside a transaction, with the version recorded."""

from __future__ import annotations

import sqlite3

import pytest

from storage.db import Migration, load_migrations, open_database


async def test_fresh_database_gets_every_migration(tmp_path):
    db = await open_database(tmp_path / "news.db")
    try:
        expected = max(m.version for m in load_migrations())
        assert await db.schema_version() == expected
        mode = await db.fetchone("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
        fk = await db.fetchone("PRAGMA foreign_keys")
        assert fk is not None and fk[0] == 1
    finally:
        await db.close()


async def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "news.db"
    db = await open_database(path)
    await db.close()
    db = await open_database(path)
    try:
        rows = await db.fetchall("SELECT version FROM schema_version ORDER BY version")
        versions = [r[0] for r in rows]
        assert versions == sorted(set(versions))
        assert versions == [m.version for m in load_migrations()]
    finally:
        await db.close()


async def test_failed_migration_leaves_no_trace(tmp_path):
    path = tmp_path / "news.db"
    good = Migration(1, "make_table", "CREATE TABLE kept (x INTEGER);")
    bad = Migration(
        2, "half_done", "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);"
    )
    with pytest.raises(sqlite3.OperationalError):
        await open_database(path, migrations=[good, bad])
    raw = sqlite3.connect(path)
    try:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "kept" in tables
        assert "half" not in tables
        assert [r[0] for r in raw.execute("SELECT version FROM schema_version")] == [1]
    finally:
        raw.close()


def test_migration_files_are_numbered_uniquely():
    migrations = load_migrations()
    assert migrations, "no migrations found"
    numbers = [m.version for m in migrations]
    assert numbers == sorted(numbers)
    assert len(numbers) == len(set(numbers))
