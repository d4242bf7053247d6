"""Crash test: SIGKILL a ``newsbot import`` at a random moment, check, then resume.

Run as ``.venv/bin/python -m bench.kill_import [--lines 3000] [--runs 5] [--seed 1]``
(SQLite), or with ``--backend postgres --database-url postgresql://...`` (a fresh
database per run on that server, dropped after it).

Each run writes a JSONL file of invented articles, starts ``newsbot --db X import``
in its own process group, kills the group with SIGKILL at a random moment after the
first batch is committed, and checks the store: on SQLite ``PRAGMA integrity_check``
ok and the FTS index consistent with the table (FTS5 ``integrity-check``, one docsize
row per article); on PostgreSQL every row's full-text column current and the GIN index
finding what the table holds; every article summarized and findable; then runs the
import again and checks it completes with no duplicates.  Starting, killing and checking the import are in
``tests/harness/crash.py``, shared with the tests; this file picks the moments and prints.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import machine, print_table
from tests.harness.crash import (
    check_store,
    kill_group,
    problems,
    run_import,
    start_import,
    wait_for_articles,
    write_jsonl,
)
from tests.harness.load import Location
from tests.harness.postgres import drop_database, fresh_database


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL server for --backend postgres")
    args = parser.parse_args(argv)
    if args.backend == "postgres" and not args.database_url:
        parser.error("--backend postgres needs --database-url")
    rng = random.Random(args.seed)

    print_table("Machine", ["item", "value"], machine())
    rows: list[list[object]] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="newsbot-kill-") as tmp:
        jsonl = Path(tmp) / "articles.jsonl"
        total = write_jsonl(jsonl, args.lines, args.seed)
        for run in range(1, args.runs + 1):
            location: Location = Path(tmp) / f"run{run}.db"
            if args.backend == "postgres":
                location = asyncio.run(fresh_database(args.database_url))
            proc = start_import(location, jsonl)
            started = time.monotonic()
            first = wait_for_articles(location, proc, timeout=120)
            # A random moment after the first commit: anywhere in the rest of the import.
            time.sleep(rng.uniform(0.0, 3.0))
            at_kill = time.monotonic() - started
            exited = proc.poll() is not None
            kill_group(proc)
            after_kill = check_store(location)
            bad = problems(after_kill)
            summary = run_import(location, jsonl)
            final = check_store(location)
            bad += [f"after resume: {p}" for p in problems(final)]
            if final["articles"] != total:
                bad.append(f"after resume {final['articles']} articles, expected {total}")
            added = int(summary.split()[1].rstrip(","))
            if added + int(after_kill["articles"]) != total:  # type: ignore[call-overload]
                bad.append(f"resume added {added} on top of {after_kill['articles']}")
            if args.backend == "postgres":
                asyncio.run(drop_database(args.database_url, str(location)))
            failures += [f"run {run}: {b}" for b in bad]
            rows.append(
                [
                    run,
                    at_kill,
                    "finished first" if exited else "SIGKILL",
                    first,
                    after_kill["articles"],
                    after_kill["integrity"],
                    after_kill["fts check"],
                    summary,
                    final["articles"],
                    "ok" if not bad else "FAIL",
                ]
            )
    print_table(
        f"Kill -9 during `newsbot import` of {total:,} invented articles on {args.backend},"
        " then resume",
        [
            "run",
            "killed at s",
            "signal",
            "first seen",
            "stored at kill",
            "integrity",
            "fts",
            "resume",
            "final",
            "verdict",
        ],
        rows,
        "checks (SQLite): integrity_check, FTS5 integrity-check, one docsize row per article;"
        " (PostgreSQL): search column current, GIN index = table scan;\nboth: a summary and a"
        " full-text hit per article, no duplicate URL or body, resume adds exactly the missing"
        " ones",
    )
    if failures:
        print_table("Failures", ["problem"], [[f] for f in failures])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
