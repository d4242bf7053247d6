"""Scale benchmark: import, ask, summarize, digest, memory, loop lag and cold start, on
SQLite with FTS5 and with Tantivy, beside the bare query of each index.

Run as ``PYTHONPATH=. .venv/bin/python -m bench.scale [--sizes 1000,100000,1000000]
[--corpus copies,varied] [--indexes fts5,tantivy] [--backend postgres] [--shared DIR]``.

For each size N a store of N distinct articles is built from the BBC corpus
(``bench.corpus``: copies carrying a marker, or copies varied per story) through
``NewsDesk.import_drafts`` in batches of ``bot.app.articles.IMPORT_BATCH``, the path
``newsbot import`` takes: cleaning, dedupe and indexing (into the index a
new store takes: Tantivy where installed) included. Built stores are cached in
``bench/.cache/`` with the import rate measured when they were built (``--rebuild``
builds again). Each size is measured in steps (``measure_size``): the import, browsing
and the digest once, then for each index the asks, the loop lag and the cold CLI: the
store's own index first, then the other, switched to with ``newsbot index use``
(timed), where the store is left. Every figure is printed beside an anchor of the same
run:

* import rate            vs a bare ``executemany`` of the raw rows into the same schema
* ``NewsDesk.ask`` p50/95/99 vs the bare query of its index: FTS5's bm25 top-k (the
  floor) and Tantivy's BM25 top-k of the same OR query
* ``newsbot ask/show/list`` cold start vs the bare interpreter start
* loop lag with 50 concurrent asks vs the lag of an idle loop

Peak RSS is measured in a child process that opens the desk on the largest store,
runs every question and builds a digest. The measurements shared with ``bench.pg``
(PostgreSQL) live in ``bench.measure``; ``--backend postgres`` copies the stores built
here into PostgreSQL from ``--pg-copy-from`` (200,000) up rather than importing them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    CACHE,
    DEFAULT_SHARED,
    load_corpus,
    machine,
    percentile,
    print_table,
    variants,
)
from bench.corpus import MODES, articles
from bench.measure import (
    QUESTIONS,
    ask_latencies,
    browse,
    import_store,
    loop_lag,
)
from bench.scale_report import report

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SEED = 20250101


INDEXES = ("fts5", "tantivy")


class TantivyFolder:
    """The Tantivy folder beside a cached store (storage.search_index.index_folder)."""

    @staticmethod
    def of(db_path: Path) -> Path:
        from storage.search_index import index_folder

        return index_folder(db_path)

    @staticmethod
    def remove(db_path: Path) -> None:
        import shutil

        shutil.rmtree(TantivyFolder.of(db_path), ignore_errors=True)

    @staticmethod
    def bytes(db_path: Path) -> int:
        folder = TantivyFolder.of(db_path)
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# ----------------------------------------------------------------------------- import


def _bare_executemany(records: Sequence[dict[str, str]], kind: str) -> float:
    """The anchor: raw rows into the same schema, one transaction, with the triggers of
    the index ``kind`` the import wrote (FTS5's postings, or Tantivy's change rows)."""
    from news.text import content_hash
    from storage.db import load_migrations

    with tempfile.TemporaryDirectory(prefix="newsbot-anchor-") as tmp:
        conn = sqlite3.connect(Path(tmp) / "anchor.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        for migration in load_migrations():
            conn.executescript(migration.sql)
        conn.execute("UPDATE search_index SET kind = ? WHERE id = 1", (kind,))
        stamp = datetime.now(UTC).isoformat()
        start = time.perf_counter()
        rows = [
            (r["url"], r["url"], r["title"], stamp, r["text"], content_hash(r["text"]))
            for r in records
        ]
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT OR IGNORE INTO articles (url, url_norm, title, added_at, body, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        conn.close()
    return len(records) / seconds


def build_store(
    size: int, corpus: Sequence[dict[str, str]], *, rebuild: bool, mode: str = "copies"
) -> tuple[Path, dict[str, Any], bool]:
    """The cached store of ``size`` articles of ``mode`` (bench.corpus) and its import
    figures (built if needed)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"scale-v2-{size}" if mode == "copies" else f"scale-v2-{mode}-{size}"
    db_path = CACHE / f"{name}.db"
    meta_path = CACHE / f"{name}.json"
    if not rebuild and db_path.exists() and meta_path.exists():
        return db_path, json.loads(meta_path.read_text()), True
    for stale in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), meta_path):
        stale.unlink(missing_ok=True)
    TantivyFolder.remove(db_path)
    records = list(articles(mode)(corpus, size))
    print(f"building {size:,}-article store in {db_path} ...", file=sys.stderr, flush=True)
    result = asyncio.run(import_store(db_path, records))
    result["rate"] = size / result["seconds"]
    result["index"] = store_kind(db_path)  # a new store's default: Tantivy where installed
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    meta_path.write_text(json.dumps(result))
    return db_path, result, False


