"""Many writers and readers on one store through NewsDesk, then an audit of the store.

Writers add invented articles (about one in ten re-adds an earlier one, which must come
back as a duplicate; about one in twenty is too short, which must be refused with a
reason).  Readers ask questions, search, list and fetch articles.  :func:`audit_location`
then checks the store: every article reported stored is there with its full-text entry
and summary, every duplicate points at a stored article, and no "database is locked" or
other unexpected error was raised.  On SQLite ``PRAGMA integrity_check`` must be ok; on
PostgreSQL the GIN full-text index must find what a scan of the table finds.

Used by ``tests/storage/test_concurrency.py`` (short runs) and ``bench/load.py`` (long
runs, several processes, tables).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tests.harness.full_text import full_text

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk

Location = str | Path  # a SQLite file or a postgresql:// URL

TOWNS = ("Ardmore", "Bellhaven", "Corrin", "Dunmere", "Eastwick", "Fallow", "Glenrock")
TOPICS = (
    ("bus depot", "transport"),
    ("library extension", "culture"),
    ("flood barrier", "environment"),
    ("school kitchen", "education"),
    ("cycle lane", "transport"),
    ("market hall", "business"),
    ("swimming pool", "leisure"),
)
QUESTIONS = (
    "How many residents attended the meeting?",
    "When will work on the flood barrier begin?",
    "How much will the bus depot cost?",
    "Who approved the library extension?",
    "Which town is building a market hall?",
    "What did the council say about the cycle lane?",
)


# Writers run in this many processes by default, each with its own connection: in one
# process they share one write connection behind an asyncio lock, and SQLite never
# tells them the database is locked.
WRITER_PROCESSES = 4


def writers_in(writers: int, processes: int, process: int) -> int:
    """Process ``process``'s share of ``writers`` (the first ones take the rest)."""
    share, rest = divmod(writers, processes)
    return share + (1 if process < rest else 0)


def invented_article(writer: int, seq: int, rng: random.Random) -> tuple[str, str, str]:
    """A unique, plausible local-news article: (title, text, url)."""
    town = rng.choice(TOWNS)
    thing, desk = rng.choice(TOPICS)
    cost = rng.randint(2, 90) * 100_000
    people = rng.randint(20, 900)
    weeks = rng.randint(2, 40)
    title = f"{town} council backs {thing} plan {writer}-{seq}"
    text = (
        f"Councillors in {town} voted on Tuesday to fund a new {thing}, item {writer}-{seq} "
        f"on their agenda. The scheme is expected to cost £{cost:,}, paid from the "
        f"{desk} budget. About {people} residents attended the public meeting, and most "
        f"spoke in favour. Work should begin within {weeks} weeks, the council said.\n\n"
        f"Opponents argued the money would be better spent on road repairs. A final design "
        f"will be published for comment before building starts."
    )
    return title, text, f"https://local.example/{town.lower()}/{writer}/{seq}"


@dataclass
class LoadReport:
    adds: Counter[str] = field(default_factory=Counter)
    reads: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    add_ms: list[float] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)
    stored: dict[str, int] = field(default_factory=dict)  # url -> id reported stored
    dup_ids: set[int] = field(default_factory=set)
    audit: dict[str, object] = field(default_factory=dict)

    @property
    def locked(self) -> int:
        return sum("locked" in e for e in self.errors)

    def merge(self, other: LoadReport) -> None:
        self.adds.update(other.adds)
        self.reads.update(other.reads)
        self.errors.extend(other.errors)
        self.refusals.update(other.refusals)
        self.add_ms.extend(other.add_ms)
        self.read_ms.extend(other.read_ms)
        self.stored.update(other.stored)
        self.dup_ids |= other.dup_ids


