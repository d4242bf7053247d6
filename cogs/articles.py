"""/article add|paste|remove|show|list and the "Save as article" message command.

Thin: check the member, call the NewsDesk, render. Errors go to the tree's handler
(views and modals, in :mod:`cogs.views`, forward theirs to the same one).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.checks import is_moderator, moderator_only
from cogs.views import (
    ModeratorView,
    Pager,
    PasteModal,
    article_choices,
    publication_date,
    send_stored,
    send_summary_card,
)
from news.domain import PageCursor

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk
    from bot.client import NewsBot

URL = re.compile(r"https?://[^\s<>|]+[^\s<>|.,;:!?'\")\]]")


class ConfirmRemove(ModeratorView):
    """Remove / Keep buttons under an article's card, for its invoker while a moderator."""

    def __init__(self, owner_id: int, desk: NewsDesk, article_id: int, guild_id: int) -> None:
        super().__init__(owner_id)
        self.desk = desk
        self.article_id = article_id
        self.guild_id = guild_id

    @discord.ui.button(
        label="Remove", style=discord.ButtonStyle.danger, custom_id="newsbot:confirm"
    )
    async def confirm(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        await self.desk.remove(self.article_id, self.guild_id)
        await interaction.response.edit_message(
            content=f"Removed article #{self.article_id}.", embed=None, view=None
        )

    @discord.ui.button(
        label="Cancel", style=discord.ButtonStyle.secondary, custom_id="newsbot:cancel"
    )
    async def cancel(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=f"Kept article #{self.article_id}.", embed=None, view=None
        )


class Articles(commands.Cog):
    """Curating and browsing a server's articles."""

    article = app_commands.Group(
        name="article", description="Add, show, list and remove news articles", guild_only=True
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.save_menu = app_commands.ContextMenu(
            name="Save as article", callback=self.save_as_article
        )
        self.save_menu.guild_only = True
        self.save_menu.default_permissions = discord.Permissions(manage_messages=True)
        self.save_menu.add_check(is_moderator)

    @property
    def desk(self) -> NewsDesk:
        return self.bot.desk

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.save_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.save_menu.name, type=self.save_menu.type)

    async def article_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return await article_choices(self.desk, interaction, current)

    @article.command(name="add", description="Fetch a web page and store it as an article")
    @app_commands.describe(
        url="The article's address (http or https)",
        published="When it was published, YYYY-MM-DD (else the date the page gives, if any)",
    )
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction[Any],
        url: str,
        published: app_commands.Range[str, None, 10] | None = None,
    ) -> None:
        # Read before deferring, as the paste form does: a bad date is one ephemeral
        # line, and the page is never fetched.
        day = publication_date(published)
        await interaction.response.defer(thinking=True)
        result = await self.desk.add_url(
            url, guild_id=interaction.guild_id, added_by=interaction.user.id, published=day
        )
        await send_stored(interaction, result)

    @article.command(name="paste", description="Store an article by pasting its text")
    @moderator_only()
    async def paste(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(PasteModal(self.desk))

    @article.command(name="remove", description="Remove an article from this server")
    @app_commands.describe(article="The article's id, or start typing its title")
    @app_commands.autocomplete(article=article_autocomplete)
    @moderator_only()
    async def remove(self, interaction: discord.Interaction[Any], article: int) -> None:
        assert interaction.guild_id is not None  # guild_only
        found = await self.desk.get(article, interaction.guild_id)
        view = ConfirmRemove(interaction.user.id, self.desk, found.id, interaction.guild_id)
        await interaction.response.send_message(
            f"Remove article #{found.id}?",
            embed=render.article_card(found),
            view=view,
            ephemeral=True,
        )

    @article.command(name="show", description="Show an article's card")
    @app_commands.describe(article="The article's id, or start typing its title")
    @app_commands.autocomplete(article=article_autocomplete)
    async def show(self, interaction: discord.Interaction[Any], article: int) -> None:
        await send_summary_card(interaction, self.desk, article)

    @article.command(name="list", description="The newest articles, a page at a time")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = interaction.guild_id
        total = await self.desk.count(guild_id)
        pages = max((total + render.PAGE_SIZE - 1) // render.PAGE_SIZE, 1)
        # Keyset pages: page p starts just past the last article of page p - 1, so a deep
        # page costs what the first does. The pager moves one page at a time, so the
        # start of every page it can reach is known.
        starts: list[PageCursor | None] = [None]

        async def fetch(page: int) -> tuple[discord.Embed, bool]:
            page = min(page, len(starts) - 1, pages - 1)
            articles = await self.desk.recent(guild_id, limit=render.PAGE_SIZE, after=starts[page])
            if articles and len(starts) == page + 1:
                starts.append(PageCursor.of(articles[-1]))
            return render.list_page(articles, page, pages, total), page + 1 < pages

        embed, has_next = await fetch(0)
        if has_next:
            view = Pager(interaction.user.id, fetch, has_next)
            await interaction.response.send_message(embed=embed, view=view)
        else:
            await interaction.response.send_message(embed=embed)

    async def save_as_article(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        await interaction.response.defer(thinking=True)
        link = URL.search(message.content or "")
        if link is not None:
            result = await self.desk.add_url(
                link.group(0), guild_id=interaction.guild_id, added_by=interaction.user.id
            )
        else:
            result = await self.desk.add_text(
                message.content or "",
                url=message.jump_url,
                source=f"message by {message.author.display_name}",
                guild_id=interaction.guild_id,
                added_by=interaction.user.id,
            )
        await send_stored(interaction, result)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Articles(bot))
