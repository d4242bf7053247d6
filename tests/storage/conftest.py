"""The stores under test, on every backend: each store test runs on SQLite and on a real
PostgreSQL (``make test`` starts a throwaway server and sets NEWSBOT_TEST_DATABASE_URL).

One parametrised fixture, ``stores``, so the two backends share every test; a test that is
about one backend only (SQLite's file, its pragmas) opens that backend itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage.backend import open_stores
from storage.db import open_database
from storage.interfaces import Stores
from storage.search_index import use
from tests.harness.postgres import fresh_database, require_postgres, reset_database

# "sqlite" is a new file as the bot makes it (Tantivy beside it, where installed);
# "sqlite-fts5" the same file switched to FTS5 (`newsbot index use fts5`).
BACKENDS = ["sqlite", "sqlite-fts5", "postgres"]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A database of its own for the store tests, made once per run."""
    base = require_postgres()
    # Asked for from inside a test's event loop: made on a thread with a loop of its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fresh_database(base)).result()


@pytest.fixture(params=BACKENDS)
async def stores(request, tmp_path) -> AsyncIterator[Stores]:
    if request.param == "sqlite":
        opened = await open_stores(tmp_path / "stores.db")
    elif request.param == "sqlite-fts5":
        db = await open_database(tmp_path / "stores.db")
        try:
            await use(db, "fts5")
        finally:
            await db.close()
        opened = await open_stores(tmp_path / "stores.db")
    else:
        url = request.getfixturevalue("postgres_url")
        opened = await open_stores(url)
        await reset_database(url)
    try:
        yield opened
    finally:
        await opened.close()
