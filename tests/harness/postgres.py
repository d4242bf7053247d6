"""A real PostgreSQL for the tests: where it is, and databases of their own on it.

``make test`` (``scripts/postgres.sh run``) starts a throwaway server and exports
NEWSBOT_TEST_DATABASE_URL. Without it, the PostgreSQL tests are skipped on a developer's
machine, and fail under CI, which must never skip them silently.
"""

from __future__ import annotations

import os

import pytest
from yarl import URL

ENV = "NEWSBOT_TEST_DATABASE_URL"


def test_database_url() -> str | None:
    return os.environ.get(ENV) or None


def require_postgres() -> str:
    url = test_database_url()
    if url is None:
        message = f"PostgreSQL tests need {ENV}; `make test` starts a server"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


def with_database(url: str, name: str) -> str:
    return str(URL(url).with_path("/" + name))


async def scratch_database(base_url: str, name: str) -> str:
    """A new, empty database ``name`` on the server (dropped first if a run left it)."""
    import asyncpg

    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(base_url, name)


async def reset_database(url: str) -> None:
    """Empty every table of newsbot's schema and restart its ids, as a new database."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename != 'schema_version'"
        )
        if tables:
            names = ", ".join(f'"{row[0]}"' for row in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
