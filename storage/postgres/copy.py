"""Copying a SQLite file into PostgreSQL (``newsbot db copy``): every table, ids kept.

The PostgreSQL schema mirrors SQLite's column for column, and instants are the same
text in both, so each value is moved as it is. How the copy stays safe:

* The file is read in one read transaction: the copy is a snapshot of one moment,
  even while a bot writes to the file.
* Before anything is written, every row already in the target is compared, column by
  column, with the file's row under the same key. A target that holds a row the file
  lacks, or a different row under the same key, is refused: it is another database (or
  was used after an earlier copy), and mixing the two would give two stories one id.
  An empty target costs nothing to check; a re-run reads back what it copied before.
* Tables are copied in dependency order (feeds before their seen items, digest runs
  before their posted articles), in batches in the file's rowid order, each batch one
  transaction of ``INSERT ... ON CONFLICT (primary key) DO NOTHING``. An interrupted
  copy leaves whole batches; running it again skips the rows that are there.
* Identity sequences are moved past the largest id the file ever handed out
  (SQLite's AUTOINCREMENT counter included), so new rows never reuse an id.
* A NUL in a text, which SQLite keeps and PostgreSQL refuses in any text, is removed
  with the sanitiser every new article passes (``news.text.sanitize``), both from the
  rows copied and from the rows compared on a re-run; each table reports how many rows
  it cleaned. A file written before that sanitiser existed then copies, and copies again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiosqlite

from news.text import sanitize
from storage.db import BUSY_TIMEOUT_MS, open_reader
from storage.errors import StorageError, translated
from storage.migrate import load_migrations

if TYPE_CHECKING:
    from storage.postgres.db import PgDatabase

Progress = Callable[[str, int, int], None]
Key = tuple[Any, ...]


@dataclass(frozen=True)
class _Table:
    name: str
    key: tuple[str, ...]
    identity: str | None = None  # a column whose sequence must pass the copied ids


# Dependency order: a row's parent is copied before it.
TABLES: tuple[_Table, ...] = (
    _Table("articles", ("id",), identity="id"),
    _Table("guild_settings", ("guild_id",)),
    _Table("digest_schedules", ("guild_id",)),
    _Table("digest_runs", ("id",), identity="id"),
    _Table("digest_posted", ("run_id", "article_id")),
    _Table("feeds", ("id",), identity="id"),
    # Copied in the file's rowid order: PostgreSQL numbers them again in that order, which
    # is how items seen in the same microsecond keep their order.
    _Table("feed_seen", ("feed_id", "item_key")),
    _Table("feed_posted", ("channel_id", "article_id")),
    _Table("feed_rule_counts", ("feed_id", "rule")),
    _Table("feed_stories", ("guild_id", "article_id")),
    _Table("asked_questions", ("id",), identity="id"),
    _Table("answer_votes", ("question_id", "member_hash")),
    _Table("insight_salts", ("guild_id",)),
)


@dataclass(frozen=True)
class TableCopy:
    """One table's figures: rows in the file, rows this run inserted, rows it found
    already there, and rows in the target afterwards."""

    table: str
    source: int
    copied: int
    skipped: int
    target: int
    cleaned: int = 0  # rows whose text lost a NUL or lone surrogate on the way


@dataclass(frozen=True)
class CopyReport:
    target: str  # host:port/database, never the password
    tables: tuple[TableCopy, ...]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.source for t in self.tables)

    @property
    def copied(self) -> int:
        return sum(t.copied for t in self.tables)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class _Plan:
    table: _Table
    columns: tuple[str, ...]
    types: tuple[str, ...]  # PostgreSQL types, for the arrays a batch is sent as
    total: int

    def key_of(self, row: Sequence[Any]) -> Key:
        return tuple(row[self.columns.index(k)] for k in self.table.key)


async def copy_database(
    source: Path,
    target_url: str,
    *,
    batch: int = 500,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy every table of the SQLite file ``source`` into the PostgreSQL database at
    ``target_url`` (migrated first), keeping ids; safe to run again after an interruption.

    ``progress(table, rows_done, rows_in_table)`` is called after each batch (once with
    0, 0 for an empty table). Raises :class:`StorageError`, with one line for the
    operator, when the file or the server cannot be used, when the target holds other
    rows, or when the counts differ at the end.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    open_pg_database, safe_location = _postgres()
    started = time.monotonic()
    path = Path(source)
    src = await _open_source(path)
    try:
        target = await _open_target(target_url, open_pg_database)
        try:
            # A damaged or locked file mid-way is one line too; the server's failures
            # are translated by PgDatabase.
            with translated(path, busy_ms=BUSY_TIMEOUT_MS):
                tables = await _copy_all(src, target, path, batch, progress)
        finally:
            await target.close()
    finally:
        await src.close()
    short = [t for t in tables if t.target < t.source or t.copied + t.skipped != t.source]
    if short:
        listed = ", ".join(f"{t.table} ({t.source} in the file, {t.target} copied)" for t in short)
        raise StorageError(f"The copy is incomplete: {listed}. Run the same command again.")
    return CopyReport(safe_location(target_url), tuple(tables), time.monotonic() - started)


async def _copy_all(
    src: aiosqlite.Connection,
    target: PgDatabase,
    path: Path,
    batch: int,
    progress: Progress | None,
) -> list[TableCopy]:
    await _scalar(src, "BEGIN")  # one snapshot of the file for the whole copy
    plans = [await _plan(src, target, table) for table in TABLES]
    for plan in plans:
        await _check_target(src, target, plan, path, batch)
    done = [await _copy_table(src, target, plan, batch, progress) for plan in plans]
    await _advance_sequences(src, target)
    return [await _verify(target, plan, *counts) for plan, counts in zip(plans, done, strict=True)]


def _postgres() -> tuple[Any, Callable[[str], str]]:
    try:
        from storage.postgres.db import open_pg_database, safe_location
    except ImportError:
        raise StorageError(
            "Copying to PostgreSQL needs asyncpg: pip install 'newsbot[postgres]'."
        ) from None
    return open_pg_database, safe_location


async def _open_source(path: Path) -> aiosqlite.Connection:
    """The file, read-only, at this newsbot's schema (an older one is not upgraded here:
    the copy never writes to its source)."""
    if not await asyncio.to_thread(path.is_file):
        raise StorageError(f"There is no database at {path}: check --db or NEWSBOT_DB.")
    with translated(path, busy_ms=BUSY_TIMEOUT_MS):
        # Read-only (as an immutable snapshot where even the folder is read-only).
        conn = await open_reader(path, read_only=True)
    try:
        with translated(path, busy_ms=BUSY_TIMEOUT_MS):
            version = await _sqlite_version(conn)
    except BaseException:
        await conn.close()
        raise
    latest = max(m.version for m in load_migrations())
    problem = None
    if version == 0:
        problem = f"{path} holds no newsbot database: check --db or NEWSBOT_DB."
    elif version < latest:
        problem = (
            f"The database {path} is at schema {version}, older than this newsbot's "
            f"{latest}: open it once with this newsbot (for instance `newsbot --db {path} "
            "list`) to upgrade it, then copy it."
        )
    elif version > latest:
        problem = (
            f"The database {path} was made by a newer newsbot (schema {version}; this one "
            f"knows up to {latest}): copy it with that newsbot."
        )
    if problem:
        await conn.close()
        raise StorageError(problem)
    return conn


async def _sqlite_version(conn: aiosqlite.Connection) -> int:
    sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    if not await _scalar(conn, sql):
        return 0
    return int(await _scalar(conn, "SELECT coalesce(max(version), 0) FROM schema_version"))


async def _scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row (None for a statement without rows)."""
    async with conn.execute(sql, tuple(params)) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else None


