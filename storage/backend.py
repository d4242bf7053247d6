"""Opening a backend: where the app gets its stores, without naming the database.

Only SQLite exists today: a path (or ``sqlite:///path``) opens the file, creating it and
applying the migrations on first use. A second backend is chosen here by the location's
scheme, and nothing above storage changes.
"""

from __future__ import annotations

from pathlib import Path

from storage.articles import ArticleStore
from storage.db import Database, open_database
from storage.digests import DigestStore
from storage.feeds import FeedStore
from storage.guilds import GuildSettingsStore
from storage.interfaces import Stores

__all__ = ["open_stores", "sqlite_stores"]

_SQLITE_PREFIX = "sqlite:///"


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
    """The stores at ``location``: a SQLite file path or ``sqlite:///path``."""
    text = str(location)
    if text.startswith(_SQLITE_PREFIX):
        text = text[len(_SQLITE_PREFIX) :]
    return sqlite_stores(await open_database(text))
