"""A PostgreSQL server and fresh databases for the benchmarks that compare backends.

``bench.qa_eval --backend postgres`` and ``bench.scale --backend postgres`` need a server
they may create databases on (a superuser's URL, as the tests use). It is, in order:
``--database-url``; ``NEWSBOT_TEST_DATABASE_URL``; else a throwaway cluster that
``scripts/postgres.sh start`` runs in a temporary directory for the length of the run
(and ``stop`` removes). Each measurement gets its own new database, dropped afterwards,
so a run never reads another's rows and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path

from tests.harness.postgres import scratch_database

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "postgres.sh"
ENV = "NEWSBOT_TEST_DATABASE_URL"
PREFIX = "newsbot_bench_"


@contextmanager
def server(url: str | None) -> Iterator[str]:
    """The base URL of a server to make databases on: ``url``, the tests' server, or a
    throwaway cluster started here and stopped on exit."""
    given = url or os.environ.get(ENV)
    if given:
        yield given
        return
    # Short: the cluster's unix socket lives in this directory (107-byte path limit).
    tmp = tempfile.mkdtemp(prefix="nbpg.", dir="/tmp")
    os.chmod(tmp, 0o755)  # as root the cluster runs as another user, who must enter it
    try:
        out = subprocess.run(
            [str(SCRIPT), "start", tmp], check=True, capture_output=True, text=True
        )
        yield out.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(SCRIPT), "stop", tmp], check=False, capture_output=True)


def scratch(base_url: str, label: str = "") -> AbstractAsyncContextManager[str]:
    """A fresh database for the length of a ``with`` block, named for the bench."""
    return scratch_database(base_url, prefix=f"{PREFIX}{label}{'_' if label else ''}")


async def settle(url: str) -> None:
    """VACUUM ANALYZE after a bulk load: what autovacuum would soon do, done before timing
    so every run reads the same planner statistics and visibility map."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def database_bytes(url: str) -> tuple[int, int]:
    """pg_database_size of the database ``url`` names (tables, indexes, TOAST and the
    catalogs of an empty database), and the articles table's share of it."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        whole = await conn.fetchval("SELECT pg_database_size(current_database())")
        articles = await conn.fetchval("SELECT pg_total_relation_size('articles')")
        return int(whole), int(articles)
    finally:
        await conn.close()


async def empty_bytes(base_url: str) -> int:
    """pg_database_size of a new, migrated database: the floor every size includes."""
    from storage.postgres.db import open_pg_database

    async with scratch(base_url, "empty") as url:
        db = await open_pg_database(url)
        await db.close()
        return (await database_bytes(url))[0]


def measure(
    base_url: str, size: int, corpus: Sequence[dict[str, str]], rounds: int
) -> dict[str, float]:
    """``size`` articles imported into a new database as ``newsbot import`` does, then
    ask, autocomplete and list-page latencies and the database's size; dropped after."""
    from bench.common import percentile, variants
    from bench.scale import _ask_latencies, _browse, _import

    async def run() -> dict[str, float]:
        async with scratch(base_url, f"scale{size}") as url:
            built = await _import(url, list(variants(corpus, size)))
            await settle(url)
            times, answered = await _ask_latencies(url, rounds)
            browse = await _browse(url)
            whole, articles = await database_bytes(url)
        return {
            **built,
            "rate": size / built["seconds"],
            "ask_p50": percentile(times, 50),
            "ask_p95": percentile(times, 95),
            "ask_p99": percentile(times, 99),
            "answered": answered,
            **browse,
            "bytes": whole,
            "articles_bytes": articles,
        }

    return asyncio.run(run())
