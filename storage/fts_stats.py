"""Figures FTS5 keeps about itself, read without touching its posting lists.

An FTS5 table stores, in the row with id 1 of its ``_data`` shadow table, the number of
rows it indexes and the total tokens of each column (bm25's average lengths come from
there). Reading that one row answers "how many articles?" in constant time, where
``count(*)`` walks a whole index of the table: at a million articles, about 11,000 pages
on the first question a process asks.
"""

from __future__ import annotations

AVERAGES_ROWID = 1  # FTS5_AVERAGES_ROWID in SQLite's fts5Int.h


def read_varint(data: bytes, at: int = 0) -> tuple[int, int]:
    """SQLite's varint at ``data[at:]``: (value, the offset just past it).

    Big-endian groups of 7 bits, the high bit set on every byte but the last; a ninth
    byte carries 8 bits.
    """
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def total_rows(averages: bytes | None) -> int:
    """The row count at the head of an FTS5 table's averages record (0 if it has none:
    an empty table that was never written)."""
    if not averages:
        return 0
    return read_varint(averages)[0]


def averages_sql(table: str) -> str:
    """The statement that reads ``table``'s averages record (one B-tree look-up)."""
    return f"SELECT block FROM {table}_data WHERE id = {AVERAGES_ROWID}"
