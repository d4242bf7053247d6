"""Server settings use cases: the moderator role a server chose (Manage Server sets it)."""

from __future__ import annotations

from storage.interfaces import GuildSettings


class ServerSettings:
    def __init__(self, store: GuildSettings) -> None:
        self._store = store

    async def mod_role(self, guild_id: int) -> int | None:
        """The role whose members may curate articles, if the server set one."""
        return await self._store.mod_role(guild_id)

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        await self._store.set_mod_role(guild_id, role_id)
