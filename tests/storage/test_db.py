"""Migrations: applied once, in order, inside a transaction, with the version recorded."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.db import Migration, load_migrations, open_database

ROOT = Path(__file__).resolve().parents[2]


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


RACE_SCRIPT = """
import asyncio, sys, time
from storage.db import open_database

async def main(path, start):
    while time.time() < start:
        pass
    db = await open_database(path)
    await db.close()

asyncio.run(main(sys.argv[1], float(sys.argv[2])))
"""


def test_processes_opening_a_new_file_at_once_all_succeed(tmp_path):
    """Each process takes the write lock before it reads the schema version: exactly one
    migrates, the others find the work done (no "table already exists", no "duplicate
    column", no "database is locked")."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for trial in range(6):
        path = tmp_path / f"race{trial}.db"
        start = time.time() + 1.5
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", RACE_SCRIPT, str(path), str(start)],
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], errors
        raw = sqlite3.connect(path)
        try:
            versions = [r[0] for r in raw.execute("SELECT version FROM schema_version")]
        finally:
            raw.close()
        assert versions == [m.version for m in load_migrations()]
