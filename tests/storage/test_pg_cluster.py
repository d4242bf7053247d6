"""The PostgreSQL server the suite runs against is real, new enough, and gives each test its own
database: what every PostgreSQL storage test builds on."""

from __future__ import annotations

import asyncpg
import pytest

from tests.harness.postgres import (
    database_name,
    drop_database,
    fresh_database,
    require_postgres,
    scratch_database,
)


@pytest.fixture
def pg_url() -> str:
    return require_postgres()


async def test_server_is_postgresql_13_or_newer(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        # 13: DROP DATABASE ... WITH (FORCE), which drop_database relies on.
        assert int(await conn.fetchval("SHOW server_version_num")) >= 130000
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
    finally:
        await conn.close()


async def test_a_fresh_database_holds_rows_and_is_dropped_afterwards(pg_url: str) -> None:
    url = await fresh_database(pg_url)
    assert database_name(url) != database_name(pg_url)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE note (id bigserial PRIMARY KEY, body text NOT NULL)")
        await conn.executemany(
            "INSERT INTO note (body) VALUES ($1)", [("tide tables",), ("café opening",)]
        )
        rows = await conn.fetch("SELECT id, body FROM note ORDER BY id")
        assert [(r["id"], r["body"]) for r in rows] == [(1, "tide tables"), (2, "café opening")]
        # A connection a test leaves open must not stop the drop: the server closes it.
        await drop_database(pg_url, url)
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError)):
            await conn.fetchval("SELECT 1")
    finally:
        conn.terminate()
    base = await asyncpg.connect(pg_url)
    try:
        left = await base.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = $1", database_name(url)
        )
    finally:
        await base.close()
    assert left == 0


async def test_a_template_is_copied_into_each_fresh_database(pg_url: str) -> None:
    async with scratch_database(pg_url) as template_url:
        conn = await asyncpg.connect(template_url)
        try:
            await conn.execute("CREATE TABLE migrated (version int)")
            await conn.execute("INSERT INTO migrated VALUES (7)")
        finally:
            await conn.close()
        async with scratch_database(pg_url, template=database_name(template_url)) as copy_url:
            conn = await asyncpg.connect(copy_url)
            try:
                assert await conn.fetchval("SELECT version FROM migrated") == 7
                await conn.execute("UPDATE migrated SET version = 8")
            finally:
                await conn.close()
        conn = await asyncpg.connect(template_url)
        try:
            assert await conn.fetchval("SELECT version FROM migrated") == 7
        finally:
            await conn.close()
