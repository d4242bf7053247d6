"""Load test: many writers and readers on one store through NewsDesk, then an audit.

Run as ``.venv/bin/python -m bench.load [--writers 20] [--readers 50] [--seconds 30]``.

Writers add invented articles (about one in ten re-adds an earlier one, which must come
back as a duplicate; about one in twenty is too short, which must be refused with a
reason).  Readers ask questions, search, list and fetch articles.  Afterwards the
store is audited: every article reported stored is there with its FTS entry and
summary, every duplicate points at a stored article, no SQLite "database is locked"
or other unexpected error was raised, and ``PRAGMA integrity_check`` is ok.
``--processes N`` adds N-1 writer processes with their own NewsDesk on the same file
(the CLI importing while the bot runs).  The writers, readers and audit are in
``tests/harness/load.py``, shared with the tests; this file runs them and prints tables.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.common import machine, percentile, print_table
from tests.harness.load import LoadReport, audit_store, run_load


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
