"""Database failures on the command line: one line that says what is wrong and what to do,
exit code 1, never a traceback. A read-only database still serves reads.

File permissions are tested for real: the CLI runs in a child process that cannot override
them (a root test run drops CAP_DAC_OVERRIDE and friends from the child first).
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import storage.db
from bot.cli import cli
from storage.db import open_database

ROOT = Path(__file__).resolve().parents[2]
STORY = (
    "Volunteers in Brackenford rebuilt the footbridge over the mill stream in nine days. "
    "The old bridge was washed away in the February floods, the parish council said."
)
PR_CAPBSET_DROP = 24
CAPS_THAT_IGNORE_FILE_MODES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _drop_file_mode_overrides() -> None:  # runs in the child, before exec
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in CAPS_THAT_IGNORE_FILE_MODES:
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def newsbot(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``newsbot --db DB ARGS`` in a child process that file modes apply to."""
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "NEWSBOT_DB")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=db.parent.parent,
        timeout=120,
        preexec_fn=_drop_file_mode_overrides if os.geteuid() == 0 else None,
    )


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.fixture
def folder(tmp_path) -> Iterator[Path]:
    path = tmp_path / "data"
    path.mkdir()
    yield path
    path.chmod(0o755)  # let pytest clean up


def stored_db(folder: Path, *, wal: bool = True) -> Path:
    db = folder / "news.db"
    result = newsbot(db, "add", "-", "--json", stdin=f"Brackenford footbridge rebuilt\n{STORY}")
    assert result.returncode == 0, result.stderr
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if not wal:
        raw.execute("PRAGMA journal_mode = DELETE")
    raw.close()
    return db


@pytest.mark.parametrize(
    ("wal", "folder_writable"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_a_read_only_database_serves_reads_and_refuses_writes(folder, wal, folder_writable):
    db = stored_db(folder, wal=wal)
    db.chmod(0o444)
    if not folder_writable:
        folder.chmod(0o555)
    listed = newsbot(db, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["title"] for line in listed.stdout.splitlines()] == [
        "Brackenford footbridge rebuilt"
    ]
    asked = newsbot(db, "ask", "How many days did the footbridge take?")
    assert asked.returncode == 0 and "nine days" in asked.stdout, asked.stderr
    added = newsbot(db, "add", "-", stdin="Mill stream cleared\n" + STORY.replace("nine", "ten"))
    one_line_error(added, "read-only", str(db))


def test_a_read_only_database_still_shows_a_summary_it_cannot_store(folder):
    db = folder / "news.db"
    archive = folder / "archive.jsonl"
    archive.write_text(json.dumps({"text": STORY, "title": "Footbridge rebuilt"}) + "\n")
    imported = newsbot(db, "import", str(archive))
    assert imported.returncode == 0, imported.stderr
    db.chmod(0o444)
    shown = newsbot(db, "summarize", "1", "--json")
    assert shown.returncode == 0, shown.stderr
    assert "nine days" in " ".join(json.loads(shown.stdout)["summary"])
    assert "Traceback" not in shown.stderr
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("SELECT summary FROM articles").fetchone()[0] is None
    finally:
        conn.close()


def test_a_database_in_a_folder_that_cannot_be_written(folder):
    folder.chmod(0o555)
    story = f"Footbridge rebuilt\n{STORY}"
    result = newsbot(folder / "news.db", "add", "-", stdin=story)
    one_line_error(result, "news.db", "permissions")
    result = newsbot(folder / "sub" / "news.db", "add", "-", stdin=story)
    one_line_error(result, "Cannot create the folder", "permissions")


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "NEWSBOT_DB", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def assert_one_line(result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for needle in needles:
        assert needle in lines[0]


def test_a_file_that_is_not_a_database(runner, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("buy lamp oil\n" * 300)
    for command in (["list"], ["ask", "who rebuilt the bridge?"], ["add", "-"]):
        result = runner.invoke(cli, ["--db", str(notes), *command], input=STORY)
        assert_one_line(result, "not a newsbot database")


def test_a_damaged_database(runner, tmp_path):
    db = tmp_path / "damaged.db"
    for n in range(30):
        text = f"Brackenford report {n}\n{STORY} Item {n}. " + "More detail follows. " * 200
        assert runner.invoke(cli, ["--db", str(db), "add", "-"], input=text).exit_code == 0
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size, pages = (
        raw.execute("PRAGMA page_size").fetchone()[0],
        raw.execute("PRAGMA page_count").fetchone()[0],
    )
    raw.close()
    with db.open("r+b") as handle:
        for page in range(1, pages):
            handle.seek(page * size)
            handle.write(b"\x5a" * size)
    assert_one_line(runner.invoke(cli, ["--db", str(db), "list"]), "is damaged", ".recover")


def new_database(path: Path) -> None:
    """An empty newsbot database at ``path`` (reads on the command line make none)."""

    async def make() -> None:
        await (await open_database(path)).close()

    asyncio.run(make())


def test_a_lock_held_longer_than_the_busy_timeout(runner, tmp_path, monkeypatch):
    db = tmp_path / "locked.db"
    new_database(db)
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 200)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        result = runner.invoke(cli, ["--db", str(db), "add", "-"], input=f"Bridge\n{STORY}")
        assert_one_line(result, "locked by another process", "try again")
        assert runner.invoke(cli, ["--db", str(db), "list"]).exit_code == 0  # reads go on
    finally:
        other.close()


def test_a_disk_that_fills_during_an_import(runner, tmp_path, monkeypatch):
    db = tmp_path / "full.db"
    new_database(db)
    raw = sqlite3.connect(db)
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()
    connect = storage.db._connect

    async def small_disk(target, **options):
        conn = await connect(target, **options)
        await conn.execute(f"PRAGMA max_page_count = {pages + 40}")
        return conn

    monkeypatch.setattr(storage.db, "_connect", small_disk)
    items = tmp_path / "items.jsonl"
    with items.open("w") as handle:
        for n in range(600):
            text = f"{STORY} Report number {n} from the parish. " + f"Detail {n}. " * 150
            handle.write(json.dumps({"title": f"Parish report {n}", "text": text}) + "\n")
    result = runner.invoke(cli, ["--db", str(db), "import", str(items)])
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "is full" in last, result.output
    assert "cannot rollback" not in result.output and "Traceback" not in result.output
