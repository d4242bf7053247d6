"""/newsbot modrole: the server's moderator role (Manage Server to set or clear it);
/newsbot insights show and clear: what members asked (moderators only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.insights import RetentionJob
from bot.checks import moderator_only
from bot.insight_cards import insights_embed
from cogs.answer_views import AddStoryButton

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

    insights = app_commands.Group(
        name="insights", description="What members asked and how they rated it", parent=newsbot
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.retention = RetentionJob(bot.desk.insights, bot.scheduler)

    async def cog_load(self) -> None:
        self.retention.start()

    async def cog_unload(self) -> None:
        self.retention.close()

    @insights.command(name="show", description="This week's questions, low-rated answers, gaps")
    @moderator_only()
    async def insights_show(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None  # guild_only
        report = await self.bot.desk.insights.report(interaction.guild_id)
        view = discord.ui.View(timeout=None)
        for n in range(1, len(report.unanswered) + 1):
            view.add_item(AddStoryButton(n))
        await interaction.response.send_message(
            embed=insights_embed(report),
            view=view if report.unanswered else discord.utils.MISSING,
            ephemeral=True,
        )

    @insights.command(name="clear", description="Delete this server's questions and votes now")
    @moderator_only()
    async def insights_clear(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None  # guild_only
        questions, votes = await self.bot.desk.insights.clear(interaction.guild_id)
        await interaction.response.send_message(
            f"Deleted {questions} question{'' if questions == 1 else 's'} and {votes}"
            f" vote{'' if votes == 1 else 's'} of this server.",
            ephemeral=True,
        )

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