# ----------------------------------------------------------------------------- ask


def _floor_latencies(db_path: Path, rounds: int) -> list[float]:
    """Bare FTS5 bm25 top-k with the terms the desk would send, on a plain sqlite3 connection."""
    from news.retrieval import POOL, search_terms
    from storage.articles import BODY_WEIGHT, TITLE_WEIGHT, fts_query

    queries = [fts_query(search_terms(q), any_term=True) for q in QUESTIONS]
    conn = sqlite3.connect(db_path)
    sql = (
        f"SELECT rowid, bm25(articles_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS rank"
        " FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?"
    )
    for q in queries:
        if q:
            conn.execute(sql, (q, POOL)).fetchall()
    times: list[float] = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            if q:
                conn.execute(sql, (q, POOL)).fetchall()
            times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return times


def _tantivy_latencies(db_path: Path, rounds: int) -> list[float]:
    """The new anchor: a bare Tantivy OR query of the same terms, top POOL by BM25 over
    every scope, on the store's index folder (no scope filter, no thread hop)."""
    from news.retrieval import POOL, search_terms
    from storage.articles import fts_query
    from storage.tantivy_index import TantivyIndex

    index = TantivyIndex(TantivyFolder.of(db_path))
    searcher = index.index.searcher()
    queries = [
        index.index.parse_query(q, ["text"])
        if (q := fts_query(search_terms(x), any_term=True))
        else None
        for x in QUESTIONS
    ]
    for query in queries:
        if query is not None:
            searcher.search(query, POOL, count=False)
    times: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            if query is not None:
                searcher.search(query, POOL, count=False)
            times.append((time.perf_counter() - start) * 1000)
    return times


def store_kind(db_path: Path) -> str:
    """The index the store searches with (``search_index.kind``)."""
    conn = sqlite3.connect(db_path)
    try:
        return str(conn.execute("SELECT kind FROM search_index WHERE id = 1").fetchone()[0])
    finally:
        conn.close()


def switch_index(db_path: Path, kind: str) -> float:
    """``newsbot index use KIND`` on the store; seconds (for Tantivy: the build)."""
    from storage.db import open_database
    from storage.search_index import use

    async def run() -> None:
        db = await open_database(db_path)
        try:
            await use(db, kind)  # type: ignore[arg-type]
        finally:
            await db.close()

    start = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- summary, digest


def _summary_times(corpus: Sequence[dict[str, str]], sample: int = 500) -> dict[str, float]:
    from news.clean import clean_body, clean_title
    from news.summarize import summarize
    from news.text import normalize_ws

    items = [(clean_title(r["title"]), normalize_ws(r["text"])) for r in corpus[:sample]]
    clean_ms: list[float] = []
    summ_ms: list[float] = []
    for title, text in items:
        start = time.perf_counter()
        body = clean_body(text, title)
        mid = time.perf_counter()
        summarize(body, title)
        end = time.perf_counter()
        clean_ms.append((mid - start) * 1000)
        summ_ms.append((end - mid) * 1000)
    return {
        "clean_mean": statistics.fmean(clean_ms),
        "summ_mean": statistics.fmean(summ_ms),
        "summ_p95": percentile(summ_ms, 95),
        "n": len(items),
    }


async def _digest_times(db_path: Path) -> dict[str, float] | None:
    try:
        from bot.digest import build_digest, render_messages
    except ImportError:
        return None
    from bot.app.desk import NewsDesk

    desk = await NewsDesk.open(db_path)
    try:
        out: dict[str, float] = {}
        for label, since in (("all", None), ("day", datetime.now(UTC) - timedelta(days=1))):
            times: list[float] = []
            render: list[float] = []
            for _ in range(5):
                start = time.perf_counter()
                digest = await build_digest(desk, None, since, max_articles=25)
                mid = time.perf_counter()
                render_messages(digest)
                times.append((mid - start) * 1000)
                render.append((time.perf_counter() - mid) * 1000)
            # The first build summarizes what was imported without a summary (and stores
            # it); the median is the digest of a store whose articles have theirs.
            out[f"first_{label}"] = times[0]
            out[f"build_{label}"] = statistics.median(times)
            out[f"render_{label}"] = statistics.median(render)
            out["articles"] = len(digest.articles)
        return out
    finally:
        await desk.close()


