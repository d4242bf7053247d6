"""bench.load's "database is locked" count can see a lock: its writers are not all behind
one connection by default (issue 20)."""

from __future__ import annotations

from collections import Counter

from bench.load import _writers_in, arguments
from tests.harness.load import LoadReport


def test_the_writers_are_split_across_processes_by_default() -> None:
    # In one process the writers share one write connection behind an asyncio lock, so
    # SQLite never says "locked" to them; each process opens its own connection.
    args = arguments().parse_args([])
    assert args.processes > 1
    shares = [_writers_in(args, p) for p in range(args.processes)]
    assert sum(shares) == args.writers and min(shares) >= 1


def test_a_lock_in_another_process_is_counted() -> None:
    # What a writer process hands back is merged into the report that prints "locked".
    report = LoadReport()
    report.merge(
        LoadReport(
            adds=Counter(),
            errors=["StorageError: The database is locked by another process."],
            refusals=Counter(),
            add_ms=[],
            stored=[],
            dup_ids=set(),
        )
    )
    assert report.locked == 1