async def _open_target(url: str, open_pg_database: Any) -> PgDatabase:
    import asyncpg

    try:
        db: PgDatabase = await open_pg_database(url, pool_size=2)
    except StorageError as err:
        raise StorageError(_scrub(str(err), url)) from None
    except (ValueError, asyncpg.InterfaceError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise StorageError(
            f"The PostgreSQL URL is not usable ({_scrub(reason.rstrip('.'), url)}): "
            "give postgresql://user:password@host:port/database."
        ) from None
    return db


def _scrub(text: str, url: str) -> str:
    """``text`` without the URL's password, should a driver's reason ever quote it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    return text.replace(password, "***") if password else text


async def _plan(src: aiosqlite.Connection, target: PgDatabase, table: _Table) -> _Plan:
    """The columns both databases store (PostgreSQL's generated ones left out), their
    types, and the file's row count."""
    rows = await target.fetchall(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
        " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped"
        " AND a.attgenerated = '' AND a.attidentity <> 'a' ORDER BY a.attnum",
        (table.name,),
    )
    columns = tuple(str(r[0]) for r in rows)
    mine = {str(r[1]) for r in await src.execute_fetchall(f"PRAGMA table_info({table.name})")}
    if set(columns) != mine:
        raise StorageError(
            f"The table {table.name} has different columns in the file and in PostgreSQL "
            f"({sorted(mine ^ set(columns))}): this newsbot cannot copy between them."
        )
    total = int(await _scalar(src, f"SELECT count(*) FROM {table.name}"))
    return _Plan(table, columns, tuple(str(r[1]) for r in rows), total)


async def _check_target(
    src: aiosqlite.Connection, target: PgDatabase, plan: _Plan, path: Path, batch: int
) -> None:
    """Refuse a target holding any row that is not the file's row under the same key:
    every row already there is read back (in keyset batches) and compared in full."""
    name, keys = plan.table.name, ", ".join(plan.table.key)
    cols = ", ".join(plan.columns)
    marks = ", ".join("?" for _ in plan.table.key)
    last: Key | None = None
    while True:
        after = "" if last is None else f" WHERE ({keys}) > ({marks})"
        rows = await target.fetchall(
            f"SELECT {cols} FROM {name}{after} ORDER BY {keys} LIMIT {int(batch)}", last or ()
        )
        theirs = [tuple(row[i] for i in range(len(plan.columns))) for row in rows]
        if not theirs:
            return
        wanted = [plan.key_of(row) for row in theirs]
        found = await _source_rows(src, plan, wanted)
        if any(key not in found for key in wanted):
            # A key that lost a NUL when it was copied is found as it was cleaned.
            found.update(await _rows_with_nul_keys(src, plan))
        for row in theirs:
            key = plan.key_of(row)
            ours = found.get(key)
            if ours is None:
                raise _foreign(name, key, f"which {path} does not hold")
            differ = [c for c, a, b in zip(plan.columns, row, ours, strict=True) if a != b]
            if differ:
                verb = "differs" if len(differ) == 1 else "differ"
                raise _foreign(name, key, f"whose {', '.join(differ)} {verb} from {path}'s")
        last = plan.key_of(theirs[-1])


def _foreign(table: str, key: Key, what: str) -> StorageError:
    shown = f"#{key[0]}" if len(key) == 1 else repr(key)
    return StorageError(
        f"The target already holds {table} {shown}, {what}: it is another database, or "
        "one of the two changed since an earlier copy. This run copied nothing; copy into an "
        "empty database."
    )


async def _source_rows(src: aiosqlite.Connection, plan: _Plan, keys: list[Key]) -> dict[Key, Key]:
    """The file's rows with these keys, by key (one statement per batch)."""
    cols = ", ".join(plan.columns)
    width = len(plan.table.key)
    if width == 1:
        where = f"{plan.table.key[0]} IN ({', '.join('?' for _ in keys)})"
    else:
        row = "(" + ", ".join("?" for _ in range(width)) + ")"
        where = f"({', '.join(plan.table.key)}) IN (VALUES {', '.join(row for _ in keys)})"
    params = [value for key in keys for value in key]
    rows = await src.execute_fetchall(f"SELECT {cols} FROM {plan.table.name} WHERE {where}", params)
    # Compared as they were copied: cleaned, so a re-run finds its own rows equal.
    cleaned = [_storable(r) for r in rows]
    return {plan.key_of(r): r for r in cleaned}


async def _rows_with_nul_keys(src: aiosqlite.Connection, plan: _Plan) -> dict[Key, Key]:
    """The file's rows whose text key holds a NUL, by their key as it was copied (few or
    none: SQLite's replace() cannot match a NUL, but instr() finds one)."""
    texts = [k for k in plan.table.key if plan.types[plan.columns.index(k)] == "text"]
    if not texts:
        return {}
    where = " OR ".join(f"instr({k}, char(0)) > 0" for k in texts)
    cols = ", ".join(plan.columns)
    rows = await src.execute_fetchall(f"SELECT {cols} FROM {plan.table.name} WHERE {where}")
    return {plan.key_of(r): r for r in map(_storable, rows)}


def _storable(row: Sequence[Any]) -> Key:
    """The row as PostgreSQL can hold it: its texts without NULs and lone surrogates."""
    return tuple(sanitize(v) if isinstance(v, str) else v for v in row)


async def _copy_table(
    src: aiosqlite.Connection,
    target: PgDatabase,
    plan: _Plan,
    batch: int,
    progress: Progress | None,
) -> tuple[int, int, int]:
    """Insert the file's rows in rowid order, a batch per transaction; (copied, skipped,
    cleaned).

    A batch travels as one array per column and is inserted by one statement, which
    reports how many rows were new: rows already there are left as they are. (One
    statement per batch, rather than asyncpg's executemany of single-row inserts, which
    was about half as fast; COPY has no ON CONFLICT.)
    """
    import asyncpg

    name, cols = plan.table.name, ", ".join(plan.columns)
    arrays = ", ".join(f"?::{pg_type}[]" for pg_type in plan.types)
    keys = ", ".join(plan.table.key)
    there = " AND ".join(f"t.{k} = v.{k}" for k in plan.table.key)
    # Rows already there are filtered out before the insert, not only by ON CONFLICT:
    # PostgreSQL computes an article's search column before it finds the conflict, and
    # that is most of an article's cost (a re-run would pay it again for every row).
    insert = (
        f"INSERT INTO {name} ({cols}) SELECT * FROM unnest({arrays}) AS v ({cols})"
        f" WHERE NOT EXISTS (SELECT 1 FROM {name} t WHERE {there})"
        f" ON CONFLICT ({keys}) DO NOTHING"
    )
    select = f"SELECT rowid, {cols} FROM {name} WHERE rowid > ? ORDER BY rowid LIMIT ?"
    done = copied = cleaned = 0
    last = -(2**63)  # below every rowid
    while True:
        rows = list(await src.execute_fetchall(select, (last, batch)))
        if not rows:
            break
        storable = [_storable(tuple(r)[1:]) for r in rows]
        cleaned += sum(1 for r, s in zip(rows, storable, strict=True) if tuple(r)[1:] != s)
        values = [list(column) for column in zip(*storable, strict=True)]
        try:
            async with target.transaction() as tx:
                copied += await tx.execute(insert, values)
        except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as err:
            raise StorageError(
                f"PostgreSQL refused {name} rows {rows[0][0]}-{rows[-1][0]} of the file: "
                f"{str(err).strip().splitlines()[0]}."
            ) from None
        done += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(name, done, plan.total)
    if done == 0 and progress is not None:
        progress(name, 0, 0)
    return copied, done - copied, cleaned


async def _advance_sequences(src: aiosqlite.Connection, target: PgDatabase) -> None:
    """Move each identity past the largest id in either database and past SQLite's
    AUTOINCREMENT counter (ids of rows since deleted are never handed out again)."""
    counters: dict[str, int] = {}
    if await _scalar(src, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        rows = await src.execute_fetchall("SELECT name, seq FROM sqlite_sequence")
        counters = {str(r[0]): int(r[1]) for r in rows}
    for table in TABLES:
        if table.identity is None:
            continue
        largest = f"SELECT coalesce(max({table.identity}), 0) FROM {table.name}"
        ours = int(await _scalar(src, largest))
        theirs = await target.fetchone(largest)
        floor = max(ours, counters.get(table.name, 0), int(theirs[0]) if theirs else 0)
        if floor < 1:
            continue
        async with target.transaction() as tx:
            # Never moved back: a sequence already past the floor stays where it is.
            await tx.execute(
                "SELECT setval(s, ?) FROM (SELECT pg_get_serial_sequence(?, ?)::regclass AS s) q"
                " WHERE ? > coalesce(pg_sequence_last_value(s), 0)",
                (floor, table.name, table.identity, floor),
            )


async def _verify(
    target: PgDatabase, plan: _Plan, copied: int, skipped: int, cleaned: int
) -> TableCopy:
    row = await target.fetchone(f"SELECT count(*) FROM {plan.table.name}")
    found = int(row[0]) if row else 0
    return TableCopy(plan.table.name, plan.total, copied, skipped, found, cleaned)
