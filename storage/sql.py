"""What the stores need of a database connection, whichever database it is.

The stores (``storage/articles.py``, ``digests.py``, ``feeds.py``, ``guilds.py``) write
their SQL once, with ``?`` placeholders, and run it through these few methods. SQLite
runs it as written; the PostgreSQL backend (``storage/postgres/``) numbers the
placeholders and runs the same statements, so the two backends cannot drift apart in
what they store. Where the databases truly differ (full-text search), a backend
subclasses the store and says so in one method.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]
# What a write transaction reads and then writes: writes of one domain are serialised
# across processes; writes of different domains never touch each other's rows.
Domain = Literal["articles", "digests", "feeds", "guilds", "insights"]
Params = Sequence[object]


class Row(Protocol):
    """One result row, read by column name or position (``sqlite3.Row``, ``asyncpg.Record``)."""

    def __getitem__(self, key: int | str, /) -> Any: ...


class Tx(Protocol):
    """The statements of one write transaction."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...


class SqlDatabase(Protocol):
    """An open database: reads from a pool, writes in transactions.

    ``transaction`` commits when its block ends and rolls back on any error. Writes of one
    ``domain``, from every process sharing the database, are serialised (SQLite's single
    writer serialises all of them), so a store may read and then write its own tables in
    one transaction without another writer between; an import's long article batches do
    not hold up a digest's claim.
    """

    @property
    def dialect(self) -> Dialect: ...

    @property
    def read_only(self) -> bool: ...

    def transaction(self, domain: Domain = "articles") -> AbstractAsyncContextManager[Tx]: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def schema_version(self) -> int: ...

    async def close(self) -> None: ...
