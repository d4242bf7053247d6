"""SQLite connections and transactions; its side of the migration runner (storage/migrate.py).

One writer connection (guarded by a lock, explicit ``BEGIN IMMEDIATE``) and a small pool
of reader connections: in WAL mode readers never wait for the writer nor for each other,
and never see half-written data. A database the process may not write is opened for
reading only: reads are served, writes raise :class:`~storage.errors.StorageError`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from storage.errors import StorageError, is_busy, is_read_only, read_only_error, translated
from storage.migrate import Migration, load_migrations, migrate
from storage.sql import Dialect, Domain, Params, Row

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
READERS = 4  # read connections: a lookup never queues behind more than a few reads


def utc_iso(moment: datetime) -> str:
    """How every table stores an instant: UTC, microseconds, ``+00:00``.

    One fixed format so that stored strings sort like the instants they name (digests
    compare their window against articles' ``added_at``).
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store times in UTC")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def stored_time(value: str | None) -> datetime | None:
    """An instant as :func:`utc_iso` stored it, or None for an empty column."""
    return datetime.fromisoformat(value) if value else None


def statements(sql: str) -> Iterator[str]:
    """The statements of a migration script, one at a time (a trigger's body stays whole).

    Migrations run statement by statement inside a transaction the caller holds:
    ``executescript`` would commit that transaction first.
    """
    buffer = ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if _has_code(buffer):
                yield buffer.strip()
            buffer = ""
    if _has_code(buffer):
        yield buffer.strip()


def _has_code(sql: str) -> bool:
    """False for a piece that holds only comments, blanks and semicolons."""
    code = re.sub(r"--[^\n]*", "", sql)
    return code.strip(" \t\r\n;") != ""


async def _connect(target: str | Path, *, uri: bool = False) -> aiosqlite.Connection:
    conn = aiosqlite.connect(target, isolation_level=None, uri=uri)
    try:
        await conn
    except BaseException:
        # aiosqlite stops its worker thread after a failed open and reports back to this
        # loop: wait for it, or it reports to a closed loop when the CLI exits.
        await asyncio.to_thread(conn._thread.join, 5)
        raise
    try:
        # The busy timeout first: every later statement, the journal-mode switch of a
        # new file included, then waits for another process's lock instead of failing.
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


class SqliteTx:
    """The statements of one SQLite write transaction (:class:`storage.sql.Tx`)."""

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self.conn.execute(sql, tuple(params)) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.conn.execute(sql, tuple(params)) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.conn.executemany(sql, [tuple(row) for row in rows])


class Database:
    """The store's connections (:class:`storage.sql.SqlDatabase`); use
    :func:`open_database` to get one.

    ``writer`` is None when the file could only be opened for reading.
    """

    def __init__(
        self, path: Path, writer: aiosqlite.Connection | None, readers: list[aiosqlite.Connection]
    ):
        self.path = path
        self._writer = writer
        self._readers = readers
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._idle.put_nowait(reader)
        self._write_lock = asyncio.Lock()

    @property
    def dialect(self) -> Dialect:
        return "sqlite"

    @property
    def read_only(self) -> bool:
        return self._writer is None

    def _translated(self) -> AbstractContextManager[None]:
        return translated(self.path, busy_ms=BUSY_TIMEOUT_MS)

    @asynccontextmanager
    async def transaction(self, domain: Domain = "articles") -> AsyncIterator[SqliteTx]:
        """A write transaction: committed on success, rolled back on any error.

        Environment failures (disk full, lock held, read-only file) surface as
        :class:`StorageError`; SQLite may already have rolled back by then, so the
        rollback here never hides the error that caused it.
        """
        writer = self._writer
        if writer is None:
            raise read_only_error(self.path)
        async with self._write_lock:
            with self._translated():
                await writer.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(writer)
            except BaseException as exc:
                await _rollback(writer)
                if isinstance(exc, sqlite3.Error):
                    with self._translated():
                        raise
                raise
            with self._translated():
                try:
                    await writer.execute("COMMIT")
                except BaseException:
                    await _rollback(writer)
                    raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """An idle read connection, for as long as the block runs."""
        conn = await self._idle.get()
        try:
            yield conn
        finally:
            self._idle.put_nowait(conn)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.reading() as conn:
            with self._translated():
                async with conn.execute(sql, tuple(params)) as cursor:
                    return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self.reading() as conn:
            with self._translated():
                async with conn.execute(sql, tuple(params)) as cursor:
                    row: Row | None = await cursor.fetchone()
                    return row

    async def schema_version(self) -> int:
        async with self.reading() as conn:
            with self._translated():
                return await _read_version(conn)

    async def close(self) -> None:
        for reader in self._readers:
            await reader.close()
        if self._writer is not None:
            await self._writer.close()


async def _rollback(conn: aiosqlite.Connection) -> None:
    """Roll back if a transaction is still open; SQLite rolls back by itself on some
    errors (a full disk), and a second ROLLBACK would only raise "no transaction"."""
    if not conn.in_transaction:
        return
    try:
        await conn.execute("ROLLBACK")
    except sqlite3.Error:
        log.warning("rollback failed", exc_info=True)


async def _read_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ) as cursor:
        row = await cursor.fetchone()
    if not row or not row[0]:
        return 0
    async with conn.execute("SELECT coalesce(max(version), 0) FROM schema_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def _newer_error(path: Path, found: int, known: int) -> StorageError:
    return StorageError(
        f"The database {path} was made by a newer newsbot (schema {found}; this one knows up "
        f"to {known}): upgrade newsbot, or use another --db."
    )


class _SqliteMigrations:
    """The SQLite side of :func:`storage.migrate.migrate`: every pending migration in one
    transaction under the write lock (``BEGIN IMMEDIATE``), so of processes opening a new
    file at once one migrates, and the others wait for that one transaction (not one per
    migration, with the busy handler's back-off between each) and find the work done."""

    one_per_transaction = False
    log = log
    applied = "applied migration %03d_%s"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    async def version(self) -> int:
        return await _read_version(self.conn)

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            await self.conn.execute("COMMIT")
        except BaseException:
            await _rollback(self.conn)
            raise

    async def execute(self, sql: str) -> None:
        # Statement by statement: executescript would commit the transaction first.
        for statement in statements(sql):
            await self.conn.execute(statement)

    async def record(self, migration: Migration, applied_at: str) -> None:
        await self.conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, applied_at),
        )

    def newer(self, found: int, known: int) -> StorageError:
        return _newer_error(self.path, found, known)


