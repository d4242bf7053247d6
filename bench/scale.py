"""Scale benchmark: import, ask, summarize, digest, memory, loop lag and cold start.

Run as ``.venv/bin/python -m bench.scale [--sizes 1000,10000,100000] [--shared DIR]``.

For each size N a store of N distinct articles is built from the BBC corpus (copies
carry a marker so they do not deduplicate) through ``NewsDesk.import_drafts`` in batches
of ``bot.desk.IMPORT_BATCH``, the path ``newsbot import`` takes: cleaning, summarizing,
dedupe and FTS indexing included.  Built stores are cached in ``bench/.cache/`` with
the import rate measured when they were built (``--rebuild`` builds again).  Every
figure is printed beside an anchor measured in the same run:

* import rate            vs a bare ``executemany`` of the raw rows into the same schema
* ``NewsDesk.ask`` p50/95/99 vs the bare FTS5 bm25 top-k query with the same terms
* ``newsbot ask`` cold start vs the bare interpreter start
* loop lag with 50 concurrent asks vs the lag of an idle loop

Peak RSS is measured in a child process that opens the desk on the largest store,
runs every question and builds a digest.
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

from bench.common import (
    CACHE,
    DEFAULT_SHARED,
    load_corpus,
    machine,
    percentile,
    print_table,
    variants,
)

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SEED = 20250101

# Fifty questions about the kind of stories the corpus holds (business, politics,
# sport, technology, entertainment in 2004-2005), written for this benchmark.
QUESTIONS: tuple[str, ...] = (
    "How much profit did the media group report for the last quarter?",
    "Which airline plans a share listing in London?",
    "Where will the carmaker build its new factory in India?",
    "How many years have mobile phones been in use?",
    "Which MPs criticised the government's housing plans?",
    "What did the prime minister say about talks between Turkey and the EU?",
    "Who was involved in a fight on stage at the rock concert?",
    "Why are camera phones so popular with buyers?",
    "How has broadband changed the way people express themselves online?",
    "What happened to the Commodore computer brand?",
    "Which radio station will the Manic Street Preachers take charge of?",
    "What do the Liberal Democrats want to do about stamp duty?",
    "Which Elvis single is expected to top the UK chart?",
    "Why will the Cell processor be hard to sell?",
    "Which player was ruled out of the Six Nations?",
    "How much compensation will split capital trusts pay investors?",
    "How did car sales affect US retail figures?",
    "What is the drug company doing to stop profiteering on Aids medicine?",
    "How large was the record profit at Qantas?",
    "How are Gurkha soldiers helping tsunami victims?",
    "How much was Monsanto fined for bribery?",
    "What limit on Islamic banks did Malaysia lift?",
    "How was Hotel Rwanda received at the Berlin film festival?",
    "Which library is getting a wireless network?",
    "Who beat Agassi in San Jose?",
    "How many film awards is the wine comedy nominated for?",
    "Which club did Candela join?",
    "When will Llewellyn retire from Welsh rugby?",
    "How fast is broadband growing in the UK?",
    "Who scored for Arsenal in the rescue win?",
    "How do podcasters hope to make money?",
    "Which word was chosen as word of the year?",
    "How much did Chinese exports rise in 2004?",
    "Which firm bought the Lacroix fashion label?",
    "How did Asian share markets react after the earthquake?",
    "How much did Ericsson's earnings improve?",
    "What problems will the new games consoles bring?",
    "Who is the new chief executive of the bank?",
    "How many people lost their jobs when the factory closed?",
    "What did the chancellor announce in the budget?",
    "How much did oil prices rise this week?",
    "Which film won the best picture Oscar?",
    "What did the Conservatives promise on immigration?",
    "How many copies did the Band Aid single sell in its first week?",
    "Who won the Australian Open women's title?",
    "What is the government's plan for identity cards?",
    "How many spam emails are sent every day?",
    "Which country hosts the next Olympic Games?",
    "How much did house prices fall last month?",
    "Why did the dollar fall against the euro?",
)

TARGET_ASK_P95_MS = 50.0
TARGET_ASK_VS_FLOOR = 3.0
FLOOR_BOUND_FROM = 100_000  # the size the issue sets the floor bound at
TARGET_IMPORT_RATE = 1000.0
TARGET_RSS_MB = 200.0
TARGET_LAG_MS = 50.0  # worst tick
TARGET_LAG_P99_MS = 20.0  # issue 12: p99 of the ticks


# ----------------------------------------------------------------------------- import


def _drafts(records: Sequence[dict[str, str]]) -> list[object]:
    from bot.desk import Draft

    return [
        Draft(text=r["text"], title=r["title"], url=r["url"], title_from="first_sentence")
        for r in records
    ]


async def _import(db_path: Path | str, records: Sequence[dict[str, str]]) -> dict[str, float]:
    """Import the way ``newsbot import`` does (NewsDesk.import_drafts with a process pool
    for big imports); return counts and time, pool start-up included."""
    from bot.cli import POOL_THRESHOLD
    from bot.desk import AddResult, NewsDesk, process_pool
    from news.errors import NewsError

    drafts = _drafts(records)
    desk = await NewsDesk.open(db_path)
    counts = {"added": 0, "dup": 0, "failed": 0}

    def tally(result: AddResult | NewsError) -> None:
        if isinstance(result, NewsError):
            counts["failed"] += 1
        else:
            counts["dup" if result.duplicate else "added"] += 1

    start = time.perf_counter()
    try:
        pool = process_pool() if len(drafts) >= POOL_THRESHOLD else None
        with pool or contextlib.nullcontext():
            await desk.import_drafts(drafts, pool=pool, report=tally)  # type: ignore[arg-type]
    finally:
        await desk.close()
    seconds = time.perf_counter() - start
    return {**counts, "seconds": seconds}


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
    size: int, corpus: Sequence[dict[str, str]], *, rebuild: bool
) -> tuple[Path, dict[str, float], bool]:
    """The cached store of ``size`` articles and its import figures (built if needed)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    db_path = CACHE / f"scale-v2-{size}.db"
    meta_path = CACHE / f"scale-v2-{size}.json"
    if not rebuild and db_path.exists() and meta_path.exists():
        return db_path, json.loads(meta_path.read_text()), True
    for stale in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), meta_path):
        stale.unlink(missing_ok=True)
    records = list(variants(corpus, size))
    print(f"building {size:,}-article store in {db_path} ...", file=sys.stderr, flush=True)
    result = asyncio.run(_import(db_path, records))
    result["rate"] = size / result["seconds"]
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    meta_path.write_text(json.dumps(result))
    return db_path, result, False


