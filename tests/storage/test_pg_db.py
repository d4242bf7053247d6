"""PostgreSQL's own rules: migrations applied once under a lock, a newer schema refused,
an unreachable server in one line without its password, and the SQL the stores share."""

from __future__ import annotations

import asyncio
import sys

import asyncpg
import pytest

from storage.backend import open_stores
from storage.errors import StorageError
from storage.migrate import Migration, load_migrations
from storage.postgres import MIGRATIONS
from storage.postgres.db import numbered, open_pg_database, safe_location
from tests.harness.postgres import drop_database, fresh_database, require_postgres


@pytest.fixture
async def empty_url():
    base = require_postgres()
    url = await fresh_database(base)
    yield url
    await drop_database(base, url)


def test_placeholders_are_numbered_outside_quoted_text() -> None:
    sql = "SELECT '?', \"a?\" FROM t WHERE x = ? AND y IS ? AND z LIKE ? ESCAPE '\\'"
    assert numbered(sql) == (
        "SELECT '?', \"a?\" FROM t WHERE x = $1 AND y IS NOT DISTINCT FROM $2"
        " AND z LIKE $3 ESCAPE '\\'"
    )
    assert numbered("SELECT 'it''s ?' , ?") == "SELECT 'it''s ?' , $1"


async def test_processes_starting_at_once_migrate_once(empty_url) -> None:
    opened = await asyncio.gather(*(open_pg_database(empty_url) for _ in range(4)))
    try:
        versions = sorted(m.version for m in load_migrations(MIGRATIONS))
        latest = versions[-1]
        rows = await opened[0].fetchall("SELECT version FROM schema_version ORDER BY version")
        # Every migration once; numbers may leave gaps (branches take numbers ahead).
        assert [row[0] for row in rows] == versions
        assert {await db.schema_version() for db in opened} == {latest}
    finally:
        for db in opened:
            await db.close()


async def test_a_later_migration_is_applied_once_on_the_next_start(empty_url) -> None:
    known = load_migrations(MIGRATIONS)
    await (await open_pg_database(empty_url, migrations=known)).close()
    extra = Migration(
        max(m.version for m in known) + 1, "notes", "CREATE TABLE notes (id BIGINT PRIMARY KEY)"
    )
    dbs = await asyncio.gather(
        *(open_pg_database(empty_url, migrations=[*known, extra]) for _ in range(3))
    )
    try:
        assert await dbs[0].schema_version() == extra.version
        row = await dbs[0].fetchone("SELECT count(*) FROM schema_version WHERE name = 'notes'")
        assert row is not None and row[0] == 1
    finally:
        for db in dbs:
            await db.close()


async def test_a_schema_newer_than_the_code_is_refused(empty_url) -> None:
    await (await open_pg_database(empty_url)).close()
    conn = await asyncpg.connect(empty_url)
    try:
        await conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 'x')"
        )
    finally:
        await conn.close()
    with pytest.raises(StorageError, match=r"made by a newer newsbot \(schema 999"):
        await open_pg_database(empty_url)


async def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    url = "postgresql://desk:hunter2-secret@127.0.0.1:9/newsbot"  # port 9: nothing listens
    with pytest.raises(StorageError) as info:
        await open_stores(url)
    message = str(info.value)
    assert "\n" not in message
    assert "127.0.0.1:9/newsbot" in message
    assert "hunter2" not in message and "desk:" not in message
    assert safe_location(url) == "127.0.0.1:9/newsbot"


async def test_without_asyncpg_the_message_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # import asyncpg -> ImportError
    monkeypatch.delitem(sys.modules, "storage.postgres.db", raising=False)
    monkeypatch.delitem(sys.modules, "storage.postgres.articles", raising=False)
    with pytest.raises(StorageError, match=r"pip install 'newsbot\[postgres\]'"):
        await open_stores("postgresql://desk@127.0.0.1:9/newsbot")
