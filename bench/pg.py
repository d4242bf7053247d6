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
    from bench.measure import ask_latencies, browse, import_store

    async def run() -> dict[str, float]:
        async with scratch(base_url, f"scale{size}") as url:
            built = await import_store(url, list(variants(corpus, size)))
            await settle(url)
            times, answered = await ask_latencies(url, rounds)
            browsing = await browse(url)
            whole, articles = await database_bytes(url)
        return {
            **built,
            "rate": size / built["seconds"],
            "ask_p50": percentile(times, 50),
            "ask_p95": percentile(times, 95),
            "ask_p99": percentile(times, 99),
            "answered": answered,
            **browsing,
            "bytes": whole,
            "articles_bytes": articles,
        }

    return asyncio.run(run())


def report(
    base_url: str, sizes: Sequence[int], corpus: Sequence[dict[str, str]], rounds: int
) -> None:
    """PostgreSQL at each size (the same articles, questions and prefixes as SQLite's
    rows of bench.scale), one table. Every process on one PostgreSQL database searches
    with its tsvector (storage/postgres/migrations/003_search_index.sql says why)."""
    from bench.common import print_table
    from bench.measure import QUESTIONS

    rows = []
    for size in sizes:
        got = measure(base_url, size, corpus, rounds)
        rows.append(
            [
                size,
                got["rate"],
                f"{got['ask_p50']:.1f} / {got['ask_p95']:.1f} / {got['ask_p99']:.1f}",
                got["auto_p95"],
                got["first_ms"],
                got["deep_ms"],
                got["bytes"] / 2**20,
                f"{int(got['answered'])}/{len(QUESTIONS)}",
            ]
        )
    empty = asyncio.run(empty_bytes(base_url)) / 2**20
    print_table(
        "PostgreSQL (tsvector full text; a new database per size, VACUUM ANALYZE after import)",
        [
            "N",
            "import/s",
            "ask p50 / p95 / p99",
            "autocomplete p95",
            "list page 1",
            "list last page",
            "DB MiB",
            "answered",
        ],
        rows,
        f"ms unless named; DB MiB: pg_database_size (a new migrated database is {empty:.1f} MiB)",
    )
