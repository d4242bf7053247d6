"""Which statements a SQLite store runs, and which of them read a whole table.

:func:`traced` records every statement (parameters bound in, as SQLite expands them) that
the store's connections run while the block is open; :func:`full_scans` asks SQLite's
planner (``EXPLAIN QUERY PLAN``, on a plain connection to the same file) for the plan of
each and keeps those with a bare ``SCAN`` of ``articles``: a read of every row, whose cost
grows with the store.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from storage.db import Database

_PLANNED = re.compile(r"^\s*(SELECT|WITH|UPDATE|DELETE|INSERT)\b", re.IGNORECASE)


@asynccontextmanager
async def traced(db: Database) -> AsyncIterator[list[str]]:
    """The statements ``db`` runs from here on, in order (until its connections close:
    the block may close the store)."""
    seen: list[str] = []
    # The writer and the readers (private: the store has no reason to expose them).
    conns = [c for c in (db._writer, *db._readers) if c is not None]
    for conn in conns:
        await conn.set_trace_callback(seen.append)
    yield seen


def plans(db_path: Path, statements: list[str]) -> dict[str, list[str]]:
    """Each planned statement (SELECT, UPDATE, DELETE, INSERT ... SELECT) and the detail
    lines of its query plan."""
    conn = sqlite3.connect(db_path)
    try:
        out: dict[str, list[str]] = {}
        for sql in dict.fromkeys(statements):
            if _PLANNED.match(sql):
                rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
                out[sql] = [row[3] for row in rows]
        return out
    finally:
        conn.close()


def full_scans(db_path: Path, statements: list[str]) -> dict[str, list[str]]:
    """The statements whose plan reads every row of ``articles`` (``SCAN articles`` or
    ``SCAN a``, the stores' alias for it), or walks a whole index of it without a bound
    (``USING COVERING INDEX`` with no condition: a ``count(*)``), and those plan lines.

    An ordered ``SCAN ... USING INDEX`` stops at its LIMIT and is not one of them."""
    bare = re.compile(r"^SCAN (articles|a)( USING COVERING INDEX \w+)?$")
    return {
        sql: lines
        for sql, lines in plans(db_path, statements).items()
        if any(bare.match(line) for line in lines)
    }
