"""The one migration runner, for SQLite and PostgreSQL alike.

A backend's migrations are the numbered ``NNN_name.sql`` files of a package
(:func:`load_migrations`); SQLite's and PostgreSQL's are numbered apart but keep the same
tables. :func:`migrate` reads the version first without any lock, so an opener that finds
the schema current (every open but a new database's or an upgrade's) never queues.
Otherwise it takes the backend's migration lock (:class:`MigrationTarget`), reads the
version again under it and applies what is pending: of processes opening a new database
at once, one migrates and the others find the work done. A failure keeps nothing of the
transaction it happened in, and a schema newer than the code is refused.
"""

from __future__ import annotations

import logging
import re
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Protocol

from storage.errors import StorageError

_MIGRATION_NAME = re.compile(r"^(\d{3,})_([a-z0-9_]+)\.sql$")

# Both backends record applied migrations in this table, with the same columns.
VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(package: str = "storage.migrations") -> list[Migration]:
    """The numbered ``NNN_name.sql`` files of ``package`` (SQLite's by default), in order."""
    found: list[Migration] = []
    for entry in resources.files(package).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


class MigrationTarget(Protocol):
    """What the runner needs of a backend's connection."""

    # SQLite applies every pending migration in one transaction (one wait for the write
    # lock however many there are); PostgreSQL one per transaction, so a long upgrade
    # does not hold one transaction open across every step.
    one_per_transaction: bool
    log: logging.Logger  # the backend's logger: its lines read as they always did
    applied: str  # the line logged per migration applied, with %03d and %s

    async def version(self) -> int:
        """The highest version applied (0 for a new database)."""
        ...

    def locked(self) -> AbstractAsyncContextManager[None]:
        """A transaction that holds the backend's migration lock; rolled back on error."""
        ...

    async def execute(self, sql: str) -> None:
        """Run one migration file (inside :meth:`locked`)."""
        ...

    async def record(self, migration: Migration, applied_at: str) -> None:
        """Record ``migration`` in ``schema_version`` (inside :meth:`locked`)."""
        ...

    def newer(self, found: int, known: int) -> StorageError:
        """The one-line error for a schema newer than this code knows."""
        ...


async def migrate(target: MigrationTarget, migrations: list[Migration]) -> None:
    latest = max((m.version for m in migrations), default=0)
    current = await target.version()
    while current < latest:
        async with target.locked():
            await target.execute(VERSION_TABLE)
            current = await target.version()
            if current > latest:
                raise target.newer(current, latest)
            pending = [m for m in migrations if m.version > current]
            if target.one_per_transaction:
                pending = pending[:1]
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for migration in pending:
                await target.execute(migration.sql)
                await target.record(migration, now)
        for migration in pending:
            target.log.info(target.applied, migration.version, migration.name)
        current = pending[-1].version if pending else latest
    if current > latest:
        raise target.newer(current, latest)
