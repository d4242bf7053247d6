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
from urllib.parse import parse_qsl, urlsplit

from storage.articles import ArticleStore
from storage.db import Database, open_database, runner_lock
from storage.digests import DigestStore
from storage.errors import StorageError
from storage.feeds import FeedStore
from storage.guilds import GuildSettingsStore
from storage.insights import InsightStore
from storage.interfaces import Stores
from storage.search_index import attach as attach_search_index
from storage.shards import Shards
from storage.sql import SqlDatabase

__all__ = [
    "database_url_problem",
    "hold_runner",
    "is_database_url",
    "is_postgres",
    "open_stores",
    "sqlite_file",
    "sqlite_stores",
]

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | Path) -> bool:
    """True for a PostgreSQL URL, False for a SQLite file."""
    return str(location).startswith(_POSTGRES_SCHEMES)


def is_database_url(text: str) -> bool:
    """True for a URL :func:`open_stores` opens (PostgreSQL's or ``sqlite:///``)."""
    return is_postgres(text) or text.startswith(_SQLITE_PREFIX)


# The query keys asyncpg reads as connection options. Any other key would go to the
# server as a setting at log-in, where an unknown one ends the connection with an error
# that names no option of ours.
_POSTGRES_QUERY_KEYS = frozenset(
    {
        "host", "port", "dbname", "database", "user", "password", "passfile", "service",
        "sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslpassword",
        "sslnegotiation", "ssl_min_protocol_version", "ssl_max_protocol_version",
        "target_session_attrs", "krbsrvname", "gsslib", "application_name",
    }
)  # fmt: skip
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def database_url_problem(url: str) -> str | None:
    """What is wrong with a database URL, in words that never repeat its password, or
    None when it can be handed to the driver. Checked before connecting: the drivers
    report a bad port, an unclosed ``[`` or an unknown option as a traceback."""
    if not is_postgres(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the URL is malformed (an IPv6 address needs its closing ]), check it"
    hosts = parts.netloc.rpartition("@")[2]
    for host in hosts.split(","):
        if host.count("[") != host.count("]"):
            return "the URL is malformed (an IPv6 address needs its closing ]), check it"
        port = host.rpartition("]")[2] if host.startswith("[") else host
        _, colon, digits = port.rpartition(":") if ":" in port else ("", "", "")
        if colon and digits and not (digits.isascii() and digits.isdigit()):
            return f"the port {digits[:10]!r} is not a number"
        if colon and digits and not 1 <= int(digits[:6]) <= 65535:
            return f"the port {digits[:10]} is not between 1 and 65535"
    try:
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        return "the URL's query (after ?) is malformed: write it as key=value&key=value"
    for key, value in query:
        if key not in _POSTGRES_QUERY_KEYS:
            return (
                f"the URL's query has an option newsbot does not know, {key[:30]!r}; "
                "the known ones include sslmode, sslrootcert and application_name"
            )
        if key == "sslmode" and value not in _SSL_MODES:
            return f"sslmode must be one of {', '.join(_SSL_MODES)}; got {value[:20]!r}"
        if key == "port" and not (
            value.isascii() and value.isdigit() and 1 <= int(value[:6]) <= 65535
        ):
            return "the port in the URL's query must be a number between 1 and 65535"
    return None


def sqlite_file(location: str | Path) -> Path | None:
    """The SQLite file at ``location``, or None when it is a PostgreSQL URL."""
    if is_postgres(location):
        return None
    return Path(_sqlite_path(location))


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
        insights=InsightStore(db),
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
    db = await open_database(_sqlite_path(location))
    try:
        return await attach_search_index(sqlite_stores(db), db)
    except BaseException:
        await db.close()
        raise


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
