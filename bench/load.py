"""Load test: many writers and readers on one store through NewsDesk, then an audit.

Run as ``.venv/bin/python -m bench.load [--writers 20] [--readers 50] [--seconds 30]``
(SQLite), or with ``--backend postgres --database-url postgresql://...`` (a fresh
database is made on that server for the run and dropped after it).

Writers add invented articles (about one in ten re-adds an earlier one, which must come
back as a duplicate; about one in twenty is too short, which must be refused with a
reason).  Readers ask questions, search, list and fetch articles.  Afterwards the
store is audited: every article reported stored is there with its full-text entry and
summary, every duplicate points at a stored article, no "database is locked" or other
unexpected error was raised, and the backend's own check passes (SQLite
``PRAGMA integrity_check``; on PostgreSQL the GIN index finds what the table holds).
The writers are split across ``--processes`` processes (4 by default), each with its own
NewsDesk and so its own write connection on the same store (the CLI importing while the
bot runs, or several bot processes on one PostgreSQL): in one process the writers share
one connection behind an asyncio lock, and "0 database is locked" could not fail.
``--processes 1`` is that single process.
Meanwhile every process races to post the same digest slots for ``--digest-guilds``
guilds through the bot's SlotRunner; each (guild, slot) must be posted exactly once.
The writers, readers, racers and audits are in ``tests/harness/``, shared with the tests;
this file runs them and prints tables.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import machine, percentile, print_table
from tests.harness.digest_race import (
    RaceReport,
    audit_race,
    first_race_day,
    race_digests,
    race_slots,
    set_race_schedules,
)
from tests.harness.load import (
    WRITER_PROCESSES,
    LoadReport,
    Location,
    audit_location,
    run_load,
    writers_in,
)

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk

RACE_GUILD_BASE = 7_000


def _race_plan(args: argparse.Namespace, first: date) -> tuple[list[int], list[datetime]]:
    guilds = [RACE_GUILD_BASE + g for g in range(args.digest_guilds)]
    return guilds, race_slots(first, args.digest_slots if guilds else 0)


async def _load_and_race(
    location: Location,
    args: argparse.Namespace,
    first: date,
    until: float,
    *,
    readers: int,
    process: int,
) -> tuple[LoadReport, RaceReport]:
    guilds, slots = _race_plan(args, first)
    race = RaceReport()

    async def racers(desk: NewsDesk) -> None:
        race.merge(
            await race_digests(
                desk,
                guilds,
                slots,
                racers=args.digest_racers,
                seed=args.seed * 31 + process,
                until=until,
            )
        )

    load = await run_load(
        location,
        writers=writers_in(args.writers, args.processes, process),
        readers=readers,
        seconds=args.seconds,
        seed=args.seed,
        writer_offset=process * 1000,
        audit=False,
        beside=racers,
    )
    return load, race


def _process_main(
    location: str, args: argparse.Namespace, first: date, until: float, process: int
) -> dict[str, Any]:
    report, race = asyncio.run(
        _load_and_race(location, args, first, until, readers=0, process=process)
    )
    return {
        "adds": dict(report.adds),
        "errors": report.errors,
        "refusals": dict(report.refusals),
        "add_ms": report.add_ms,
        "stored": report.stored,
        "dup_ids": sorted(report.dup_ids),
        "race": race.to_dict(),
    }


async def _main_async(
    args: argparse.Namespace, location: Location
) -> tuple[LoadReport, RaceReport, dict[str, object]]:
    from bot.app.desk import NewsDesk

    loop = asyncio.get_running_loop()
    extra = max(0, args.processes - 1)
    first = first_race_day()
    guilds, slots = _race_plan(args, first)
    desk = await NewsDesk.open(location)  # migrate once before the others start
    try:
        await set_race_schedules(desk, guilds)
    finally:
        await desk.close()
    # The racers take up no new slot once the writers are about to stop (wall clock, the
    # same in every process): every slot they reach has new articles to post.
    until = time.time() + args.seconds * 0.9
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max(1, extra), mp_context=ctx) as pool:
        others = [
            loop.run_in_executor(
                pool, partial(_process_main, str(location), args, first, until, p + 1)
            )
            for p in range(extra)
        ]
        report, race = await _load_and_race(
            location, args, first, until, readers=args.readers, process=0
        )
        for part in await asyncio.gather(*others):
            report.merge(
                LoadReport(
                    adds=Counter(part["adds"]),
                    errors=part["errors"],
                    refusals=Counter(part["refusals"]),
                    add_ms=part["add_ms"],
                    stored=part["stored"],
                    dup_ids=set(part["dup_ids"]),
                )
            )
            race.merge(RaceReport.from_dict(part["race"]))
    await audit_location(location, report)
    digests: dict[str, object] = {}
    if guilds:
        desk = await NewsDesk.open(location)
        try:
            digests = await audit_race(desk, guilds, slots, race)
        finally:
            await desk.close()
    return report, race, digests


async def _fresh_postgres(base_url: str) -> str:
    from tests.harness.postgres import fresh_database

    return await fresh_database(base_url)


async def _drop_postgres(base_url: str, url: str) -> None:
    from tests.harness.postgres import drop_database

    await drop_database(base_url, url)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--processes",
        type=int,
        default=WRITER_PROCESSES,
        help="processes the writers are split across, each with its own connection (1: one "
        "process, one shared connection)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--db", type=Path, help="SQLite store to use (default: a temp file)")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server (postgresql://...) on which a fresh database is made and "
        "dropped after the run",
    )
    parser.add_argument("--digest-guilds", type=int, default=8, help="guilds raced for; 0: none")
    parser.add_argument(
        "--digest-slots", type=int, default=1000, help="daily slots at most, per guild"
    )
    parser.add_argument("--digest-racers", type=int, default=2, help="racers per process")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = arguments()
    args = parser.parse_args(argv)
    if args.backend == "postgres" and not args.database_url:
        parser.error("--backend postgres needs --database-url")
    if not 1 <= args.processes <= max(args.writers, 1):
        parser.error("--processes must be between 1 and --writers")

    print_table("Machine", ["item", "value"], machine())
    with tempfile.TemporaryDirectory(prefix="newsbot-load-") as tmp:
        location: Location = args.db or Path(tmp) / "load.db"
        if args.backend == "postgres":
            location = asyncio.run(_fresh_postgres(args.database_url))
        start = time.perf_counter()
        try:
            report, race, digests = asyncio.run(_main_async(args, location))
        finally:
            if args.backend == "postgres":
                asyncio.run(_drop_postgres(args.database_url, str(location)))
        wall = time.perf_counter() - start

    adds = report.adds
    reads = sum(report.reads.values())
    print_table(
        f"Load on {args.backend}: {args.writers} writers in {args.processes} process(es),"
        f" {args.readers} readers, {args.seconds:g} s (wall {wall:.1f} s)",
        [
            "stored",
            "dup",
            "refused",
            "stored/s",
            "adds/s",
            "add p50 ms",
            "add p95 ms",
            "reads",
            "reads/s",
            "read p50 ms",
            "read p95 ms",
            "errors",
            "locked",
        ],
        [
            [
                adds["ok"],
                adds["dup"],
                adds["refused"],
                adds["ok"] / args.seconds,
                sum(adds.values()) / args.seconds,
                percentile(report.add_ms, 50),
                percentile(report.add_ms, 95),
                reads,
                reads / args.seconds,
                percentile(report.read_ms, 50),
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
    if digests:
        print_table(
            f"Digests: {args.digest_racers} racers x {args.processes} process(es) posting"
            f" daily slots for {args.digest_guilds} guilds",
            ["check", "value"],
            list(digests.items()),
            "days reached: slots the racers took up during the run (one after the other, each"
            " once every guild's run of the last is recorded);\nposted once: (guild, day) pairs"
            " posted by exactly one racer; a day with no new articles is recorded empty and posts"
            " nothing",
        )
    errors = report.errors + race.errors
    if errors:
        print_table("Errors (first 10)", ["error"], [[e] for e in errors[:10]])
        raise SystemExit(1)
    print(
        "\nno errors: every add was stored, reported as a duplicate, or refused with a reason;"
        " every digest slot was posted at most once"
    )


if __name__ == "__main__":
    main()
