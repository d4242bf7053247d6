"""The measurements the scale benchmarks share: one import, the asks, browsing, loop lag.

``bench.scale`` (SQLite, FTS5 and Tantivy) and ``bench.pg`` (PostgreSQL) run the same
functions on their stores, so a figure means the same thing on every backend. Each
opens its own ``NewsDesk`` on the store it is given and closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from bench.common import percentile

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


# ----------------------------------------------------------------------------- import


def drafts(records: Sequence[dict[str, str]]) -> list[object]:
    from bot.app.drafts import Draft

    return [
        Draft(text=r["text"], title=r["title"], url=r["url"], title_from="first_sentence")
        for r in records
    ]


async def import_store(db_path: Path | str, records: Sequence[dict[str, str]]) -> dict[str, float]:
    """Import the way ``newsbot import`` does (NewsDesk.import_drafts with a process pool
    for big imports); return counts and time, pool start-up included."""
    from bot.app.desk import NewsDesk
    from bot.app.drafts import AddResult
    from bot.app.workers import process_pool
    from bot.cli import POOL_THRESHOLD
    from news.errors import NewsError

    items = drafts(records)
    desk = await NewsDesk.open(db_path)
    counts = {"added": 0, "dup": 0, "failed": 0}

    def tally(result: AddResult | NewsError) -> None:
        if isinstance(result, NewsError):
            counts["failed"] += 1
        else:
            counts["dup" if result.duplicate else "added"] += 1

    start = time.perf_counter()
    try:
        pool = process_pool() if len(items) >= POOL_THRESHOLD else None
        with pool or contextlib.nullcontext():
            await desk.import_drafts(items, pool=pool, report=tally)  # type: ignore[arg-type]
    finally:
        await desk.close()
    seconds = time.perf_counter() - start
    return {**counts, "seconds": seconds}


# ----------------------------------------------------------------------------- ask


async def ask_latencies(
    db_path: Path | str, rounds: int, ready: Callable[[], None] | None = None
) -> tuple[list[float], int]:
    """ms of each ``/ask`` (``rounds`` times over QUESTIONS, after one warm-up pass) and
    how many questions a round answered. ``ready`` is called between the warm-up and
    the timed rounds (bench.pg lines several processes up there)."""
    from bot.app.desk import NewsDesk

    desk = await NewsDesk.open(db_path)
    times: list[float] = []
    answered = 0
    try:
        for q in QUESTIONS:  # warm the page cache and the code paths once
            await desk.ask(q)
        if ready is not None:
            ready()
        for _ in range(rounds):
            for q in QUESTIONS:
                start = time.perf_counter()
                answer = await desk.ask(q)
                times.append((time.perf_counter() - start) * 1000)
                answered += answer.answer is not None
    finally:
        await desk.close()
    return times, answered // rounds


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


async def browse(db_path: Path | str, rounds: int = 5) -> dict[str, float]:
    """Autocomplete and /article list latencies, and how long a lookup by id waits behind
    20 autocompletes at once. Works on keyset (``after``) and offset desks alike, so the
    same code measures the store before and after keyset pages."""
    import inspect

    from bot.app.desk import NewsDesk

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
            from news.domain import PageCursor

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


async def lag_during(work: object, tick: float = 0.005) -> tuple[float, float, int]:
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


async def loop_lag(db_path: Path) -> dict[str, float]:
    from bot.app.desk import NewsDesk
    from bot.client import tune_runtime

    tune_runtime()  # as run_bot does for the bot process

    desk = await NewsDesk.open(db_path)
    try:
        for q in QUESTIONS[:5]:
            await desk.ask(q)
        idle_max, idle_p99, _ = await lag_during(asyncio.sleep(1.0))
        start = time.perf_counter()
        gathered = asyncio.gather(*(desk.ask(q) for q in QUESTIONS))
        busy_max, busy_p99, ticks = await lag_during(gathered)
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
