"""Database failures that come from outside the code, each as one line for the operator.

A disk that fills, a file without write permission, a lock another process holds, a
damaged or foreign file: none of these is a bug, so none should reach a person as a
traceback. :func:`describe` turns the SQLite error behind one into a
:class:`StorageError` whose message says what is wrong and what to do; errors it does not
know (a bad statement, a broken constraint) stay as they are, because those are bugs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _CANTOPEN, _FULL, _NOTADB = 5, 6, 8, 10, 11, 14, 13, 26


class StorageError(Exception):
    """The database cannot do what was asked; ``str(err)`` is one line: what is wrong and
    what to do about it."""


def is_read_only(err: sqlite3.Error) -> bool:
    """True for "attempt to write a readonly database" and its variants (a read-only
    file, or a folder where the WAL index cannot be made)."""
    return _primary(err) == _READONLY


def is_busy(err: sqlite3.Error) -> bool:
    """True for "database is locked" (SQLITE_BUSY)."""
    return _primary(err) == _BUSY


def describe(
    err: sqlite3.Error, path: Path | str, *, busy_ms: int | None = None
) -> StorageError | None:
    """The operator's sentence for ``err`` on the database at ``path``, or None for an
    error that is a bug of ours."""
    code = _primary(err)
    where = str(path)
    if code in (_BUSY, _LOCKED):
        waited = f" (waited {busy_ms / 1000:g} s)" if busy_ms else ""
        return StorageError(
            f"The database {where} is locked by another process{waited}: wait for it to "
            "finish (an import, or a bot writing to it), then try again."
        )
    if code == _FULL:
        return StorageError(
            f"The disk holding {where} is full, so the last change was not saved: "
            "free some space, then try again."
        )
    if code == _READONLY:
        return read_only_error(where)
    if code == _CORRUPT:
        return StorageError(
            f"The database {where} is damaged ({err}): restore it from a backup, or "
            f"salvage what is left with: sqlite3 {where} .recover"
        )
    if code == _NOTADB:
        return StorageError(
            f"{where} is not a newsbot database (not an SQLite file): check --db or NEWSBOT_DB."
        )
    if code == _CANTOPEN:
        return StorageError(
            f"Cannot open the database {where}: its folder is missing or cannot be written. "
            "Check the path and its permissions."
        )
    if code == _IOERR:
        return StorageError(
            f"Reading or writing {where} failed ({err}): check the disk, then try again."
        )
    return None


def read_only_error(where: Path | str) -> StorageError:
    return StorageError(
        f"The database {where} is read-only: newsbot can read it but not change it. Give "
        "write permission on the file and its folder, or use another --db."
    )


@contextmanager
def translated(path: Path | str, *, busy_ms: int | None = None) -> Iterator[None]:
    """Raise the operator's :class:`StorageError` for the SQLite errors that have one."""
    try:
        yield
    except sqlite3.Error as err:
        wrapped = describe(err, path, busy_ms=busy_ms)
        if wrapped is None:
            raise
        raise wrapped from err


def _primary(err: sqlite3.Error) -> int | None:
    code = getattr(err, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None