# ----------------------------------------------------------------------------- RSS child


def _rss_child(db_path: Path) -> None:
    """Open the desk, ask every question twice at once, build a digest; print RSS as JSON.

    A sampler thread records the peak RSS of this process and, separately, of any child
    processes (the bot starts none: its CPU work runs in one worker thread).
    """
    import threading

    import psutil

    process = psutil.Process()
    before = process.memory_info().rss
    peaks = {"self": 0, "workers": 0, "anon": 0}
    stop = threading.Event()

    def anon() -> int:
        # The process's own memory, without the pages of files it maps (a Tantivy
        # index's segments are mapped: the kernel may drop those pages at any time).
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
        return 0

    def sample() -> None:
        while not stop.is_set():
            peaks["self"] = max(peaks["self"], process.memory_info().rss)
            peaks["anon"] = max(peaks["anon"], anon())
            total = 0
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            peaks["workers"] = max(peaks["workers"], total)
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    async def run() -> int:
        from bot.app.desk import NewsDesk

        with contextlib.suppress(ImportError):  # the Discord client counts towards the bot
            import bot.client  # noqa: F401
        desk = await NewsDesk.open(db_path)
        opened = process.memory_info().rss
        try:
            for _ in range(2):
                await asyncio.gather(*(desk.ask(q) for q in QUESTIONS))
            try:
                from bot.digest import build_digest

                await build_digest(desk, None, None, max_articles=25)
            except ImportError:
                pass
            peaks["self"] = max(peaks["self"], process.memory_info().rss)
        finally:
            await desk.close()
        return opened

    opened = asyncio.run(run())
    stop.set()
    sampler.join()
    print(
        json.dumps(
            {
                "start_mb": before / 2**20,
                "opened_mb": opened / 2**20,
                "peak_mb": peaks["self"] / 2**20,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "workers_mb": peaks["workers"] / 2**20,
                "anon_mb": peaks["anon"] / 2**20,
            }
        )
    )


def peak_rss(db_path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--rss-child", str(db_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- cold start


def _median_run(cmd: Sequence[str], runs: int = 5) -> float:
    times: list[float] = []
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True, env=env)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cold_start(db_path: Path) -> dict[str, float]:
    """Median ms of a new ``newsbot`` process for ask, show and list, and of a bare
    interpreter (the floor any command pays)."""
    newsbot = VENV_BIN / "newsbot"
    cmd = (
        [str(newsbot)]
        if newsbot.exists()
        else [sys.executable, "-m", "bot.cli"]  # pragma: no cover
    )
    base = [*cmd, "--db", str(db_path)]
    # Byte-compile the project first: a host writes the .pyc files on a command's first
    # run, but where PYTHONDONTWRITEBYTECODE is set (as on this sandbox) every start
    # would compile the source again (~100 ms) and the figure would measure that.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "bot", "cogs", "news", "storage"],
        cwd=ROOT,
        check=True,
    )
    return {
        "ask": _median_run([*base, "ask", QUESTIONS[0]]),
        "show": _median_run([*base, "show", "5"]),
        "list": _median_run([*base, "list"]),
        "bare": _median_run([sys.executable, "-c", "import sqlite3"]),
    }


# ----------------------------------------------------------------------------- steps
#
# One size is measured in steps, each a function of the store that returns its figures;
# the report prints them. The store's index is switched between the FTS5 steps and the
# Tantivy ones (the Tantivy build is timed), and back to FTS5 at the end, so the cached
# store is as it was.


def step_import(
    size: int, corpus: Sequence[dict[str, str]], args: argparse.Namespace, mode: str
) -> dict[str, Any]:
    db_path, built, cached = build_store(size, corpus, rebuild=args.rebuild, mode=mode)
    built.setdefault("index", "fts5")  # stores built before Tantivy was the default
    anchor = _bare_executemany(
        list(variants(corpus, min(size, args.anchor_max))), str(built["index"])
    )
    return {"path": db_path, "built": built, "cached": cached, "anchor": anchor}


