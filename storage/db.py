"""SQLite connections, transactions and numbered migrations.

One writer connection (guarded by a lock, explicit ``BEGIN IMMEDIATE``) and one
reader connection: in WAL mode readers never wait for the writer and never see
half-written data.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
_MIGRATION_NAME = re.compile(r"^(\d{3,})_([a-z0-9_]+)\.sql$")


def utc_iso(moment: datetime) -> str:
    """How every table stores an instant: UTC, microseconds, ``+00:00``.

    One fixed format so that stored strings sort like the instants they name (digests
    compare their window against articles' ``added_at``).
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store times in UTC")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The numbered ``storage/migrations/NNN_name.sql`` files, in order."""
    found: list[Migration] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


async def _configure(conn: aiosqlite.Connection) -> None:
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")


class Database:
    """The store's two connections; use :func:`open_database` to get one."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed on success, rolled back on any error."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")

    @property
    def reader(self) -> aiosqlite.Connection:
        """Connection for reads; it sees only committed data."""
        return self._reader

    async def fetchall(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row | None:
        async with self._reader.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT max(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()


async def _migrate(conn: aiosqlite.Connection, migrations: list[Migration]) -> None:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with conn.execute("SELECT coalesce(max(version), 0) FROM schema_version") as cur:
        row = await cur.fetchone()
    current = int(row[0]) if row else 0
    for migration in migrations:
        if migration.version <= current:
            continue
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        # executescript() commits first, so the script carries its own BEGIN/COMMIT and
        # the version row is written in the same transaction as the schema change.
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;\n"
            "INSERT INTO schema_version (version, name, applied_at) VALUES "
            f"({migration.version}, '{migration.name}', '{stamp}');\n"
            "COMMIT;"
        )
        try:
            await conn.executescript(script)
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        log.info("applied migration %03d_%s", migration.version, migration.name)


async def open_database(path: str | Path, *, migrations: list[Migration] | None = None) -> Database:
    """Open (creating if needed) the database at ``path`` and apply pending migrations."""
    db_path = Path(path)
    if str(db_path) != ":memory:":
        db_path.parent.mkdir(parents=True, exist_ok=True)
    writer = await aiosqlite.connect(db_path, isolation_level=None)
    try:
        await writer.execute("PRAGMA journal_mode = WAL")
        await _configure(writer)
        await _migrate(writer, load_migrations() if migrations is None else migrations)
        reader = await aiosqlite.connect(db_path, isolation_level=None)
    except BaseException:
        await writer.close()
        raise
    await _configure(reader)
    reader.row_factory = sqlite3.Row
    writer.row_factory = sqlite3.Row
    return Database(db_path, writer, reader)
