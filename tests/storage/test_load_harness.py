"""The load harness's "database is locked" count can see a lock: bench.load's writers are
not all behind one connection by default (issue 20)."""

from __future__ import annotations

from collections import Counter

from tests.harness.load import WRITER_PROCESSES, LoadReport, writers_in


def test_the_writers_are_split_across_processes_by_default() -> None:
    # In one process the writers share one write connection behind an asyncio lock, so
    # SQLite never says "locked" to them; each process opens its own connection.
    assert WRITER_PROCESSES > 1
    shares = [writers_in(20, WRITER_PROCESSES, p) for p in range(WRITER_PROCESSES)]
    assert sum(shares) == 20 and min(shares) >= 1
    assert [writers_in(7, 3, p) for p in range(3)] == [3, 2, 2]


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
