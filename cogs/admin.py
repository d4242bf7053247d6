"""/newsbot modrole: the server's moderator role (Manage Server to set or clear it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import NewsBot


class Admin(commands.Cog):
    """Per-server settings of the bot."""

    newsbot = app_commands.Group(
        name="newsbot",
        description="Server settings for the news desk",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @newsbot.command(
        name="modrole", description="Set the role that may curate articles (no role: clear it)"
    )
    @app_commands.describe(role="Members with this role may add and remove articles")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def modrole(
        self, interaction: discord.Interaction[Any], role: discord.Role | None = None
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        await self.bot.desk.servers.set_mod_role(interaction.guild_id, role.id if role else None)
        if role is None:
            text = (
                "Cleared the moderator role: only members with Manage Messages can curate articles."
            )
        else:
            text = f"Members with {role.mention} can now add and remove articles."
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Admin(bot))
