"""Many writers and readers on one real SQLite file: nothing locked, nothing lost.

A short run of the load harness (``tests/harness/load.py``, which ``bench/load.py`` runs
for longer): writers add invented articles, re-add earlier ones and send too-short ones;
readers ask, search, list and fetch. The audit then checks the file against what every
writer was told.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app.desk import NewsDesk
from tests.harness.load import audit_store, run_load


async def test_writers_and_readers_lose_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "load.db"
    report = await run_load(db_path, writers=5, readers=20, seconds=3.0, seed=7)

    assert report.errors == []
    assert report.locked == 0
    assert report.adds["ok"] > 10
    assert report.adds["dup"] > 0
    assert report.adds["refused"] > 0
    assert all(reason for reason in report.refusals)
    assert sum(report.reads.values()) > 50
    assert report.audit["integrity"] == "ok"
    assert report.audit["lost"] == 0
    assert report.audit["articles"] == report.audit["fts rows"] == len(report.stored)


async def test_two_desks_on_one_file_both_write(tmp_path: Path) -> None:
    """The bot and a CLI import hold separate connections: busy_timeout, not errors."""
    db_path = tmp_path / "shared.db"
    await (await NewsDesk.open(db_path)).close()
    first, second = await asyncio.gather(
        run_load(db_path, writers=3, readers=2, seconds=2.0, seed=1, audit=False),
        run_load(
            db_path, writers=3, readers=2, seconds=2.0, seed=2, writer_offset=100, audit=False
        ),
    )
    first.merge(second)
    audit_store(db_path, first)

    assert first.errors == []
    assert first.adds["ok"] > 5
    assert first.audit["lost"] == 0
    assert first.audit["articles"] == len(first.stored)