def step_ask(db_path: Path, kind: str, rounds: int) -> dict[str, Any]:
    """/ask through the desk, beside the bare query of the same index."""
    times, answered = asyncio.run(ask_latencies(db_path, rounds))
    bare = (
        _floor_latencies(db_path, rounds) if kind == "fts5" else _tantivy_latencies(db_path, rounds)
    )
    return {"times": times, "answered": answered, "bare": bare}


def step_lag(db_path: Path) -> dict[str, float]:
    return asyncio.run(loop_lag(db_path))


def step_cold(db_path: Path) -> dict[str, float]:
    return cold_start(db_path)


def measure_index(
    db_path: Path, kind: str, args: argparse.Namespace, *, rss: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind}
    if store_kind(db_path) != kind:  # FTS5 rebuilt, or Tantivy built, from the articles
        out["build_s"] = switch_index(db_path, kind)
    if kind == "tantivy":
        out["index_bytes"] = TantivyFolder.bytes(db_path)
    out["ask"] = step_ask(db_path, kind, args.rounds)
    out["lag"] = step_lag(db_path)
    out["cold"] = step_cold(db_path)
    if rss:
        out["rss"] = peak_rss(db_path)
    return out


def measure_size(
    size: int,
    corpus: Sequence[dict[str, str]],
    args: argparse.Namespace,
    mode: str,
    *,
    largest: bool,
) -> dict[str, Any]:
    print(f"measuring {size:,} ({mode}) ...", file=sys.stderr, flush=True)
    got = step_import(size, corpus, args, mode)
    db_path: Path = got["path"]
    got["bytes"] = db_bytes(db_path)
    got["browse"] = asyncio.run(browse(db_path))
    got["digest"] = asyncio.run(_digest_times(db_path))
    got["indexes"] = {}
    # The store's own index first, then the other (built then, and timed); the cached
    # store keeps the last, so the next run switches once more, not twice.
    first = store_kind(db_path)
    for kind in sorted(args.indexes, key=lambda k: k != first):
        got["indexes"][kind] = measure_index(db_path, kind, args, rss=largest)
    return got


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--rounds", type=int, default=3, help="ask rounds over the questions")
    parser.add_argument("--rebuild", action="store_true", help="ignore cached stores")
    parser.add_argument("--anchor-max", type=int, default=100_000, help="cap the anchor's N")
    parser.add_argument(
        "--corpus", default="copies", help=f"comma-separated, of {', '.join(MODES)}"
    )
    parser.add_argument(
        "--indexes", default=",".join(INDEXES), help="comma-separated, of fts5, tantivy"
    )
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="postgres: also measure PostgreSQL beside SQLite at each size",
    )
    parser.add_argument("--database-url", help="a PostgreSQL server to make databases on")
    parser.add_argument(
        "--pg-copy-from",
        type=int,
        help="PostgreSQL: copy the SQLite store from this size up instead of importing"
        " (default bench.pg.COPY_FROM, 200,000)",
    )
    args = parser.parse_args(argv)
    if args.rss_child:
        _rss_child(args.rss_child)
        return
    args.indexes = [k for k in args.indexes.split(",") if k]
    modes = [m for m in args.corpus.split(",") if m]
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    corpus = load_corpus(args.shared)
    print_table("Machine", ["item", "value"], machine())
    results = []
    for mode in modes:
        for size in sizes:
            got = measure_size(
                size, corpus, args, mode, largest=size == sizes[-1] and mode == modes[0]
            )
            results.append({"size": size, "mode": mode, **got})
    report(results, args, _summary_times(corpus))
    if args.backend == "postgres":
        from bench import pg

        mode = modes[0]

        def store(size: int) -> Path:  # built above, at every size, for this mode
            return build_store(size, corpus, rebuild=False, mode=mode)[0]

        with pg.server(args.database_url) as base:
            pg.report(
                base,
                sizes,
                corpus,
                args.rounds,
                mode=mode,
                store=store,
                copy_from=args.pg_copy_from,
            )


def db_bytes(db_path: Path) -> int:
    return sum(
        p.stat().st_size
        for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"))
        if p.exists()
    )


if __name__ == "__main__":
    main()
