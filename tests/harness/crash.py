"""Drive a real ``newsbot import`` subprocess, SIGKILL it, and check the store it left.

Used by ``tests/storage/test_crash.py`` (one kill) and ``bench/kill_import.py`` (several
kills at random moments, with a table).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.harness.load import invented_article

ROOT = Path(__file__).resolve().parents[2]  # the project root: where `python -m bot` works


def write_jsonl(path: Path, lines: int, seed: int = 1) -> int:
    """``lines`` distinct invented articles in the import format; returns the count."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(lines):
            title, text, url = invented_article(i % 97, i, rng)
            handle.write(json.dumps({"title": title, "text": text, "url": url}) + "\n")
    return lines


def newsbot_command(db_path: Path, *args: str) -> list[str]:
    exe = Path(sys.executable).parent / "newsbot"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot"]
    return [*base, "--db", str(db_path), *args]


def start_import(db_path: Path, jsonl: Path) -> subprocess.Popen[bytes]:
    """``newsbot import`` in a new session, so its worker processes can be killed too."""
    return subprocess.Popen(
        newsbot_command(db_path, "import", str(jsonl)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )


def stored_count(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not created or not migrated yet


def wait_for_articles(db_path: Path, proc: subprocess.Popen[bytes], timeout: float) -> int:
    """Poll until the first batch is committed; the count seen, or 0 on timeout/exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        count = stored_count(db_path)
        if count:
            return count
        time.sleep(0.02)
    return 0


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the import and the workers it spawned (its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def check_store(db_path: Path) -> dict[str, object]:
    """Consistency of a store that may have been killed mid-import."""
    conn = sqlite3.connect(db_path)
    try:
        out: dict[str, object] = {}
        out["integrity"] = conn.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
            out["fts check"] = "ok"
        except sqlite3.DatabaseError as err:
            out["fts check"] = str(err)
        out["articles"] = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        out["fts docs"] = conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
        out["findable"] = conn.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'council'"
        ).fetchone()[0]
        out["no summary"] = conn.execute(
            "SELECT count(*) FROM articles WHERE summary IS NULL OR summary IN ('', '[]')"
        ).fetchone()[0]
        out["distinct urls"] = conn.execute(
            "SELECT count(DISTINCT url_norm) FROM articles"
        ).fetchone()[0]
        out["distinct bodies"] = conn.execute(
            "SELECT count(DISTINCT content_hash) FROM articles"
        ).fetchone()[0]
    finally:
        conn.close()
    return out


def problems(state: dict[str, object]) -> list[str]:
    """What is wrong with a store per :func:`check_store` (empty: consistent)."""
    found = []
    n = state["articles"]
    if state["integrity"] != "ok":
        found.append(f"integrity_check: {state['integrity']}")
    if state["fts check"] != "ok":
        found.append(f"fts integrity-check: {state['fts check']}")
    for key in ("fts docs", "findable", "distinct urls", "distinct bodies"):
        if state[key] != n:
            found.append(f"{key} {state[key]} != articles {n}")
    if state["no summary"]:
        found.append(f"{state['no summary']} articles without a summary")
    return found


def run_import(db_path: Path, jsonl: Path, timeout: float = 600) -> str:
    """Run ``newsbot import`` to completion; its summary line."""
    done = subprocess.run(
        newsbot_command(db_path, "import", str(jsonl)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("added")]
    return lines[-1] if lines else done.stdout.strip()
