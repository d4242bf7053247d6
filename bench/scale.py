"""Scale benchmark: import, ask, summarize, digest, memory, loop lag and cold start, on
SQLite with FTS5 and with Tantivy, beside the bare query of each index.

Run as ``PYTHONPATH=. .venv/bin/python -m bench.scale [--sizes 1000,100000,1000000]
[--corpus copies,varied] [--indexes fts5,tantivy] [--backend postgres] [--shared DIR]``.

For each size N a store of N distinct articles is built from the BBC corpus
(``bench.corpus``: copies carrying a marker, or copies varied per story) through
``NewsDesk.import_drafts`` in batches of ``bot.desk.IMPORT_BATCH``, the path ``newsbot
import`` takes: cleaning, summarizing, dedupe and FTS indexing included. Built stores
are cached in ``bench/.cache/`` with the import rate measured when they were built
(``--rebuild`` builds again). Each size is measured in steps (``measure_size``): the
import, browsing and the digest once, then for each index the asks, the loop lag and
the cold CLI; for Tantivy the store is switched with ``newsbot index use`` (timed) and
switched back at the end. Every figure is printed beside an anchor of the same run:

* import rate            vs a bare ``executemany`` of the raw rows into the same schema
* ``NewsDesk.ask`` p50/95/99 vs the bare query of its index: FTS5's bm25 top-k (the
  floor) and Tantivy's BM25 top-k of the same OR query
* ``newsbot ask/show/list`` cold start vs the bare interpreter start
* loop lag with 50 concurrent asks vs the lag of an idle loop

Peak RSS is measured in a child process that opens the desk on the largest store,
runs every question and builds a digest. The measurements shared with ``bench.pg``
(PostgreSQL) live in ``bench.measure``.
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
    BROWSE_GUILD,
    PREFIXES,
    QUESTIONS,
    ask_latencies,
    browse,
    import_store,
    loop_lag,
)

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SEED = 20250101


TARGET_ASK_P95_MS = 50.0
TARGET_ASK_VS_FLOOR = 3.0
FLOOR_BOUND_FROM = 100_000  # the size the issue sets the floor bound at
TARGET_IMPORT_RATE = 1000.0
TARGET_RSS_MB = 200.0
TARGET_LAG_MS = 50.0  # worst tick
TARGET_LAG_P99_MS = 20.0  # issue 12: p99 of the ticks
TARGET_AUTOCOMPLETE_P95_MS = 10.0
TARGET_LIST_PAGE_MS = 20.0
TARGET_COLD_MS = 300.0  # issue 24: cold newsbot ask, show, list
TARGET_TAIL = 2.0  # issue 24: ask p99 <= 2 x p95
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


def _bare_executemany(records: Sequence[dict[str, str]]) -> float:
    """The anchor: raw rows into the same schema (FTS triggers included), one transaction."""
    from news.text import content_hash
    from storage.db import load_migrations

    with tempfile.TemporaryDirectory(prefix="newsbot-anchor-") as tmp:
        conn = sqlite3.connect(Path(tmp) / "anchor.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        for migration in load_migrations():
            conn.executescript(migration.sql)
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
) -> tuple[Path, dict[str, float], bool]:
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
    anchor = _bare_executemany(list(variants(corpus, min(size, args.anchor_max))))
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
    if kind == "tantivy":
        out["build_s"] = switch_index(db_path, "tantivy")
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
    try:
        for kind in args.indexes:
            if kind == "fts5":
                switch_index(db_path, "fts5")
            got["indexes"][kind] = measure_index(db_path, kind, args, rss=largest)
    finally:
        switch_index(db_path, "fts5")
    return got


# ----------------------------------------------------------------------------- report


def _ms(values: Sequence[float]) -> str:
    return " / ".join(f"{percentile(values, q):.2f}" for q in (50, 95, 99))


def report(results: list[dict[str, Any]], args: argparse.Namespace, summ: dict[str, float]) -> None:
    verdicts: list[list[object]] = []
    print_table(
        "Bulk import (NewsDesk.import_drafts as newsbot import runs it; clean+summarize+FTS5)",
        [
            "N",
            "corpus",
            "import/s",
            "anchor/s",
            "added",
            "dup",
            "failed",
            "measured",
            "Tantivy build s",
            "Tantivy MiB",
        ],
        [
            [
                r["size"],
                r["mode"],
                r["built"]["rate"],
                r["anchor"],
                int(r["built"]["added"]),
                int(r["built"]["dup"]),
                int(r["built"]["failed"]),
                "cached" if r["cached"] else "this run",
                r["indexes"].get("tantivy", {}).get("build_s", "-"),
                r["indexes"].get("tantivy", {}).get("index_bytes", 0) / 2**20,
            ]
            for r in results
        ],
        "anchor: bare executemany of the raw rows into the same schema (FTS triggers on), one"
        " transaction;\nTantivy build: `newsbot index use tantivy` on the built store (every"
        " article read back and indexed, one commit)",
    )
    rows = []
    for r in results:
        for kind, m in r["indexes"].items():
            t = m["ask"]["times"]
            p95, p99 = percentile(t, 95), percentile(t, 99)
            rows.append(
                [
                    r["size"],
                    r["mode"],
                    kind,
                    _ms(t),
                    f"{p99 / p95:.1f}x",
                    _ms(m["ask"]["bare"]),
                    f"{m['ask']['answered']}/{len(QUESTIONS)}",
                ]
            )
            verdicts.append(
                [
                    f"{kind} ask p99 <= {TARGET_TAIL:.0f} x p95",
                    f"{r['size']:,} {r['mode']}",
                    f"{p99:.1f} / {p95:.1f} ms",
                    _ok(p99 <= TARGET_TAIL * p95),
                ]
            )
            verdicts.append(
                [
                    f"{kind} ask p95 < {TARGET_ASK_P95_MS:.0f} ms",
                    f"{r['size']:,} {r['mode']}",
                    f"{p95:.1f} ms",
                    _ok(p95 < TARGET_ASK_P95_MS),
                ]
            )
    print_table(
        f"/ask latency, ms p50 / p95 / p99 ({len(QUESTIONS)} questions x {args.rounds} rounds, warm)",
        ["N", "corpus", "index", "NewsDesk.ask", "p99/p95", "bare query of that index", "answered"],
        rows,
        "bare query: FTS5 row = bm25 top-k (k = news.retrieval.POOL) of the OR query on a plain"
        " sqlite3 connection (the floor);\nTantivy row = the same OR query, top k by BM25, on the"
        " index folder (no scope, no thread hop)",
    )
    print_table(
        "Cold start, ms (median of 5 new processes; page cache warm)",
        [
            "N",
            "corpus",
            "index",
            "newsbot ask",
            "newsbot show 5",
            "newsbot list",
            "python -c 'import sqlite3'",
        ],
        [
            [
                r["size"],
                r["mode"],
                kind,
                m["cold"]["ask"],
                m["cold"]["show"],
                m["cold"]["list"],
                m["cold"]["bare"],
            ]
            for r in results
            for kind, m in r["indexes"].items()
        ],
    )
    for r in results:
        for kind, m in r["indexes"].items():
            worst = max(m["cold"]["ask"], m["cold"]["show"], m["cold"]["list"])
            verdicts.append(
                [
                    f"{kind} cold ask/show/list <= {TARGET_COLD_MS:.0f} ms",
                    f"{r['size']:,} {r['mode']}",
                    f"{worst:.0f} ms",
                    _ok(worst <= TARGET_COLD_MS),
                ]
            )
    print_table(
        "Event-loop lag, ms (5 ms ticker; 50 NewsDesk.ask at once with asyncio.gather)",
        ["N", "corpus", "index", "max", "p99", "idle max", "ticks", "gather wall ms"],
        [
            [
                r["size"],
                r["mode"],
                kind,
                m["lag"]["max"],
                m["lag"]["p99"],
                m["lag"]["idle_max"],
                int(m["lag"]["ticks"]),
                m["lag"]["wall_ms"],
            ]
            for r in results
            for kind, m in r["indexes"].items()
        ],
    )
    print_table(
        f"Browsing, ms (guild {BROWSE_GUILD} sees the global articles; median unless p50/p95)",
        [
            "N",
            "corpus",
            "autocomplete p50",
            "autocomplete p95",
            "list page 1",
            "list last page",
            "count",
            "lookup behind 20 autocompletes",
        ],
        [
            [
                r["size"],
                r["mode"],
                b["auto_p50"],
                b["auto_p95"],
                b["first_ms"],
                f"{b['deep_ms']:.1f} (p.{int(b['deep_page']):,})",
                b["count_ms"],
                b["lookup_ms"],
            ]
            for r in results
            if (b := r["browse"])
        ],
        f"autocomplete: {len(PREFIXES)} typed prefixes (hits, ids, strings no title holds) x 5;"
        "\nlookup: NewsDesk.get by id started while 20 autocompletes run at once",
    )
    for r in results:
        b = r["browse"]
        verdicts.append(
            [
                f"autocomplete p95 <= {TARGET_AUTOCOMPLETE_P95_MS:.0f} ms",
                f"{r['size']:,} {r['mode']}",
                f"{b['auto_p95']:.1f} ms",
                _ok(b["auto_p95"] <= TARGET_AUTOCOMPLETE_P95_MS),
            ]
        )
        verdicts.append(
            [
                f"import >= {TARGET_IMPORT_RATE:,.0f}/s",
                f"{r['size']:,} {r['mode']}",
                f"{r['built']['rate']:,.0f}/s",
                _ok(r["built"]["rate"] >= TARGET_IMPORT_RATE),
            ]
        )
    print_table(
        "Summarizer (news.summarize.summarize on cleaned BBC bodies)",
        ["articles", "clean ms/art", "summarize ms/art", "summarize p95 ms"],
        [[int(summ["n"]), summ["clean_mean"], summ["summ_mean"], summ["summ_p95"]]],
    )
    print_table(
        "Digest of 25 articles (bot.digest.build_digest + render_messages), median ms",
        [
            "N",
            "corpus",
            "articles",
            "build (since=None)",
            "render",
            "build (since=1 day)",
            "render",
        ],
        [
            [
                r["size"],
                r["mode"],
                int(d["articles"]),
                d["build_all"],
                d["render_all"],
                d["build_day"],
                d["render_day"],
            ]
            for r in results
            if (d := r["digest"])
        ],
    )
    print_table(
        "Database size",
        ["N", "corpus", "MiB", "bytes/article"],
        [[r["size"], r["mode"], r["bytes"] / 2**20, r["bytes"] / r["size"]] for r in results],
    )
    rss_rows = [
        [
            r["size"],
            r["mode"],
            kind,
            m["rss"]["opened_mb"],
            m["rss"]["peak_mb"],
            m["rss"]["anon_mb"],
            m["rss"]["workers_mb"],
        ]
        for r in results
        for kind, m in r["indexes"].items()
        if "rss" in m
    ]
    if rss_rows:
        print_table(
            "Memory of a bot process on the largest store (child process), MiB",
            [
                "N",
                "corpus",
                "index",
                "desk opened",
                "peak (sampled)",
                "peak anonymous",
                "child processes",
            ],
            rss_rows,
            "bot process: interpreter + bot.client + desk, 100 asks (50 at once) + a digest;"
            "\nanonymous: without the pages of mapped files (Tantivy's segments)",
        )
        for row in rss_rows:
            verdicts.append(
                [
                    f"{row[2]} peak RSS < {TARGET_RSS_MB:.0f} MB",
                    f"{row[0]:,} {row[1]}",
                    f"{row[4]:.0f} MiB",
                    _ok(row[4] < TARGET_RSS_MB),
                ]
            )
    # The issue's table: one row per size, corpus and index.
    issue = []
    for r in results:
        floor = r["indexes"].get("fts5", {}).get("ask", {}).get("bare")
        bare_t = r["indexes"].get("tantivy", {}).get("ask", {}).get("bare")
        for kind, m in r["indexes"].items():
            issue.append(
                [
                    f"{r['size']:,}",
                    r["mode"],
                    kind,
                    _ms(m["ask"]["times"]),
                    f"{percentile(floor, 95):.1f}" if floor else "-",
                    f"{percentile(bare_t, 95):.1f}" if bare_t else "-",
                    f"{m['cold']['ask']:.0f} / {m['cold']['show']:.0f} / {m['cold']['list']:.0f}",
                    f"{r['built']['rate']:,.0f}",
                    f"{r['browse']['auto_p95']:.2f} / {r['browse']['first_ms']:.2f} / {m['lag']['p99']:.1f}",
                    f"{m['rss']['peak_mb']:.0f} ({m['rss']['anon_mb']:.0f})" if "rss" in m else "-",
                ]
            )
    print_table(
        "Issue 24's table",
        [
            "N",
            "corpus",
            "index",
            "/ask p50/p95/p99 ms",
            "FTS5 floor p95",
            "bare Tantivy p95",
            "cold ask/show/list ms",
            "import/s",
            "autocomplete p95 / list page / lag p99 ms",
            "peak RSS (anonymous) MiB",
        ],
        issue,
    )
    print_table("Targets", ["target", "N", "measured", "verdict"], verdicts)


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

        with pg.server(args.database_url) as base:
            pg.report(base, sizes, corpus, args.rounds)


def db_bytes(db_path: Path) -> int:
    return sum(
        p.stat().st_size
        for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"))
        if p.exists()
    )


def _ok(flag: bool) -> str:
    return "met" if flag else "MISSED"


if __name__ == "__main__":
    main()
