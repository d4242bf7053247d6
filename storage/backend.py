"""Opening a backend: where the app gets its stores, without naming the database.

A path (or ``sqlite:///path``) opens a SQLite file, creating it and applying the
migrations on first use. A ``postgresql://`` (or ``postgres://``) URL opens PostgreSQL,
which needs the optional ``asyncpg`` (``pip install 'newsbot[postgres]'``). The location's
scheme is the only choice; nothing above storage knows which backend it runs on.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from storage.articles import ArticleStore
from storage.db import Database, open_database, runner_lock
from storage.digests import DigestStore
from storage.errors import StorageError
from storage.feeds import FeedStore
from storage.guilds import GuildSettingsStore
from storage.interfaces import Stores

__all__ = ["is_postgres", "open_stores", "runner_lock_for", "sqlite_stores"]

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | Path) -> bool:
    """True for a PostgreSQL URL, False for a SQLite file."""
    return str(location).startswith(_POSTGRES_SCHEMES)


def sqlite_stores(db: Database) -> Stores:
    """The SQLite stores over one open database (closed with it)."""
    return Stores(
        articles=ArticleStore(db),
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


def runner_lock_for(location: str | Path) -> AbstractContextManager[None]:
    """What a long-running bot process holds on ``location`` for its life.

    SQLite: the file's runner lock (:func:`storage.db.runner_lock`), so a second bot on
    one file stops at once with a one-line :class:`~storage.errors.StorageError`.
    PostgreSQL: nothing; several processes share it, each write transaction serialised
    and every once-only action claimed in the database.
    """
    if is_postgres(location):
        return nullcontext()
    return runner_lock(_sqlite_path(location))


async def _postgres_stores(url: str) -> Stores:
    try:
        from storage.postgres.db import open_pg_database
    except ImportError:
        raise StorageError(
            "NEWSBOT_DATABASE_URL names PostgreSQL, but asyncpg is not installed: "
            "pip install 'newsbot[postgres]'."
        ) from None
    from storage.postgres.articles import PgArticleStore

    db = await open_pg_database(url)
    return Stores(
        articles=PgArticleStore(db),
        guilds=GuildSettingsStore(db),
        digests=DigestStore(db),
        feeds=FeedStore(db),
        close=db.close,
    )