async def _writer(
    desk: object, report: LoadReport, writer: int, running: Callable[[], bool], seed: int
) -> None:
    from news.errors import NewsError

    rng = random.Random(seed * 1000 + writer)
    mine: list[tuple[str, str, str]] = []
    seq = 0
    while running():
        roll = rng.random()
        if roll < 0.1 and mine:
            title, text, url = rng.choice(mine)
            kind = "dup"
        elif roll < 0.15:
            title, text, url = f"Short note {writer}-{seq}", "Too short.", None
            kind = "bad"
        else:
            seq += 1
            title, text, url = invented_article(writer, seq, rng)
            kind = "new"
        start = time.perf_counter()
        try:
            result = await desk.add_text(text, title=title, url=url)  # type: ignore[attr-defined]
        except NewsError as err:
            report.add_ms.append((time.perf_counter() - start) * 1000)
            reason = str(err)
            if not reason:
                report.errors.append(f"refusal without a reason ({kind})")
            report.refusals[reason] += 1
            report.adds["refused"] += 1
            if kind != "bad":
                report.errors.append(f"good article refused: {reason}")
            continue
        except Exception as err:
            report.errors.append(f"add: {type(err).__name__}: {err}")
            continue
        report.add_ms.append((time.perf_counter() - start) * 1000)
        if result.duplicate:
            report.adds["dup"] += 1
            report.dup_ids.add(result.article.id)
            if kind == "new":
                report.errors.append(f"new article reported duplicate: {url}")
        else:
            report.adds["ok"] += 1
            assert url is not None
            report.stored[url] = result.article.id
            if kind == "new":
                mine.append((title, text, url))
            else:
                report.errors.append(f"{kind} article stored as new: {url}")


async def _reader(
    desk: object, report: LoadReport, reader: int, running: Callable[[], bool], seed: int
) -> None:
    from news.errors import NewsError

    rng = random.Random(seed * 7919 + reader)
    while running():
        op = rng.choice(("ask", "ask", "search", "recent", "get"))
        start = time.perf_counter()
        try:
            if op == "ask":
                await desk.ask(rng.choice(QUESTIONS))  # type: ignore[attr-defined]
            elif op == "search":
                await desk.search(rng.choice(TOWNS) + " council", None)  # type: ignore[attr-defined]
            elif op == "recent":
                await desk.recent(None, limit=10)  # type: ignore[attr-defined]
            else:
                with contextlib.suppress(NewsError):  # not stored yet: a normal answer
                    await desk.get(rng.randint(1, 500), None)  # type: ignore[attr-defined]
        except Exception as err:
            report.errors.append(f"{op}: {type(err).__name__}: {err}")
            continue
        report.read_ms.append((time.perf_counter() - start) * 1000)
        report.reads[op] += 1
        await asyncio.sleep(0)


async def run_load(
    location: Location,
    *,
    writers: int,
    readers: int,
    seconds: float,
    seed: int = 1,
    writer_offset: int = 0,
    audit: bool = True,
    beside: Callable[[NewsDesk], Awaitable[object]] | None = None,
    report: LoadReport | None = None,
    stop: asyncio.Event | None = None,
) -> LoadReport:
    """Run writers and readers on one NewsDesk for ``seconds``; audit the store after.

    ``location``: a SQLite file or a ``postgresql://`` URL (what ``NewsDesk.open`` takes).
    ``beside``: more work on the same desk while the load runs (the digest racers).
    ``report``: filled as the load runs (a test can look at it meanwhile); ``stop``: set
    it to end the load before ``seconds``.
    """
    from bot.app.desk import NewsDesk

    report = report if report is not None else LoadReport()
    desk = await NewsDesk.open(location)
    try:
        deadline = time.monotonic() + seconds

        def running() -> bool:
            return time.monotonic() < deadline and not (stop is not None and stop.is_set())

        await asyncio.gather(
            *(_writer(desk, report, writer_offset + w, running, seed) for w in range(writers)),
            *(_reader(desk, report, r, running, seed) for r in range(readers)),
            *([beside(desk)] if beside is not None else []),
        )
    finally:
        await desk.close()
    if audit:
        await audit_location(location, report)
    return report