async def open_database(
    path: str | Path, *, migrations: list[Migration] | None = None, readers: int = READERS
) -> Database:
    """Open (creating if needed) the database at ``path`` and apply pending migrations.

    A file this process may not write is opened for reading, if its schema is current.
    Failures of the environment raise :class:`StorageError` with a one-line message.
    """
    db_path = Path(path)
    known = load_migrations() if migrations is None else migrations
    if str(db_path) != ":memory:":
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StorageError(
                f"Cannot create the folder {db_path.parent} for the database: "
                f"{err.strerror or err}. Check the path and its permissions."
            ) from None
    opened: list[aiosqlite.Connection] = []
    try:
        with translated(db_path, busy_ms=BUSY_TIMEOUT_MS):
            writer = await _writer(db_path, known, opened)
            pool = [
                await open_reader(db_path, read_only=writer is None) for _ in range(max(readers, 1))
            ]
            opened.extend(pool)
            if writer is None:
                await _check_read_only_schema(pool[0], known, db_path)
    except BaseException:
        for conn in opened:
            await conn.close()
        raise
    return Database(db_path, writer, pool)


async def _writer(
    path: Path, known: list[Migration], opened: list[aiosqlite.Connection]
) -> aiosqlite.Connection | None:
    """The write connection, migrated; None if this process may not write the file."""
    try:
        writer = await _connect(path)
    except sqlite3.OperationalError as err:
        if is_read_only(err):
            return None
        raise
    opened.append(writer)
    try:
        await _use_wal(writer)
        await migrate(_SqliteMigrations(writer, path), known)
    except sqlite3.OperationalError as err:
        if not is_read_only(err):
            raise
        opened.remove(writer)
        await writer.close()
        return None
    return writer


async def _use_wal(conn: aiosqlite.Connection) -> None:
    """Switch the file to WAL (once per file: the mode is kept in it).

    On a new file that several processes open at once, the switch of one can fail at
    once with "database is locked", busy timeout or not: it holds a shared lock while
    another process holds the one it needs, and SQLite answers such a wait at once rather
    than risk a deadlock. Tried again from scratch, it finds WAL already set or takes the
    lock. (Three processes opening one new file failed this way about once in 40 on two
    loaded cores.)"""
    deadline = asyncio.get_running_loop().time() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if not is_busy(err) or asyncio.get_running_loop().time() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.1)


