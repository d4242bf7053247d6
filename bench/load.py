"""Load test: many writers and readers on one store through NewsDesk, then an audit.

Run as ``.venv/bin/python -m bench.load [--writers 20] [--readers 50] [--seconds 30]``.

Writers add invented articles (about one in ten re-adds an earlier one, which must come
back as a duplicate; about one in twenty is too short, which must be refused with a
reason).  Readers ask questions, search, list and fetch articles.  Afterwards the
store is audited: every article reported stored is there with its FTS entry and
summary, every duplicate points at a stored article, no SQLite "database is locked"
or other unexpected error was raised, and ``PRAGMA integrity_check`` is ok.
``--processes N`` adds N-1 writer processes with their own NewsDesk on the same file
(the CLI importing while the bot runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import random
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import machine, percentile, print_table

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


async def _writer(desk: object, report: LoadReport, writer: int, stop: float, seed: int) -> None:
    from news.errors import NewsError

    rng = random.Random(seed * 1000 + writer)
    mine: list[tuple[str, str, str]] = []
    seq = 0
    while time.monotonic() < stop:
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


async def _reader(desk: object, report: LoadReport, reader: int, stop: float, seed: int) -> None:
    from news.errors import NewsError

    rng = random.Random(seed * 7919 + reader)
    while time.monotonic() < stop:
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
    db_path: Path,
    *,
    writers: int,
    readers: int,
    seconds: float,
    seed: int = 1,
    writer_offset: int = 0,
    audit: bool = True,
) -> LoadReport:
    """Run writers and readers on one NewsDesk for ``seconds``; audit the store after."""
    from bot.desk import NewsDesk

    report = LoadReport()
    desk = await NewsDesk.open(db_path)
    try:
        stop = time.monotonic() + seconds
        await asyncio.gather(
            *(_writer(desk, report, writer_offset + w, stop, seed) for w in range(writers)),
            *(_reader(desk, report, r, stop, seed) for r in range(readers)),
        )
    finally:
        await desk.close()
    if audit:
        audit_store(db_path, report)
    return report


def audit_store(db_path: Path, report: LoadReport) -> None:
    """Check the store against what the writers were told."""
    conn = sqlite3.connect(db_path)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = dict(conn.execute("SELECT url, id FROM articles").fetchall())
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        fts = conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
        no_summary = conn.execute(
            "SELECT count(*) FROM articles WHERE summary IS NULL OR summary = '[]'"
        ).fetchone()[0]
        unindexed = conn.execute(
            "SELECT count(*) FROM articles WHERE id NOT IN"
            " (SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'council')"
        ).fetchone()[0]
        ids = {i for (i,) in conn.execute("SELECT id FROM articles")}
    finally:
        conn.close()
    lost = [url for url, i in report.stored.items() if rows.get(url) != i]
    dangling = sorted(report.dup_ids - ids)
    report.audit = {
        "integrity": integrity,
        "articles": articles,
        "fts rows": fts,
        "reported stored": len(report.stored),
        "lost": len(lost),
        "dup -> missing": len(dangling),
        "no summary": no_summary,
        "not findable": unindexed,
    }
    if integrity != "ok":
        report.errors.append(f"integrity_check: {integrity}")
    if lost:
        report.errors.append(f"{len(lost)} articles reported stored are missing, e.g. {lost[0]}")
    if dangling:
        report.errors.append(f"duplicates point at missing articles {dangling[:5]}")
    if articles != fts:
        report.errors.append(f"{articles} articles but {fts} FTS rows")
    if articles != len(report.stored):
        report.errors.append(f"{articles} articles stored but {len(report.stored)} reported")
    if no_summary:
        report.errors.append(f"{no_summary} articles without a summary")
    if unindexed:
        report.errors.append(f"{unindexed} articles not found by a search for 'council'")


def _process_main(db_path: str, writers: int, seconds: float, seed: int, offset: int) -> dict:
    report = asyncio.run(
        run_load(
            Path(db_path),
            writers=writers,
            readers=0,
            seconds=seconds,
            seed=seed,
            writer_offset=offset,
            audit=False,
        )
    )
    return {
        "adds": dict(report.adds),
        "errors": report.errors,
        "refusals": dict(report.refusals),
        "add_ms": report.add_ms,
        "stored": report.stored,
        "dup_ids": sorted(report.dup_ids),
    }


async def _main_async(args: argparse.Namespace, db_path: Path) -> LoadReport:
    loop = asyncio.get_running_loop()
    extra = max(0, args.processes - 1)
    ctx = multiprocessing.get_context("spawn")
    from concurrent.futures import ProcessPoolExecutor

    from bot.desk import NewsDesk

    await (await NewsDesk.open(db_path)).close()  # migrate once before the others start
    with ProcessPoolExecutor(max(1, extra), mp_context=ctx) as pool:
        others = [
            loop.run_in_executor(
                pool,
                _process_main,
                str(db_path),
                args.writers,
                args.seconds,
                args.seed,
                (p + 1) * 1000,
            )
            for p in range(extra)
        ]
        report = await run_load(
            db_path,
            writers=args.writers,
            readers=args.readers,
            seconds=args.seconds,
            seed=args.seed,
            audit=False,
        )
        for part in await asyncio.gather(*others):
            other = LoadReport(
                adds=Counter(part["adds"]),
                errors=part["errors"],
                refusals=Counter(part["refusals"]),
                add_ms=part["add_ms"],
                stored=part["stored"],
                dup_ids=set(part["dup_ids"]),
            )
            report.merge(other)
    audit_store(db_path, report)
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=1, help="writer processes in all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="store to use (default: a fresh temp file)")
    args = parser.parse_args(argv)

    print_table("Machine", ["item", "value"], machine())
    with tempfile.TemporaryDirectory(prefix="newsbot-load-") as tmp:
        db_path = args.db or Path(tmp) / "load.db"
        start = time.perf_counter()
        report = asyncio.run(_main_async(args, db_path))
        wall = time.perf_counter() - start

    adds = report.adds
    print_table(
        f"Load: {args.writers} writers x {args.processes} process(es), {args.readers} readers,"
        f" {args.seconds:g} s (wall {wall:.1f} s)",
        [
            "adds ok",
            "dup",
            "refused",
            "adds/s",
            "add p95 ms",
            "reads",
            "reads/s",
            "read p95 ms",
            "errors",
            "locked",
        ],
        [
            [
                adds["ok"],
                adds["dup"],
                adds["refused"],
                sum(adds.values()) / args.seconds,
                percentile(report.add_ms, 95),
                sum(report.reads.values()),
                sum(report.reads.values()) / args.seconds,
                percentile(report.read_ms, 95),
                len(report.errors),
                report.locked,
            ]
        ],
    )
    print_table(
        "Reads by kind", ["op", "count"], sorted(report.reads.items(), key=lambda kv: kv[0])
    )
    print_table("Refusal reasons", ["reason", "count"], report.refusals.most_common())
    print_table("Audit", ["check", "value"], list(report.audit.items()))
    if report.errors:
        print_table("Errors (first 10)", ["error"], [[e] for e in report.errors[:10]])
        raise SystemExit(1)
    print("\nno errors: every add was stored, reported as a duplicate, or refused with a reason")


if __name__ == "__main__":
    main()
