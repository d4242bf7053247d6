"""Migrations: applied once, in order, inside a transaction, with the version recorded."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.db import open_database
from storage.migrate import Migration, load_migrations

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
    """Pending migrations run in one transaction: a failure in the second rolls back the
    first as well, so the file stays at the version it had (and a late opener of a new file
    waits behind one transaction, not one per migration)."""
    path = tmp_path / "news.db"
    first = Migration(1, "make_table", "CREATE TABLE kept (x INTEGER);")
    good = Migration(2, "second_table", "CREATE TABLE second (x INTEGER);")
    bad = Migration(
        3, "half_done", "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);"
    )
    with pytest.raises(sqlite3.OperationalError):
        await open_database(path, migrations=[first, good, bad])
    raw = sqlite3.connect(path)
    try:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == set(), tables
    finally:
        raw.close()

    db = await open_database(path, migrations=[first])
    await db.close()
    with pytest.raises(sqlite3.OperationalError):
        await open_database(path, migrations=[first, good, bad])
    raw = sqlite3.connect(path)
    try:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"schema_version", "kept"}, tables
        assert [r[0] for r in raw.execute("SELECT version FROM schema_version")] == [1]
    finally:
        raw.close()


async def test_an_opener_of_a_current_file_never_waits_for_the_write_lock(tmp_path):
    """Another connection holding the write lock (a bot mid-write, another process
    migrating) does not hold up an open that has nothing to migrate."""
    path = tmp_path / "news.db"
    db = await open_database(path)
    await db.close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        # A wait on the lock would run the full busy timeout (10 s), then fail "locked".
        db = await open_database(path)
        await db.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_migration_files_are_numbered_uniquely():
    migrations = load_migrations()
    assert migrations, "no migrations found"
    numbers = [m.version for m in migrations]
    assert numbers == sorted(numbers)
    assert len(numbers) == len(set(numbers))


async def test_the_switch_to_wal_waits_for_a_writer_that_holds_a_new_file(tmp_path):
    """SQLite refuses "PRAGMA journal_mode = WAL" at once, without its busy timeout, while
    another connection holds a write transaction on a file still in rollback mode: three
    processes opening a new file failed so on a loaded machine. The switch is tried again
    until the writer lets go."""
    import threading

    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE early (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO early VALUES (1)")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    try:
        db = await open_database(path)
    finally:
        release.join()
        holder.close()
    try:
        assert time.monotonic() - started >= 0.25  # it waited for the holder
        mode = await db.fetchone("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
    finally:
        await db.close()


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
    """Each process reads the schema version again under the write lock: exactly one
    migrates, the others find the work done (no "table already exists", no "duplicate
    column", no "database is locked"). The others wait behind that one transaction only:
    with one per migration they queued behind eight, polling with back-off, and on a loaded
    machine ran out the 10 s busy timeout."""
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
