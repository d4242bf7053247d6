"""A real PostgreSQL for the tests: where to find it, and a fresh database per test.

``scripts/postgres.sh run`` (what ``make test`` and CI run) starts a throwaway server and puts a
superuser's URL in ``NEWSBOT_TEST_DATABASE_URL``. Each test then makes its own database on that
server, so tests never see each other's rows and need no cleanup between them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
import pytest

ENV = "NEWSBOT_TEST_DATABASE_URL"


def test_database_url() -> str | None:
    """The test server's URL, or None when no server was started for this run."""
    return os.environ.get(ENV) or None


# pytest would collect a module-level ``test_*`` function imported into a test file as a test.
test_database_url.__test__ = False  # type: ignore[attr-defined]


def require_postgres() -> str:
    """The test server's URL. Without one a test is skipped on a developer's machine (plain
    ``pytest`` starts no server), but fails in CI: there a missing server is a broken build,
    and a silent skip would hide every PostgreSQL test."""
    url = test_database_url()
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{ENV} is not set in CI: the PostgreSQL tests cannot run", pytrace=False)
    pytest.skip(f"PostgreSQL tests need {ENV}; `make test` starts a server")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (same server, user and query options)."""
    return urlsplit(url)._replace(path="/" + name).geturl()


async def fresh_database(
    base_url: str, template: str | None = None, *, prefix: str = "newsbot_t_"
) -> str:
    """Create a new, uniquely named database on ``base_url``'s server and return its URL.

    ``template`` names a database to copy (for instance one already migrated), which is much
    faster than running the migrations again; without it the database starts empty.
    """
    name = f"{prefix}{uuid.uuid4().hex[:16]}"
    sql = f"CREATE DATABASE {_quote(name)}"
    if template is not None:
        sql += f" TEMPLATE {_quote(template)}"
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
    return with_database(base_url, name)


async def drop_database(base_url: str, url: str) -> None:
    """Drop the database ``url`` names, closing any connection a test left open (FORCE,
    PostgreSQL 13 or newer). Connects through ``base_url``: a database cannot drop itself."""
    name = database_name(url)
    if name == database_name(base_url):
        raise ValueError(f"refusing to drop the base database {name!r}")
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(
    base_url: str, template: str | None = None, *, prefix: str = "newsbot_t_"
) -> AsyncIterator[str]:
    """A fresh database for the length of a ``with`` block, dropped afterwards."""
    url = await fresh_database(base_url, template, prefix=prefix)
    try:
        yield url
    finally:
        await drop_database(base_url, url)


async def reset_database(url: str) -> None:
    """Empty every table of newsbot's schema and restart its ids, as in a new database
    (much faster than a new database per test; the schema stays migrated)."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename != 'schema_version'"
        )
        if tables:
            names = ", ".join(_quote(row[0]) for row in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
