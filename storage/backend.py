"""Opening a backend: where the app gets its stores, without naming the database.

A path (or ``sqlite:///path``) opens a SQLite file, creating it and applying the
migrations on first use. A ``postgresql://`` (or ``postgres://``) URL opens PostgreSQL,
which needs the optional ``asyncpg`` (``pip install 'newsbot[postgres]'``). The location's
scheme is the only choice; nothing above storage knows which backend it runs on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from storage.articles import ArticleStore
from storage.db import Database, open_database, runner_lock
from storage.digests import DigestStore
from storage.errors import StorageError
from storage.feeds import FeedStore
from storage.guilds import GuildSettingsStore
from storage.interfaces import Stores
from storage.shards import Shards
from storage.sql import SqlDatabase

__all__ = ["hold_runner", "is_database_url", "is_postgres", "open_stores", "sqlite_stores"]

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | Path) -> bool:
    """True for a PostgreSQL URL, False for a SQLite file."""
    return str(location).startswith(_POSTGRES_SCHEMES)


def is_database_url(text: str) -> bool:
    """True for a URL :func:`open_stores` opens (PostgreSQL's or ``sqlite:///``)."""
    return is_postgres(text) or text.startswith(_SQLITE_PREFIX)


def sqlite_stores(db: Database) -> Stores:
    """The SQLite stores over one open database (closed with it)."""
    return _bundle(db, ArticleStore(db))


def _bundle(db: SqlDatabase, articles: ArticleStore) -> Stores:
    """A backend's stores over one open database: the same classes on every backend but
    the articles' full-text search."""
    return Stores(
        articles=articles,
        guilds=GuildSettingsStore(db),
        digests=DigestStore(db),
        feeds=FeedStore(db),
        close=db.close,
    )


def _sqlite_path(location: str | Path) -> str:
    text = str(location)
    return text[len(_SQLITE_PREFIX) :] if text.startswith(_SQLITE_PREFIX) else text


async def open_stores(location: str | Path) -> Stores:
    """The stores at ``location``: a SQLite file path, ``sqlite:///path``, or a
    ``postgresql://`` URL."""
    if is_postgres(location):
        return await _postgres_stores(str(location))
    return sqlite_stores(await open_database(_sqlite_path(location)))


@asynccontextmanager
async def hold_runner(location: str | Path, shards: Shards | None) -> AsyncIterator[None]:
    """What a long-running bot process holds on ``location`` for its life.

    SQLite: the file's runner lock (:func:`storage.db.runner_lock`), so a second bot on
    one file stops at once with a one-line :class:`~storage.errors.StorageError`.
    PostgreSQL: its shards (every guild, as shard 0 of 1, without shard settings),
    claimed in the database (:mod:`storage.postgres.runner`), so no two processes run
    one shard or disagree on the number of shards.
    """
    if not is_postgres(location):
        with runner_lock(_sqlite_path(location)):
            yield
        return
    try:
        from storage.postgres.runner import hold_shards
    except ImportError:
        raise _no_asyncpg() from None
    ids, count = (shards.ids, shards.count) if shards is not None else ((0,), 1)
    async with hold_shards(str(location), ids, count):
        yield


def _no_asyncpg() -> StorageError:
    return StorageError(
        "NEWSBOT_DATABASE_URL names PostgreSQL, but asyncpg is not installed: "
        "pip install 'newsbot[postgres]'."
    )


async def _postgres_stores(url: str) -> Stores:
    try:
        from storage.postgres.db import open_pg_database
    except ImportError:
        raise _no_asyncpg() from None
    from storage.postgres.articles import PgArticleStore

    db = await open_pg_database(url)
    return _bundle(db, PgArticleStore(db))
