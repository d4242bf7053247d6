"""A PostgreSQL server and fresh databases for the benchmarks that compare backends.

``bench.qa_eval --backend postgres`` and ``bench.scale --backend postgres`` need a server
they may create databases on (a superuser's URL, as the tests use). It is, in order:
``--database-url``; ``NEWSBOT_TEST_DATABASE_URL``; else a throwaway cluster that
``scripts/postgres.sh start`` runs in a temporary directory for the length of the run
(and ``stop`` removes). Each measurement gets its own new database, dropped afterwards,
so a run never reads another's rows and leaves nothing behind.

A size of ``COPY_FROM`` articles or more is not imported (a million through ``newsbot
import`` is most of an hour): its database is copied from the SQLite store
``bench.scale`` built for that size, with ``newsbot db copy``'s own code (timed), and
the import rate at that size is the rate of ``EXTRA`` more articles imported into the
copy. ``/ask`` is measured with one process and with two asking at once, each its own
process with its own desk on the same database, as shard processes run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path
from typing import Any

from tests.harness.postgres import scratch_database

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "postgres.sh"
ENV = "NEWSBOT_TEST_DATABASE_URL"
PREFIX = "newsbot_bench_"
COPY_FROM = 200_000  # from this size the database is copied from the SQLite store
EXTRA = 10_000  # articles imported into a copied database: the import rate at its size
COPY_BATCH = 500  # rows per transaction: `newsbot db copy`'s default
PROCESSES = (1, 2)  # shard processes asking at once, each with its own desk
LINE_UP_S = 1800.0  # how long an asking process waits for the others' warm-up

# The SQLite store bench.scale built for a size (bench.scale.build_store's path).
Store = Callable[[int], Path]


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


def _asker(url: str, rounds: int, barrier: Any, out: Any) -> None:
    """One shard process: its own desk on the shared database (its tsvector search, no
    index of its own), warmed, lined up with the others, then the timed rounds."""
    from bench.measure import ask_latencies

    def ready() -> None:
        barrier.wait(LINE_UP_S)

    out.put(asyncio.run(ask_latencies(url, rounds, ready)))


def ask_processes(url: str, rounds: int, processes: int) -> tuple[list[float], list[int]]:
    """``/ask`` ms of ``processes`` processes asking the bench questions at once (every
    process's asks, pooled) and how many questions each answered."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    out = ctx.Queue()
    procs = [ctx.Process(target=_asker, args=(url, rounds, barrier, out)) for _ in range(processes)]
    for proc in procs:
        proc.start()
    results: list[tuple[list[float], int]] = []
    try:
        while len(results) < processes:
            try:
                results.append(out.get(timeout=5))
            except queue.Empty:
                failed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(
                        f"an asking process failed (exit code {failed[0]})"
                    ) from None
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
    return [t for times, _ in results for t in times], [answered for _, answered in results]


async def copy_store(source: Path, url: str) -> dict[str, float]:
    """``newsbot db copy``'s copy of the SQLite file ``source`` (read-only) into ``url``."""
    from storage.postgres.copy import copy_database

    copied = await copy_database(source, url, batch=COPY_BATCH)
    articles = next(t for t in copied.tables if t.table == "articles")
    return {
        "copy_s": copied.seconds,
        "copied": articles.target,
        "copy_rate": articles.source / copied.seconds,
    }


def _say(text: str) -> None:
    print(f"postgres: {text}", file=sys.stderr, flush=True)


def measure(
    base_url: str,
    size: int,
    corpus: Sequence[dict[str, str]],
    rounds: int,
    *,
    mode: str = "copies",
    store: Store | None = None,
    copy_from: int = COPY_FROM,
) -> dict[str, Any]:
    """A new database of ``size`` articles: imported as ``newsbot import`` does, or from
    ``copy_from`` up (given ``store``) copied from the SQLite store and EXTRA more
    imported after the measurements. Then ask latencies with 1 and 2 processes,
    autocomplete and list pages, and the database's size; dropped after."""
    from bench.common import percentile
    from bench.corpus import articles
    from bench.measure import browse, import_store

    copied = store is not None and size >= copy_from
    make = articles(mode)

    async def run() -> dict[str, Any]:
        began = time.perf_counter()
        got: dict[str, Any] = {"how": "copy" if copied else "import"}
        async with scratch(base_url, f"scale{size}") as url:
            if copied:
                assert store is not None
                source = store(size)
                _say(f"{size:,}: copying {source} ...")
                got.update(await copy_store(source, url))
                _say(f"{size:,}: copied {got['copied']:,} articles in {got['copy_s']:.0f} s")
            else:
                _say(f"{size:,}: importing ...")
                built = await import_store(url, list(make(corpus, size)))
                got.update(built, rate=size / built["seconds"])
            start = time.perf_counter()
            await settle(url)
            got["settle_s"] = time.perf_counter() - start
            for n in PROCESSES:
                _say(f"{size:,}: asking with {n} process{'es' if n > 1 else ''} ...")
                times, answered = ask_processes(url, rounds, n)
                got[f"ask{n}"] = [percentile(times, p) for p in (50, 95, 99)]
                got[f"answered{n}"] = answered
            got.update(await browse(url))
            got["bytes"], got["articles_bytes"] = await database_bytes(url)
            if copied:
                _say(f"{size:,}: importing {EXTRA:,} more ...")
                extra = await import_store(url, list(make(corpus, EXTRA, start=size)))
                got["extra"] = extra
                got["rate"] = EXTRA / extra["seconds"]
                if extra["added"] < 0.9 * EXTRA:  # the corpus repeats ~6% of its stories
                    _say(
                        f"{size:,}: only {extra['added']:,.0f} of {EXTRA:,} were new:"
                        " the store already held the others"
                    )
        got["wall_s"] = time.perf_counter() - began
        _say(f"{size:,}: done in {got['wall_s'] / 60:.1f} min")
        return got

    return asyncio.run(run())


def _triple(values: Sequence[float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


def report(
    base_url: str,
    sizes: Sequence[int],
    corpus: Sequence[dict[str, str]],
    rounds: int,
    *,
    mode: str = "copies",
    store: Store | None = None,
    copy_from: int | None = None,
) -> None:
    """PostgreSQL at each size (the same articles, questions and prefixes as SQLite's
    rows of bench.scale), one table. Every process on one PostgreSQL database searches
    with its tsvector (storage/postgres/migrations/003_search_index.sql says why)."""
    from bench.common import print_table
    from bench.measure import QUESTIONS

    threshold = COPY_FROM if copy_from is None else copy_from
    rows = []
    notes = []
    for size in sizes:
        got = measure(base_url, size, corpus, rounds, mode=mode, store=store, copy_from=threshold)
        counts = [got["answered1"][0], *got["answered2"]]
        answered = f"{counts[0]}/{len(QUESTIONS)}"
        if len(set(counts)) > 1:
            answered += f" (2 processes: {', '.join(map(str, got['answered2']))})"
        rows.append(
            [
                size,
                got["how"],
                got.get("copy_rate", float("nan")),
                got["rate"],
                _triple(got["ask1"]),
                _triple(got["ask2"]),
                got["auto_p95"],
                got["first_ms"],
                got["deep_ms"],
                got["bytes"] / 2**20,
                answered,
            ]
        )
        took = f"{got['wall_s'] / 60:.1f} min in all, VACUUM ANALYZE {got['settle_s']:.0f} s"
        if got["how"] == "copy":
            extra = got["extra"]
            notes.append(
                f"{size:,}: copied {got['copied']:,} articles in {got['copy_s']:.0f} s"
                f" (newsbot db copy, batch {COPY_BATCH}); import /s: {EXTRA:,} more imported"
                f" after the measurements ({extra['added']:,.0f} new, {extra['dup']:,.0f}"
                f" duplicates, {extra['seconds']:.0f} s); {took}"
            )
        else:
            notes.append(f"{size:,}: {took}")
    empty = asyncio.run(empty_bytes(base_url)) / 2**20
    print_table(
        "PostgreSQL (tsvector full text in the shared database, every process; a new database"
        " per size, VACUUM ANALYZE after it is built)",
        [
            "N",
            "built",
            "copy /s",
            "import /s",
            "ask, 1 process",
            "ask, 2 processes (each)",
            "autocomplete p95",
            "list page 1",
            "list last page",
            "DB MiB",
            "answered",
        ],
        rows,
        "\n".join(
            [
                "ms unless named; ask: p50 / p95 / p99",
                f"built: imported as newsbot import does, or from {threshold:,} copied from"
                " bench.scale's SQLite store of N (copy /s: articles)",
                "2 processes: each its own desk on the same database, asking at once; the"
                " percentiles of both processes' asks",
                f"DB MiB: pg_database_size at N (a new migrated database is {empty:.1f} MiB)",
                *notes,
            ]
        ),
    )