async def open_reader(path: Path, *, read_only: bool) -> aiosqlite.Connection:
    """A read connection; for a file we may not write, a read-only one.

    A WAL database needs its shared-memory index; where the folder is read-only too and
    none exists, the file is opened as immutable (nobody can be writing it through us).
    """
    if not read_only or str(path) == ":memory:":
        return await _connect(path)
    uri = _file_uri(path)
    try:
        conn = await _connect(f"{uri}?mode=ro", uri=True)
    except sqlite3.OperationalError as err:
        if not is_read_only(err):
            raise
    else:
        try:
            await (await conn.execute("SELECT count(*) FROM sqlite_master")).close()
            return conn
        except sqlite3.OperationalError as err:
            await conn.close()
            if not is_read_only(err):
                raise
    log.debug("%s: folder and file are read-only; reading it as an immutable snapshot", path)
    return await _connect(f"{uri}?mode=ro&immutable=1", uri=True)


def _file_uri(path: Path) -> str:
    """``file:///abs/path``, percent-encoded, for SQLite's URI options (no disk access)."""
    return Path(os.path.abspath(path)).as_uri()


async def _check_read_only_schema(
    conn: aiosqlite.Connection, known: list[Migration], path: Path
) -> None:
    latest = max((m.version for m in known), default=0)
    current = await _read_version(conn)
    if current > latest:
        raise _newer_error(path, current, latest)
    if current < latest:
        raise StorageError(
            f"The database {path} is read-only and needs upgrading (schema {current} to "
            f"{latest}): open it once with write permission on the file and its folder."
        )
    log.info("%s is read-only: serving reads, refusing changes", path)


class AlreadyRunning(StorageError):
    """Another bot process holds the SQLite file's runner lock."""


def lock_path(path: str | Path) -> Path:
    """The runner lock's file, next to the database's real file (symbolic links followed):
    ``<db>.lock``. Keyed on the path as given, a link to the database would get a lock
    of its own."""
    return Path(f"{os.path.realpath(path)}.lock")


@contextmanager
def runner_lock(path: str | Path) -> Iterator[None]:
    """Hold the database's runner lock for as long as the block runs (a bot's life), or
    raise :class:`AlreadyRunning` at once if another process holds it.

    One bot per SQLite file: two would both schedule every digest and poll every feed
    through one writer. Commands that run and end (add, ask, import) do not take it;
    SQLite's own locking serialises their writes with the bot's. An OS lock (``flock``)
    rather than a pid file: the kernel drops it when its process ends, however it ends,
    so nothing stale is left behind. The pid written into the file is only for the
    message; the lock decides.

    The lock file sits beside the database's real path, so a symbolic link finds it. A
    hard link is another name for the same file (device and inode): on Linux the database
    file itself is locked too (:func:`_database_file_lock`), so that a second bot through
    any name of the file is refused.
    """
    if str(path) == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # no flock on this system: run unguarded, as before the lock
        log.warning("no OS file locks here: nothing stops a second bot on %s", path)
        yield
        return
    target = lock_path(path)
    fd = _open_lock(target)
    if fd is None:
        # The folder cannot be written, so this process cannot write the database
        # either (SQLite needs its journal files there): nothing to guard.
        log.debug("%s cannot be created: running without the runner lock", target)
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            raise _already_running(path, holder) from None
        with _database_file_lock(path) as free:
            if not free:
                raise _already_running(path, "through another name of the file")
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except OSError:
                pass  # a read-only lock file still locks; only the message loses the pid
            yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def _already_running(path: str | Path, holder: str) -> AlreadyRunning:
    return AlreadyRunning(
        f"Another newsbot is already running on {path} ({holder}). One process per "
        "SQLite file; to run several, use PostgreSQL (README: Growing past one machine)."
    )


@contextmanager
def _database_file_lock(path: str | Path) -> Iterator[bool]:
    """An exclusive ``flock`` on the database file itself, held for the block: False when
    another process holds it. Only on Linux, where ``flock`` and the ``fcntl`` locks SQLite
    takes are apart; on the BSDs (macOS) they interact, and this lock would lock SQLite
    out. Elsewhere, and where the file cannot be opened or made, True with no lock.

    Closing a descriptor drops every ``fcntl`` lock its process holds on the file, so this
    one is opened before the bot opens the database and closed after it closes it
    (:func:`storage.backend.hold_runner` wraps the bot's whole life)."""
    fd = None
    if sys.platform == "linux":
        try:  # an empty file is an empty database to SQLite, which opens it next
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            fd = None
    if fd is None:
        yield True
        return
    import fcntl  # Linux has it

    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _open_lock(target: Path) -> int | None:
    """A descriptor of the lock file (created if missing), or None where it cannot be
    made. Not inherited by child processes, which must not keep the lock alive."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # the database's folder, as it will be
        return os.open(target, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        pass
    try:
        return os.open(target, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "pid unknown"
