"""SIGKILL during ``newsbot import``: nothing half-stored, and the import resumes cleanly.

The import runs as a real subprocess on a JSONL file of invented articles; it is
killed (with the worker processes it spawned) once its first batch is committed.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.harness.crash import (
    check_store,
    kill_group,
    problems,
    run_import,
    start_import,
    wait_for_articles,
    write_jsonl,
)

LINES = 1000  # four CLI batches: the kill lands after the first commit, before the end


@pytest.mark.timeout(60)
def test_kill_during_import_leaves_whole_articles_and_resumes(tmp_path: Path) -> None:
    jsonl = tmp_path / "articles.jsonl"
    total = write_jsonl(jsonl, LINES, seed=3)
    db_path = tmp_path / "crash.db"

    proc = start_import(db_path, jsonl)
    try:
        first = wait_for_articles(db_path, proc, timeout=30)
    finally:
        kill_group(proc)
    assert first > 0, "the import committed nothing before it was killed"
    assert proc.returncode in (-signal.SIGKILL, 0)

    after_kill = check_store(db_path)
    assert problems(after_kill) == []
    stored = int(after_kill["articles"])  # type: ignore[call-overload]
    assert 0 < stored <= total
    assert stored % 250 == 0 or stored == total  # whole batches only: one transaction each

    summary = run_import(db_path, jsonl, timeout=60)
    final = check_store(db_path)
    assert problems(final) == []
    assert final["articles"] == total
    assert summary.startswith(f"added {total - stored}, duplicates {stored}, failed 0")