@dataclass
class StoreFacts:
    """What the audit reads back from a store, whichever backend holds it."""

    integrity: str  # "ok", or what the backend's own check said
    rows: dict[str, int]  # url -> id
    indexed: int  # articles the full-text index holds
    no_summary: int
    not_findable: int  # articles a full-text search for 'council' misses (every one says it)


async def audit_location(location: Location, report: LoadReport) -> None:
    """:func:`audit_store` for a SQLite file, :func:`audit_postgres` for a URL."""
    from storage.backend import is_postgres

    if is_postgres(location):
        await audit_postgres(str(location), report)
    else:
        audit_store(Path(location), report)


def audit_store(db_path: Path, report: LoadReport) -> None:
    """Check a SQLite store against what the writers were told."""
    index = full_text(Path(db_path))
    conn = sqlite3.connect(db_path)
    try:
        rows = dict(conn.execute("SELECT url, id FROM articles").fetchall())
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        facts = StoreFacts(
            integrity=integrity if index.check == "ok" else f"{integrity}; index: {index.check}",
            rows=rows,
            indexed=index.documents,
            no_summary=conn.execute(
                "SELECT count(*) FROM articles WHERE summary IS NULL OR summary = '[]'"
            ).fetchone()[0],
            not_findable=len(set(rows.values()) - index.council),
        )
    finally:
        conn.close()
    _judge(facts, report)


async def audit_postgres(url: str, report: LoadReport) -> None:
    """Check a PostgreSQL store against what the writers were told.

    PostgreSQL has no ``integrity_check``; what can go wrong for us is the full-text
    index disagreeing with the table, so the search for 'council' is run twice, once
    through the GIN index (sequential scans off) and once on the table, and must agree.
    """
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = {r["url"]: r["id"] for r in await conn.fetch("SELECT url, id FROM articles")}
        council = "SELECT count(*) FROM articles WHERE search @@ to_tsquery('english', 'council')"
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_seqscan = off")
            through_index = int(await conn.fetchval(council))
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_bitmapscan = off")
            await conn.execute("SET LOCAL enable_indexscan = off")
            on_table = int(await conn.fetchval(council))
        facts = StoreFacts(
            integrity="ok"
            if through_index == on_table
            else f"GIN index finds {through_index}, the table {on_table}",
            rows=rows,
            indexed=int(
                await conn.fetchval("SELECT count(*) FROM articles WHERE search IS NOT NULL")
            ),
            no_summary=int(
                await conn.fetchval(
                    "SELECT count(*) FROM articles WHERE summary IS NULL OR summary = '[]'"
                )
            ),
            not_findable=len(rows) - through_index,
        )
    finally:
        await conn.close()
    _judge(facts, report)


def _judge(facts: StoreFacts, report: LoadReport) -> None:
    rows, articles = facts.rows, len(facts.rows)
    ids = set(rows.values())
    lost = [url for url, i in report.stored.items() if rows.get(url) != i]
    dangling = sorted(report.dup_ids - ids)
    report.audit = {
        "integrity": facts.integrity,
        "articles": articles,
        "fts rows": facts.indexed,
        "reported stored": len(report.stored),
        "lost": len(lost),
        "dup -> missing": len(dangling),
        "no summary": facts.no_summary,
        "not findable": facts.not_findable,
    }
    if facts.integrity != "ok":
        report.errors.append(f"integrity: {facts.integrity}")
    if lost:
        report.errors.append(f"{len(lost)} articles reported stored are missing, e.g. {lost[0]}")
    if dangling:
        report.errors.append(f"duplicates point at missing articles {dangling[:5]}")
    if articles != facts.indexed:
        report.errors.append(f"{articles} articles but {facts.indexed} full-text rows")
    if articles != len(report.stored):
        report.errors.append(f"{articles} articles stored but {len(report.stored)} reported")
    if facts.no_summary:
        report.errors.append(f"{facts.no_summary} articles without a summary")
    if facts.not_findable:
        report.errors.append(f"{facts.not_findable} articles not found by a search for 'council'")
