"""PostgreSQL connections and transactions (asyncpg); its side of the migration runner
(storage/migrate.py).

The stores' statements are written once with ``?`` placeholders (``storage/sql.py``);
here they are numbered (``$1``...) and SQLite's ``IS ?`` becomes ``IS NOT DISTINCT
FROM``. Every write transaction first takes the advisory lock of its domain (articles,
digests, feeds, guilds), so writes of one domain from all processes are serialised as
SQLite's single writer serialises them: a store's read-then-write (deduplication, a
feed limit, a claim of due feeds) needs no other guard, and an import's article batches
do not hold up a digest. Reads never wait.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache
from typing import Any

import asyncpg
from yarl import URL

from storage.errors import StorageError
from storage.migrate import Migration, load_migrations, migrate
from storage.postgres import MIGRATIONS
from storage.sql import Dialect, Domain, Params, Row

log = logging.getLogger(__name__)

# Advisory lock keys (any fixed numbers no other program on the server uses).
WRITE_LOCK = 0x6E657773  # "news": (WRITE_LOCK, domain) for every write transaction
WRITE_DOMAINS: dict[str, int] = {
    "articles": 1,
    "digests": 2,
    "feeds": 3,
    "guilds": 4,
    "insights": 5,
}
MIGRATION_LOCK = 0x6E657774  # applying migrations
POOL_SIZE = 10

_IS_PARAM = re.compile(r"\bIS\s+\?", re.IGNORECASE)


@lru_cache(maxsize=2048)
def numbered(sql: str) -> str:
    """``sql`` with ``?`` placeholders as ``$1``, ``$2``... (none inside quoted text)."""
    out: list[str] = []
    n = 0
    # Split on quoted literals: even pieces are code, odd ones are '...' or "..." text.
    for i, piece in enumerate(re.split(r"('(?:[^']|'')*'|\"[^\"]*\")", sql)):
        if i % 2:
            out.append(piece)
            continue
        piece = _IS_PARAM.sub("IS NOT DISTINCT FROM ?", piece)
        parts = piece.split("?")
        rebuilt = parts[0]
        for part in parts[1:]:
            n += 1
            rebuilt += f"${n}{part}"
        out.append(rebuilt)
    return "".join(out)


def safe_location(url: str) -> str:
    """``host:port/database`` of a URL: what messages and logs name (never the password)."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return "the PostgreSQL server"
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{host}{port}{parsed.path or ''}"


_UNREACHABLE = (
    OSError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidCatalogNameError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InsufficientPrivilegeError,
    asyncpg.DiskFullError,
    asyncpg.ReadOnlySQLTransactionError,
)


@contextmanager
def translated(location: str) -> Iterator[None]:
    """The operator's one line for a server that cannot be reached or used; errors of
    ours (a bad statement, a broken constraint) stay as they are."""
    try:
        yield
    except _UNREACHABLE as err:
        raise StorageError(
            f"PostgreSQL at {location}: {_reason(err)}. Check the database URL and that "
            "the server is running."
        ) from err


def _reason(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text.rstrip(".")


class PgTx:
    """The statements of one write transaction (:class:`storage.sql.Tx`)."""

    def __init__(self, conn: Any):
        self.conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self.conn.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self.conn.fetchrow(numbered(sql), *params)
        return row

    async def execute(self, sql: str, params: Params = ()) -> int:
        status = await self.conn.execute(numbered(sql), *params)
        tail = str(status).rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(row) for row in rows]
        if batch:
            await self.conn.executemany(numbered(sql), batch)


class PgDatabase:
    """A pool of connections to one PostgreSQL database (:class:`storage.sql.SqlDatabase`)."""

    def __init__(self, pool: Any, location: str):
        self._pool = pool
        self.location = location

    @property
    def dialect(self) -> Dialect:
        return "postgres"

    @property
    def read_only(self) -> bool:
        return False

    @asynccontextmanager
    async def transaction(self, domain: Domain = "articles") -> AsyncIterator[PgTx]:
        """A write transaction, committed on success and rolled back on any error, after
        every earlier one of its ``domain`` from any process."""
        with translated(self.location):
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock($1, $2)", WRITE_LOCK, WRITE_DOMAINS[domain]
                )
                yield PgTx(conn)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        with translated(self.location):
            return list(await self._pool.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        with translated(self.location):
            row: Row | None = await self._pool.fetchrow(numbered(sql), *params)
            return row

    async def schema_version(self) -> int:
        with translated(self.location):
            async with self._pool.acquire() as conn:
                return await _read_version(conn)

    async def close(self) -> None:
        await self._pool.close()


async def _read_version(conn: Any) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


def _newer_error(location: str, found: int, known: int) -> StorageError:
    return StorageError(
        f"The PostgreSQL database {location} was made by a newer newsbot (schema {found}; "
        f"this one knows up to {known}): upgrade newsbot, or use another database."
    )


class _PgMigrations:
    """The PostgreSQL side of :func:`storage.migrate.migrate`: one migration per
    transaction, each under the migration advisory lock, so of several processes
    starting at once one migrates and the others wait, then find the version current."""

    one_per_transaction = True
    log = log
    applied = "applied PostgreSQL migration %03d_%s"

    def __init__(self, conn: Any, location: str) -> None:
        self.conn = conn
        self.location = location

    async def version(self) -> int:
        return await _read_version(self.conn)

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        async with self.conn.transaction():
            await self.conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            yield

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def record(self, migration: Migration, applied_at: str) -> None:
        await self.conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
            migration.version,
            migration.name,
            applied_at,
        )

    def newer(self, found: int, known: int) -> StorageError:
        return _newer_error(self.location, found, known)


async def open_pg_database(
    url: str, *, migrations: list[Migration] | None = None, pool_size: int = POOL_SIZE
) -> PgDatabase:
    """Connect to ``url`` and apply pending migrations; StorageError if it cannot."""
    location = safe_location(url)
    known = load_migrations(MIGRATIONS) if migrations is None else migrations
    with translated(location):
        pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size)
    try:
        with translated(location):
            async with pool.acquire() as conn:
                await migrate(_PgMigrations(conn, location), known)
    except BaseException:
        await pool.close()
        raise
    return PgDatabase(pool, location)
