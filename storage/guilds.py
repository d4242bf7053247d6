"""Per-guild settings (the moderator role); digest schedules live beside them."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.sql import SqlDatabase


class GuildSettingsStore:
    def __init__(self, db: SqlDatabase):
        self.db = db

    async def mod_role(self, guild_id: int) -> int | None:
        """The role whose members may curate articles, if the server set one."""
        row = await self.db.fetchone(
            "SELECT mod_role_id FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return int(row[0]) if row and row[0] is not None else None

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        async with self.db.transaction("guilds") as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, mod_role_id, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET mod_role_id = excluded.mod_role_id,"
                " updated_at = excluded.updated_at",
                (guild_id, role_id, datetime.now(UTC).isoformat(timespec="seconds")),
            )