# ----------------------------------------------------------------------------- ask


async def _ask_latencies(db_path: Path | str, rounds: int) -> tuple[list[float], int]:
    from bot.desk import NewsDesk

    desk = await NewsDesk.open(db_path)
    times: list[float] = []
    answered = 0
    try:
        for q in QUESTIONS:  # warm the page cache and the code paths once
            await desk.ask(q)
        for _ in range(rounds):
            for q in QUESTIONS:
                start = time.perf_counter()
                answer = await desk.ask(q)
                times.append((time.perf_counter() - start) * 1000)
                answered += answer.answer is not None
    finally:
        await desk.close()
    return times, answered // rounds


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


# ----------------------------------------------------------------------------- browsing

BROWSE_GUILD = 42  # a server with no articles of its own: it sees the global ones
# What members type into an article option: word starts, whole words, an id, strings no
# title holds (the worst case: nothing stops the scan early), and nothing at all.
PREFIXES = (
    "",
    "s",
    "uk",
    "go",
    "sal",
    "mob",
    "film",
    "profit",
    "record",
    "12",
    "4711",
    "qzx",
    "xylophone",
    "zzz top",
    "economy grows",
    "Ö",
)
TARGET_AUTOCOMPLETE_P95_MS = 10.0
TARGET_LIST_PAGE_MS = 20.0


