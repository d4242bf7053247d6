"""Which guilds one bot process serves, when several processes share one database.

Discord splits a bot's guilds into shards by ``(guild_id >> 22) % shard_count``; a
process connected to some shards serves only their guilds, so it schedules digests and
polls feeds only for them. Global feeds (no guild, added from the command line) belong
to the process that holds shard 0, so exactly one process polls them.

``None`` wherever a :class:`Shards` is expected means every guild (one process).
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord sends a guild's events to, of ``count`` shards."""
    return (guild_id >> 22) % count


@dataclass(frozen=True)
class Shards:
    """The shard ids a process holds, of ``count`` shards in all (validated by the caller
    for the operator's message; checked again here)."""

    ids: tuple[int, ...]
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not self.ids or len(set(self.ids)) != len(self.ids):
            raise ValueError(f"bad shards {self.ids} of {self.count}")
        if any(not 0 <= shard < self.count for shard in self.ids):
            raise ValueError(f"shards {self.ids} are not all below {self.count}")

    def owns(self, guild_id: int | None) -> bool:
        """True if this process serves the guild (None: the global scope, shard 0's)."""
        shard = 0 if guild_id is None else shard_of(guild_id, self.count)
        return shard in self.ids

    @property
    def everything(self) -> bool:
        """True when these shards are all there are (one process serves every guild)."""
        return len(self.ids) == self.count


def shard_filter(shards: Shards | None, column: str = "guild_id") -> tuple[str, tuple[int, ...]]:
    """A WHERE condition (with its parameters) true for rows of the guilds ``shards``
    serves; the same SQL on SQLite and PostgreSQL, whose integers both shift and take a
    remainder like Python's for the non-negative ids Discord hands out."""
    if shards is None or shards.everything:
        return "1 = 1", ()
    marks = ", ".join("?" * len(shards.ids))
    condition = f"(({column} >> 22) % ?) IN ({marks})"
    if 0 in shards.ids:
        condition = f"({column} IS NULL OR {condition})"
    return condition, (shards.count, *shards.ids)
