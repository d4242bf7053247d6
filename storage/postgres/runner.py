"""Which process runs which shards, claimed in PostgreSQL for a bot process's life.

Several processes share one PostgreSQL database; each must run shards no other runs,
or two would schedule the same guilds' digests. A process holds a session advisory
lock per shard on a connection of its own, for as long as it runs: a second process
asking for a shard already held stops at once with one line. Processes that disagree
on the number of shards would split guilds differently; each also holds a shared lock
on its count, and one that finds another count held stops too. The locks go when the
process (or its connection) dies, so a restart gets them back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from storage.errors import StorageError
from storage.postgres.db import safe_location, translated

SHARD_LOCK = 0x6E657775  # advisory lock class: (SHARD_LOCK, shard id)
COUNT_LOCK = 0x6E657776  # advisory lock class: (COUNT_LOCK, shard count), shared


@asynccontextmanager
async def hold_shards(url: str, ids: Sequence[int], count: int) -> AsyncIterator[None]:
    """Hold shards ``ids`` of ``count`` in the database until the block ends."""
    location = safe_location(url)
    with translated(location):
        conn = await asyncpg.connect(url)
    try:
        with translated(location):
            await _claim(conn, ids, count, location)
        yield
    finally:
        # Closing the session releases every advisory lock it holds.
        await conn.close()


async def _claim(conn: asyncpg.Connection, ids: Sequence[int], count: int, where: str) -> None:
    await conn.execute("SELECT pg_advisory_lock_shared($1, $2)", COUNT_LOCK, count)
    other = await conn.fetchval(
        "SELECT min(objid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1"
        " AND objsubid = 2 AND objid != $2 AND granted",
        COUNT_LOCK,
        count,
    )
    if other is not None:
        raise StorageError(
            f"Another newsbot on {where} runs with {other} shards; this one was started with "
            f"{count}. Every process needs the same NEWSBOT_SHARD_COUNT."
        )
    for shard in ids:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", SHARD_LOCK, shard):
            raise StorageError(
                f"Shard {shard} of {count} is already run by another newsbot on {where}. "
                "Give each process its own NEWSBOT_SHARDS (together covering every shard once)."
            )
