"""Drive a real ``newsbot import`` subprocess, SIGKILL it, and check the store it left.

The store is a SQLite file or a ``postgresql://`` URL (the CLI's ``--db`` takes either).
Used by ``tests/storage/test_crash.py`` (SQLite), ``tests/storage/test_crash_pg.py``
(PostgreSQL, with another process serving beside the import) and ``bench/kill_import.py``
(several kills at random moments, with a table).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.harness.full_text import full_text
from tests.harness.load import Location, invented_article

ROOT = Path(__file__).resolve().parents[2]  # the project root: where `python -m bot` works


def write_jsonl(path: Path, lines: int, seed: int = 1) -> int:
    """``lines`` distinct invented articles in the import format; returns the count."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(lines):
            title, text, url = invented_article(i % 97, i, rng)
            handle.write(json.dumps({"title": title, "text": text, "url": url}) + "\n")
    return lines


def newsbot_command(location: Location, *args: str) -> list[str]:
    exe = Path(sys.executable).parent / "newsbot"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot"]
    return [*base, "--db", str(location), *args]


def _import_args(jsonl: Path, guild: int | None) -> list[str]:
    return ["import", str(jsonl), *(["--guild", str(guild)] if guild is not None else [])]


def start_import(
    location: Location, jsonl: Path, *, guild: int | None = None
) -> subprocess.Popen[bytes]:
    """``newsbot import`` in a new session, so its worker processes can be killed too."""
    return subprocess.Popen(
        newsbot_command(location, *_import_args(jsonl, guild)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )


def _is_postgres(location: Location) -> bool:
    from storage.backend import is_postgres

    return is_postgres(location)


def stored_count(location: Location, *, guild: int | None = None) -> int:
    """Articles stored (in ``guild`` only, when given); 0 before the schema exists."""
    if _is_postgres(location):
        return asyncio.run(_pg_count(str(location), guild))
    db_path = Path(location)
    if not db_path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
        try:
            sql, params = "SELECT count(*) FROM articles", ()
            if guild is not None:
                sql, params = sql + " WHERE guild_id = ?", (guild,)
            return int(conn.execute(sql, params).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not created or not migrated yet


async def _pg_count(url: str, guild: int | None) -> int:
    import asyncpg

    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError):
        return 0
    try:
        if guild is None:
            return int(await conn.fetchval("SELECT count(*) FROM articles"))
        return int(await conn.fetchval("SELECT count(*) FROM articles WHERE guild_id = $1", guild))
    except asyncpg.UndefinedTableError:
        return 0  # not migrated yet
    finally:
        await conn.close()


def wait_for_articles(
    location: Location,
    proc: subprocess.Popen[bytes],
    timeout: float,
    *,
    guild: int | None = None,
) -> int:
    """Poll until the first batch is committed; the count seen, or 0 on timeout/exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        count = stored_count(location, guild=guild)
        if count:
            return count
        time.sleep(0.02)
    return 0


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the import and the workers it spawned (its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def check_store(location: Location, *, guild: int | None = None) -> dict[str, object]:
    """Consistency of a store that may have been killed mid-import.

    On SQLite: the file's and the FTS index's own checks, over every article. On
    PostgreSQL (which has no integrity_check): every row's full-text column must be what
    its title and body give, and the GIN index must find what a scan of the table finds;
    ``guild`` limits the counts to the articles an import stored there.
    """
    if _is_postgres(location):
        return asyncio.run(_check_pg(str(location), guild))
    if guild is not None:
        raise ValueError("check_store counts a SQLite file's every article")
    conn = sqlite3.connect(Path(location))
    try:
        out: dict[str, object] = {}
        out["integrity"] = conn.execute("PRAGMA integrity_check").fetchone()[0]
        out["articles"] = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        # An imported article has no summary until it is first shown (NULL); an empty one
        # would be a half-written row.
        out["empty summary"] = conn.execute(
            "SELECT count(*) FROM articles WHERE summary IN ('', '[]')"
        ).fetchone()[0]
        out["distinct urls"] = conn.execute(
            "SELECT count(DISTINCT url_norm) FROM articles"
        ).fetchone()[0]
        out["distinct bodies"] = conn.execute(
            "SELECT count(DISTINCT content_hash) FROM articles"
        ).fetchone()[0]
    finally:
        conn.close()
    # Tantivy may lag the file by up to a bulk batch when a writer is killed; every open
    # catches it up from the mark, so it is checked as the next start sees it.
    asyncio.run(_open_and_close(Path(location)))
    index = full_text(Path(location))
    out["fts check"] = index.check
    out["fts docs"] = index.documents
    out["findable"] = len(index.council)
    return out


async def _open_and_close(path: Path) -> None:
    from storage.backend import open_stores

    await (await open_stores(path)).close()


async def _check_pg(url: str, guild: int | None) -> dict[str, object]:
    import asyncpg

    scope, params = ("guild_id = $1", (guild,)) if guild is not None else ("TRUE", ())
    conn = await asyncpg.connect(url)
    try:

        async def count(what: str, where: str = "TRUE") -> int:
            sql = f"SELECT {what} FROM articles WHERE {scope} AND {where}"
            return int(await conn.fetchval(sql, *params))

        council = "search @@ to_tsquery('english', 'council')"
        out: dict[str, object] = {}
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_seqscan = off")
            through_index = await count("count(*)", council)
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_bitmapscan = off")
            await conn.execute("SET LOCAL enable_indexscan = off")
            on_table = await count("count(*)", council)
        stale = await count(
            "count(*)",
            "search IS DISTINCT FROM setweight(to_tsvector('english', title), 'A')"
            " || setweight(to_tsvector('english', body), 'D')",
        )
        out["integrity"] = "ok" if not stale else f"{stale} rows' search column is stale"
        out["fts check"] = (
            "ok"
            if through_index == on_table
            else f"GIN index finds {through_index}, the table {on_table}"
        )
        out["articles"] = await count("count(*)")
        out["fts docs"] = await count("count(*)", "search IS NOT NULL")
        out["findable"] = through_index
        out["empty summary"] = await count("count(*)", "summary IN ('', '[]')")
        out["distinct urls"] = await count("count(DISTINCT url_norm)")
        out["distinct bodies"] = await count("count(DISTINCT content_hash)")
    finally:
        await conn.close()
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
    if state["empty summary"]:
        found.append(f"{state['empty summary']} articles with an empty summary")
    return found


def run_import(
    location: Location, jsonl: Path, timeout: float = 600, *, guild: int | None = None
) -> str:
    """Run ``newsbot import`` to completion; its summary line."""
    done = subprocess.run(
        newsbot_command(location, *_import_args(jsonl, guild)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("added")]
    return lines[-1] if lines else done.stdout.strip()
