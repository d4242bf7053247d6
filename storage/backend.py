"""Opening a backend: where the app gets its stores, without naming the database.

A path (or ``sqlite:///path``) opens a SQLite file, creating it and applying the
migrations on first use. A ``postgresql://`` (or ``postgres://``) URL opens PostgreSQL,
which needs the optional ``asyncpg`` (``pip install 'newsbot[postgres]'``). The location's
scheme is the only choice; nothing above storage knows which backend it runs on.
"""

from __future__ import annotations

from pathlib import Path

from storage.articles import ArticleStore
from storage.db import Database, open_database
from storage.digests import DigestStore
from storage.errors import StorageError
from storage.feeds import FeedStore
from storage.guilds import GuildSettingsStore
from storage.interfaces import Stores

__all__ = ["is_postgres", "open_stores", "sqlite_stores"]

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


async def open_stores(location: str | Path) -> Stores:
    """The stores at ``location``: a SQLite file path, ``sqlite:///path``, or a
    ``postgresql://`` URL."""
    text = str(location)
    if is_postgres(text):
        return await _postgres_stores(text)
    if text.startswith(_SQLITE_PREFIX):
        text = text[len(_SQLITE_PREFIX) :]
    return sqlite_stores(await open_database(text))


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
