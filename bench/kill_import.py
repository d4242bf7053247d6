"""Crash test: SIGKILL a ``newsbot import`` at a random moment, check, then resume.

Run as ``.venv/bin/python -m bench.kill_import [--lines 3000] [--runs 5] [--seed 1]``.

Each run writes a JSONL file of invented articles, starts ``newsbot --db X import``
in its own process group, kills the group with SIGKILL at a random moment after the
first batch is committed, and checks the file: ``PRAGMA integrity_check`` ok, the FTS
index consistent with the table (FTS5 ``integrity-check``, one docsize row per
article), every article summarized and findable; then runs the import again and
checks it completes with no duplicates.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import machine, print_table
from bench.load import invented_article

ROOT = Path(__file__).resolve().parents[1]


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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    print_table("Machine", ["item", "value"], machine())
    rows: list[list[object]] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="newsbot-kill-") as tmp:
        jsonl = Path(tmp) / "articles.jsonl"
        total = write_jsonl(jsonl, args.lines, args.seed)
        for run in range(1, args.runs + 1):
            db_path = Path(tmp) / f"run{run}.db"
            proc = start_import(db_path, jsonl)
            started = time.monotonic()
            first = wait_for_articles(db_path, proc, timeout=120)
            # A random moment after the first commit: anywhere in the rest of the import.
            time.sleep(rng.uniform(0.0, 3.0))
            at_kill = time.monotonic() - started
            exited = proc.poll() is not None
            kill_group(proc)
            after_kill = check_store(db_path)
            bad = problems(after_kill)
            summary = run_import(db_path, jsonl)
            final = check_store(db_path)
            bad += [f"after resume: {p}" for p in problems(final)]
            if final["articles"] != total:
                bad.append(f"after resume {final['articles']} articles, expected {total}")
            added = int(summary.split()[1].rstrip(","))
            if added + int(after_kill["articles"]) != total:  # type: ignore[call-overload]
                bad.append(f"resume added {added} on top of {after_kill['articles']}")
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
        f"Kill -9 during `newsbot import` of {total:,} invented articles, then resume",
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
        "checks: integrity_check, FTS5 integrity-check, one docsize row, summary and MATCH hit"
        " per article,\nno duplicate URL or body, resume adds exactly the missing ones",
    )
    if failures:
        print_table("Failures", ["problem"], [[f] for f in failures])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