async def _browse(db_path: Path | str, rounds: int = 5) -> dict[str, float]:
    """Autocomplete and /article list latencies, and how long a lookup by id waits behind
    20 autocompletes at once. Works on keyset (``after``) and offset desks alike, so the
    same code measures the store before and after keyset pages."""
    import inspect

    from bot.desk import NewsDesk

    page_size = 10  # bot.render.PAGE_SIZE
    desk = await NewsDesk.open(db_path)
    try:
        keyset = "after" in inspect.signature(desk.recent).parameters
        total = await desk.count(BROWSE_GUILD)
        last_page = max((total - 1) // page_size, 0)

        async def page(n: int) -> list[object]:
            if not keyset:
                return await desk.recent(BROWSE_GUILD, limit=page_size, offset=n * page_size)  # type: ignore[call-arg]
            return await desk.recent(BROWSE_GUILD, limit=page_size, after=cursors[n])

        cursors: dict[int, object] = {0: None}
        if keyset and last_page:  # the cursor a member holds on the last page
            from storage.articles import PageCursor

            # Through the store's own connection, so either backend answers.
            row = await desk.store.db.fetchone(  # type: ignore[attr-defined]
                "SELECT added_at, id FROM articles WHERE guild_id IS NULL OR guild_id = ?"
                " ORDER BY added_at DESC, id DESC LIMIT 1 OFFSET ?",
                (BROWSE_GUILD, last_page * page_size - 1),
            )
            cursors[last_page] = PageCursor(datetime.fromisoformat(row[0]), row[1])

        auto: list[float] = []
        first: list[float] = []
        deep: list[float] = []
        counts: list[float] = []
        for prefix in PREFIXES:  # warm
            await desk.autocomplete(BROWSE_GUILD, prefix)
        for _ in range(rounds):
            for prefix in PREFIXES:
                start = time.perf_counter()
                await desk.autocomplete(BROWSE_GUILD, prefix)
                auto.append((time.perf_counter() - start) * 1000)
            for n, out in ((0, first), (last_page, deep)):
                start = time.perf_counter()
                await page(n)
                out.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await desk.count(BROWSE_GUILD)
            counts.append((time.perf_counter() - start) * 1000)

        some_id = (await desk.recent(BROWSE_GUILD, limit=1))[0].id
        waits: list[float] = []
        for _ in range(rounds):
            flood = [
                asyncio.create_task(desk.autocomplete(BROWSE_GUILD, PREFIXES[-4 + i % 4]))
                for i in range(20)
            ]
            await asyncio.sleep(0)
            start = time.perf_counter()
            await desk.get(some_id, BROWSE_GUILD)
            waits.append((time.perf_counter() - start) * 1000)
            await asyncio.gather(*flood)
    finally:
        await desk.close()
    return {
        "auto_p50": percentile(auto, 50),
        "auto_p95": percentile(auto, 95),
        "auto_max": max(auto),
        "first_ms": statistics.median(first),
        "deep_ms": statistics.median(deep),
        "deep_max": max(deep),
        "deep_page": last_page + 1,
        "count_ms": statistics.median(counts),
        "lookup_ms": statistics.median(waits),
        "lookup_max": max(waits),
        "keyset": float(keyset),
    }


# ----------------------------------------------------------------------------- loop lag


async def _lag_during(work: object, tick: float = 0.005) -> tuple[float, float, int]:
    """Worst and p99 lag (ms) of a 5 ms ticker while ``work`` (an awaitable) runs."""
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(tick)
            lags.append(max(0.0, (time.perf_counter() - start - tick) * 1000))

    task = asyncio.create_task(ticker())
    try:
        await work  # type: ignore[misc]
    finally:
        done.set()
        await task
    return max(lags, default=0.0), percentile(lags, 99), len(lags)


async def _loop_lag(db_path: Path) -> dict[str, float]:
    from bot.client import tune_runtime
    from bot.desk import NewsDesk

    tune_runtime()  # as run_bot does for the bot process

    desk = await NewsDesk.open(db_path)
    try:
        for q in QUESTIONS[:5]:
            await desk.ask(q)
        idle_max, idle_p99, _ = await _lag_during(asyncio.sleep(1.0))
        start = time.perf_counter()
        gathered = asyncio.gather(*(desk.ask(q) for q in QUESTIONS))
        busy_max, busy_p99, ticks = await _lag_during(gathered)
        wall = time.perf_counter() - start
    finally:
        await desk.close()
    return {
        "idle_max": idle_max,
        "idle_p99": idle_p99,
        "max": busy_max,
        "p99": busy_p99,
        "ticks": ticks,
        "wall_ms": wall * 1000,
    }


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
    from bot.desk import NewsDesk

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
    peaks = {"self": 0, "workers": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peaks["self"] = max(peaks["self"], process.memory_info().rss)
            total = 0
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            peaks["workers"] = max(peaks["workers"], total)
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    async def run() -> int:
        from bot.desk import NewsDesk

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


def cold_start(db_path: Path) -> tuple[float, float]:
    newsbot = VENV_BIN / "newsbot"
    cmd = (
        [str(newsbot)]
        if newsbot.exists()
        else [sys.executable, "-m", "bot.cli"]  # pragma: no cover
    )
    answer = _median_run([*cmd, "--db", str(db_path), "ask", QUESTIONS[0]])
    bare = _median_run([sys.executable, "-c", "import sqlite3"])
    return answer, bare


# ----------------------------------------------------------------------------- main


def db_bytes(db_path: Path) -> int:
    return sum(
        p.stat().st_size
        for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"))
        if p.exists()
    )


def _ok(flag: bool) -> str:
    return "met" if flag else "MISSED"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--rounds", type=int, default=3, help="ask rounds over the questions")
    parser.add_argument("--rebuild", action="store_true", help="ignore cached stores")
    parser.add_argument("--anchor-max", type=int, default=100_000, help="cap the anchor's N")
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
    with contextlib.ExitStack() as stack:
        pg_base = None
        if args.backend == "postgres":
            from bench import pg

            pg_base = stack.enter_context(pg.server(args.database_url))
        _run(args, pg_base)


def _run(args: argparse.Namespace, pg_base: str | None) -> None:
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    corpus = load_corpus(args.shared)
    print_table("Machine", ["item", "value"], machine())

    imports: list[list[object]] = []
    asks: list[list[object]] = []
    storage: list[list[object]] = []
    lags: list[list[object]] = []
    colds: list[list[object]] = []
    digests: list[list[object]] = []
    browsing: list[list[object]] = []
    verdicts: list[list[object]] = []
    backends: list[list[object]] = []
    largest: Path | None = None
    for size in sizes:
        db_path, built, cached = build_store(size, corpus, rebuild=args.rebuild)
        largest = db_path
        anchor_n = min(size, args.anchor_max)
        anchor = _bare_executemany(list(variants(corpus, anchor_n)))
        imports.append(
            [
                size,
                built["rate"],
                anchor,
                f"{anchor / built['rate']:.1f}x",
                int(built["added"]),
                int(built["dup"]),
                int(built["failed"]),
                "cached" if cached else "this run",
            ]
        )
        verdicts.append(
            [
                f"import >= {TARGET_IMPORT_RATE:,.0f}/s",
                size,
                f"{built['rate']:,.0f}/s",
                _ok(built["rate"] >= TARGET_IMPORT_RATE),
            ]
        )

        times, answered = asyncio.run(_ask_latencies(db_path, args.rounds))
        floor = _floor_latencies(db_path, args.rounds)
        p95, fp95 = percentile(times, 95), percentile(floor, 95)
        asks.append(
            [
                size,
                percentile(times, 50),
                p95,
                percentile(times, 99),
                percentile(floor, 50),
                fp95,
                percentile(floor, 99),
                f"{p95 / fp95:.1f}x" if fp95 else "-",
                f"{answered}/{len(QUESTIONS)}",
            ]
        )
        # The issue sets the 3x-floor bound at 100k; on small stores the bare query
        # takes a millisecond or two, so there the ratio says little and is shown only.
        vs_floor = size >= FLOOR_BOUND_FROM
        verdicts.append(
            [
                f"ask p95 < {TARGET_ASK_P95_MS:.0f} ms"
                + (f" and <= {TARGET_ASK_VS_FLOOR:.0f}x floor" if vs_floor else ""),
                size,
                f"{p95:.1f} ms, {p95 / fp95:.1f}x" if fp95 else f"{p95:.1f} ms",
                _ok(
                    p95 < TARGET_ASK_P95_MS and (not vs_floor or p95 <= TARGET_ASK_VS_FLOOR * fp95)
                ),
            ]
        )

        nbytes = db_bytes(db_path)
        storage.append([size, nbytes / 2**20, nbytes / size])

        lag = asyncio.run(_loop_lag(db_path))
        lags.append(
            [size, lag["max"], lag["p99"], lag["idle_max"], int(lag["ticks"]), lag["wall_ms"]]
        )
        verdicts.append(
            [
                f"loop lag < {TARGET_LAG_MS:.0f} ms (50 asks)",
                size,
                f"{lag['max']:.1f} ms",
                _ok(lag["max"] < TARGET_LAG_MS),
            ]
        )
        verdicts.append(
            [
                f"loop lag p99 <= {TARGET_LAG_P99_MS:.0f} ms (50 asks)",
                size,
                f"{lag['p99']:.1f} ms",
                _ok(lag["p99"] <= TARGET_LAG_P99_MS),
            ]
        )

        dig = asyncio.run(_digest_times(db_path))
        if dig is None:
            digests.append([size, "pending", "", "", "", ""])
        else:
            digests.append(
                [
                    size,
                    int(dig["articles"]),
                    dig["build_all"],
                    dig["render_all"],
                    dig["build_day"],
                    dig["render_day"],
                ]
            )

        browse = asyncio.run(_browse(db_path))
        browsing.append(
            [
                size,
                browse["auto_p50"],
                browse["auto_p95"],
                browse["first_ms"],
                f"{browse['deep_ms']:.1f} (p.{int(browse['deep_page']):,})",
                browse["count_ms"],
                browse["lookup_ms"],
            ]
        )
        verdicts.append(
            [
                f"autocomplete p95 <= {TARGET_AUTOCOMPLETE_P95_MS:.0f} ms",
                size,
                f"{browse['auto_p95']:.1f} ms",
                _ok(browse["auto_p95"] <= TARGET_AUTOCOMPLETE_P95_MS),
            ]
        )
        worst_page = max(browse["first_ms"], browse["deep_max"])
        verdicts.append(
            [
                f"any list page <= {TARGET_LIST_PAGE_MS:.0f} ms",
                size,
                f"{worst_page:.1f} ms",
                _ok(worst_page <= TARGET_LIST_PAGE_MS),
            ]
        )

        answer_ms, bare_ms = cold_start(db_path)
        colds.append([size, answer_ms, bare_ms])

        backends.append(
            [
                size,
                "SQLite",
                built["rate"],
                percentile(times, 50),
                p95,
                browse["auto_p95"],
                browse["first_ms"],
                browse["deep_ms"],
                nbytes / 2**20,
                nbytes / 2**20,
                f"{answered}/{len(QUESTIONS)}",
            ]
        )
        if pg_base is not None:
            from bench import pg

            print(f"PostgreSQL: importing {size:,} articles ...", file=sys.stderr, flush=True)
            got = pg.measure(pg_base, size, corpus, args.rounds)
            backends.append(
                [
                    size,
                    "PostgreSQL",
                    got["rate"],
                    got["ask_p50"],
                    got["ask_p95"],
                    got["auto_p95"],
                    got["first_ms"],
                    got["deep_ms"],
                    got["bytes"] / 2**20,
                    got["articles_bytes"] / 2**20,
                    f"{int(got['answered'])}/{len(QUESTIONS)}",
                ]
            )
            verdicts.append(
                [
                    f"PostgreSQL ask p95 < {TARGET_ASK_P95_MS:.0f} ms",
                    size,
                    f"{got['ask_p95']:.1f} ms",
                    _ok(got["ask_p95"] < TARGET_ASK_P95_MS),
                ]
            )
            verdicts.append(
                [
                    f"PostgreSQL autocomplete p95 <= {TARGET_AUTOCOMPLETE_P95_MS:.0f} ms",
                    size,
                    f"{got['auto_p95']:.1f} ms",
                    _ok(got["auto_p95"] <= TARGET_AUTOCOMPLETE_P95_MS),
                ]
            )

    summ = _summary_times(corpus)

    print_table(
        "Bulk import (NewsDesk.import_drafts as newsbot import runs it; clean+summarize+index)",
        ["N", "import/s", "anchor/s", "anchor/import", "added", "dup", "failed", "measured"],
        imports,
        "anchor: bare executemany of the raw rows into the same schema (FTS triggers on),"
        " one transaction",
    )
    print_table(
        f"Ask latency, ms ({len(QUESTIONS)} questions x {args.rounds} rounds, warm)",
        [
            "N",
            "ask p50",
            "ask p95",
            "ask p99",
            "floor p50",
            "floor p95",
            "floor p99",
            "p95/floor",
            "answered",
        ],
        asks,
        "floor: bare FTS5 bm25 top-k (k = news.retrieval.POOL) with the same terms, plain sqlite3",
    )
    print_table(
        "Summarizer (news.summarize.summarize on cleaned BBC bodies)",
        ["articles", "clean ms/art", "summarize ms/art", "summarize p95 ms"],
        [[int(summ["n"]), summ["clean_mean"], summ["summ_mean"], summ["summ_p95"]]],
    )
    print_table(
        "Digest of 25 articles (bot.digest.build_digest + render_messages), median ms",
        ["N", "articles", "build (since=None)", "render", "build (since=1 day)", "render"],
        digests,
    )
    print_table(
        f"Browsing, ms (guild {BROWSE_GUILD} sees the global articles; median unless p50/p95)",
        [
            "N",
            "autocomplete p50",
            "autocomplete p95",
            "list page 1",
            "list last page",
            "count",
            "lookup behind 20 autocompletes",
        ],
        browsing,
        f"autocomplete: {len(PREFIXES)} typed prefixes (hits, ids, strings no title holds) x 5;"
        "\nlookup: NewsDesk.get by id started while 20 autocompletes run at once",
    )
    print_table("Database size", ["N", "MiB", "bytes/article"], storage)
    if pg_base is not None:
        from bench import pg

        empty = asyncio.run(pg.empty_bytes(pg_base)) / 2**20
        print_table(
            "SQLite and PostgreSQL side by side (the same articles, questions and prefixes)",
            [
                "N",
                "backend",
                "import/s",
                "ask p50",
                "ask p95",
                "autocomplete p95",
                "list page 1",
                "list last page",
                "DB MiB",
                "articles MiB",
                "answered",
            ],
            backends,
            "ms unless named; PostgreSQL: a new database on the same machine, VACUUM ANALYZE"
            " after the import;\nDB MiB: the file (WAL included) / pg_database_size"
            f" (a new migrated database is {empty:.1f} MiB); articles MiB:"
            " pg_total_relation_size('articles')",
        )
    print_table(
        "Event-loop lag, ms (5 ms ticker; 50 NewsDesk.ask at once with asyncio.gather)",
        ["N", "max", "p99", "idle max", "ticks", "gather wall ms"],
        lags,
    )
    print_table(
        "Cold start, ms (median of 5)",
        ["N", "newsbot --db X ask", "python -c 'import sqlite3'"],
        colds,
    )
    if largest is not None:
        rss = peak_rss(largest)
        size = sizes[-1]
        print_table(
            f"Memory of a bot process on the {size:,}-article store (child process)",
            ["interpreter", "desk opened", "peak (sampled)", "ru_maxrss", "child processes"],
            [
                [
                    rss["start_mb"],
                    rss["opened_mb"],
                    rss["peak_mb"],
                    rss["maxrss_mb"],
                    rss["workers_mb"],
                ]
            ],
            "MiB. bot process: interpreter + bot.client + desk, 100 asks (50 at once) + a digest;"
            "\nru_maxrss is inherited across fork+exec from this (large) bench process on Linux:"
            " the sampled peak is the bot's own;"
            "\nchild processes: peak sum of any the bot started (expected 0)",
        )
        verdicts.append(
            [
                f"peak RSS < {TARGET_RSS_MB:.0f} MB",
                size,
                f"{rss['peak_mb']:.0f} MiB",
                _ok(rss["peak_mb"] < TARGET_RSS_MB),
            ]
        )
    print_table("Targets", ["target", "N", "measured", "verdict"], verdicts)


if __name__ == "__main__":
    main()
