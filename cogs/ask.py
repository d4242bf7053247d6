"""/ask (an answer with its evidence and citation, or the sentences that come closest,
with the reader that answered in the footer when a model reader is configured),
/summary, and /news search (paginated)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import ask_cards, render
from bot.app.insights import outcome_of
from cogs.answer_views import DYNAMIC_ITEMS, answer_view
from cogs.views import Pager, article_choices, send_summary_card
from news.answer import Answer
from news.domain import Outcome
from news.errors import NotFoundError, new_error_id

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk
    from bot.app.readers import Asked
    from bot.client import NewsBot
    from news.domain import Article

log = logging.getLogger(__name__)

CLOSEST = 3


def ask_cooldown(interaction: discord.Interaction[Any]) -> app_commands.Cooldown | None:
    """One /ask per user per ``ask_cooldown_seconds`` (read at call time; 0 turns it off)."""
    per = float(interaction.client.settings.ask_cooldown_seconds)
    return app_commands.Cooldown(1, per) if per > 0 else None


def cooldown_key(interaction: discord.Interaction[Any]) -> tuple[int | None, int]:
    return (interaction.guild_id, interaction.user.id)


class Ask(commands.Cog):
    """Questions and search over a server's articles (and the global ones)."""

    news = app_commands.Group(name="news", description="Search the stored news", guild_only=True)

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @property
    def desk(self) -> NewsDesk:
        return self.bot.desk

    @app_commands.command(name="ask", description="Ask a question about the stored news")
    @app_commands.describe(
        question="For example: how many prisoners were released?",
        article="Ask about this story only: its id, or start typing its title",
    )
    @app_commands.guild_only()
    @app_commands.checks.dynamic_cooldown(ask_cooldown, key=cooldown_key)
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: app_commands.Range[str, 1, 500],
        article: int | None = None,
    ) -> None:
        # Deferred first: a model reader may take up to its timeout (the reply may follow
        # for 15 minutes); every failure of the model falls back to the offline answer.
        await interaction.response.defer(thinking=True)
        if article is None and isinstance(interaction.channel, discord.Thread):
            # In a story's own thread or forum post, /ask is about that story; the
            # answer is the interaction's, so it stays in the thread.
            article = await self.desk.feeds.story_in_thread(
                interaction.channel.id, interaction.guild_id
            )
        asked = await self.desk.ask_read(question, interaction.guild_id, article)
        await self.send_asked(interaction, asked)

    async def send_asked(
        self, interaction: discord.Interaction[Any], asked: Asked, *, asked_as: str | None = None
    ) -> None:
        """The card of an answer (or of a follow-up, with the question as it was read),
        recorded for the server's insights, with its follow-up and vote buttons when it
        shows an answer or passages."""
        embed = await self._reply(asked.answer, interaction.guild_id)
        embed = ask_cards.with_time(embed, asked.window_note, asked.newer)
        embed = ask_cards.asked_as(embed, asked_as)
        embed = render.with_reader(embed, asked.footer)
        if interaction.guild_id is None:
            await interaction.followup.send(embed=embed)
            return
        try:
            question_id: int | None = await self.desk.insights.record(interaction.guild_id, asked)
        except Exception:
            # The member still gets the answer, without buttons; the failure is ours.
            error_id = new_error_id()
            log.exception("error %s recording a question for insights", error_id)
            question_id = None
        if question_id is None or outcome_of(asked) is Outcome.NOT_FOUND:
            await interaction.followup.send(embed=embed)
        else:
            await interaction.followup.send(embed=embed, view=answer_view(question_id))

    @ask.autocomplete("article")
    async def _ask_article(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return await article_choices(self.desk, interaction, current)

    async def _reply(self, answer: Answer, guild_id: int | None) -> discord.Embed:
        """The bold answer when the engine commits; else the most relevant sentences;
        else, when no sentence is relevant, the closest articles."""
        if answer.committed:
            cited = await self._articles([answer.article_id], guild_id)
            others = [i for i in answer.related if i != answer.article_id]
            see_also = await self._articles(others[: render.SEE_ALSO_LIMIT], guild_id)
            embed = render.answer_embed(answer, cited[0] if cited else None, see_also)
            return ask_cards.dated_answer(embed, cited[0] if cited else None)
        if answer.passages:
            found = {
                a.id: a
                for a in await self._articles(
                    dict.fromkeys(q.article_id for q in answer.passages), guild_id
                )
            }
            quotes = [(q, found[q.article_id]) for q in answer.passages if q.article_id in found]
            if quotes:
                return render.passages_embed(answer.question, quotes)
        closest = await self._articles(answer.related[:CLOSEST], guild_id)
        if not closest:
            hits = await self.desk.search(answer.question, guild_id, limit=CLOSEST)
            closest = await self._articles([hit.article_id for hit in hits], guild_id)
        return render.not_found_embed(answer.question, closest)

    @app_commands.command(name="summary", description="A short summary of an article")
    @app_commands.describe(article="The article's id, or start typing its title")
    @app_commands.guild_only()
    async def summary(self, interaction: discord.Interaction[Any], article: int) -> None:
        await send_summary_card(interaction, self.desk, article)

    @summary.autocomplete("article")
    async def _summary_article(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return await article_choices(self.desk, interaction, current)

    async def _articles(self, ids: Any, guild_id: int | None) -> list[Article]:
        out = []
        for article_id in ids:
            try:
                out.append(await self.desk.get(article_id, guild_id))
            except NotFoundError:
                continue
        return out

    @news.command(name="search", description="Full-text search over the stored articles")
    @app_commands.describe(
        query="Words to look for; time words narrow it (this week, yesterday, in March)",
        since="Only stories from this day on: 2026-12-01, Monday, 1 December",
    )
    async def search(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, 200],
        since: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        await interaction.response.defer(thinking=True)
        guild_id = interaction.guild_id

        async def fetch(page: int) -> tuple[discord.Embed, bool]:
            # One extra hit tells whether a next page exists without counting matches.
            hits, note = await self.desk.search_when(
                query,
                guild_id,
                since=since,
                limit=render.PAGE_SIZE + 1,
                offset=page * render.PAGE_SIZE,
            )
            has_next = len(hits) > render.PAGE_SIZE
            pages = page + 2 if has_next else page + 1
            embed = render.search_page(query, hits[: render.PAGE_SIZE], page, pages)
            return ask_cards.with_window(embed, note), has_next

        embed, has_next = await fetch(0)
        if has_next:
            await interaction.followup.send(
                embed=embed, view=Pager(interaction.user.id, fetch, has_next)
            )
        else:
            await interaction.followup.send(embed=embed)


async def setup(bot: NewsBot) -> None:
    # The answer cards' buttons carry their question's id: they work after a restart.
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Ask(bot))
