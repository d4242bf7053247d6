"""/feed add|remove|list|preview|resume, and posting new feed items to their channels.

The cog attaches this bot's posting to the feeds' use cases
(:class:`bot.app.feeds.FeedCases`, ``desk.feeds``), and puts the poller's one job on the
bot's scheduler in ``cog_load`` (removed in ``cog_unload``). Posting is the only place
that turns Discord's refusals into DeliveryError: a deleted channel or a missing
permission pauses posting, not storing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.feed_job import FeedPoller
from bot.app.feed_polling import FeedChoices
from bot.checks import moderator_only
from bot.feed_cards import PollReport, feed_line
from bot.feed_formats import per_story, story_messages
from bot.feed_sending import Delivered, edit_content, send_stories
from bot.render import clamp, escape, link
from bot.style import CHOICE_NAME_LIMIT, COLOUR, EMBED_DESCRIPTION_LIMIT
from cogs.views import (
    AUTOCOMPLETE_LIMIT,
    NO_MENTIONS,
    ModeratorView,
    Pager,
    deliver,
    delivery_problem,
    forum_tag,
    postable,
)
from news.domain import Article, Feed
from news.feed_fetch import FeedLink
from news.text import strip_invisible

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

LIST_PAGE = 10  # feeds a page of /feed list, fewer when their rows are long
SELECT_OPTIONS = 25  # Discord's most options in one select menu


def list_pages(rows: Sequence[str]) -> list[str]:
    """/feed list's rows cut into pages of at most LIST_PAGE rows that fit an embed."""
    pages: list[list[str]] = [[]]
    size = 0
    room = EMBED_DESCRIPTION_LIMIT - 100
    for row in rows:
        if pages[-1] and (len(pages[-1]) >= LIST_PAGE or size + len(row) + 1 > room):
            pages.append([])
            size = 0
        pages[-1].append(row)
        size += len(row) + 1
    return ["\n".join(page) for page in pages]


def describe_first_poll(feed: Feed, report: PollReport) -> str:
    stored = report.new + report.duplicates
    noun = "item" if stored == 1 else "items"
    text = f"Following {link(feed.name, feed.url, 150)} (`#{feed.id}`): stored {stored} {noun}"
    if report.failed:
        text += f", {report.failed} could not be stored"
    if report.over_limit:
        text += f"; {report.over_limit} older ones were left out"
    text += "."
    if feed.channel_id:
        if report.posted:
            text += f" Posted the latest {report.posted} in <#{feed.channel_id}>;"
            text += " new items will be posted there too."
        else:
            text += f" New items will be posted in <#{feed.channel_id}>."
    if report.detail and report.detail.startswith("posting"):
        text += f" ({clamp(escape(report.detail), 300)})"
    return text


class FeedSelect(discord.ui.Select["PickFeed"]):
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert self.view is not None
        await self.view.chosen(interaction, int(self.values[0]))


class PickFeed(ModeratorView):
    """A select menu of the feeds a page announced: choosing one subscribes to it with
    the options of the /feed add that found them (its invoker only, while a moderator)."""

    def __init__(
        self, cog: Feeds, owner_id: int, links: Sequence[FeedLink], subscribe: dict[str, Any]
    ) -> None:
        super().__init__(owner_id)
        self.cog = cog
        self.links = list(links[:SELECT_OPTIONS])
        self.subscribe = subscribe
        options = [
            discord.SelectOption(
                # Labels are plain text (no markdown, no mentions), but what a stranger's
                # page wrote still loses its bidi and invisible controls.
                label=clamp(strip_invisible(link_.title or link_.url) or link_.url, 100),
                description=clamp(strip_invisible(f"{link_.kind} · {link_.url}"), 100),
                value=str(index),
            )
            for index, link_ in enumerate(self.links)
        ]
        self.add_item(
            FeedSelect(
                placeholder="Choose the feed to follow",
                custom_id="newsbot:feed-pick",
                options=options,
            )
        )

    async def chosen(self, interaction: discord.Interaction[Any], index: int) -> None:
        self.stop()
        await interaction.response.defer()  # the message is edited when the poll is done
        try:
            feed, report = await self.cog.feeds.subscribe(self.links[index].url, **self.subscribe)
        except Exception:
            # The menu goes either way; the error reaches the member through on_error.
            await interaction.edit_original_response(view=None)
            raise
        await interaction.edit_original_response(
            content=describe_first_poll(feed, report), view=None, allowed_mentions=NO_MENTIONS
        )


class Feeds(commands.Cog):
    """Feed subscriptions: new items are stored, and posted to a channel."""

    feed = app_commands.Group(name="feed", description="Follow news feeds", guild_only=True)

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.feeds = bot.desk.feeds
        self.feeds.attach(post=self.post, notify=self.notify, edit=self.edit)
        self.poller = FeedPoller(self.feeds, bot.scheduler)

    async def cog_load(self) -> None:
        await self.poller.start()

    async def cog_unload(self) -> None:
        await self.poller.close()
        self.feeds.attach(post=None, notify=None)  # nothing posts through an unloaded cog

    # -- posting -------------------------------------------------------------------------

    async def _send(
        self, channel_id: int, content: str | None, embeds: list[discord.Embed]
    ) -> None:
        await deliver(
            postable(self.bot, channel_id),
            channel_id,
            gone="The feed's channel no longer exists: choose another with /feed resume.",
            content=content,
            embeds=embeds,
        )

    async def post(self, feed: Feed, articles: Sequence[Article], more: int) -> Delivered:
        """New items in the feed's style, where it delivers (cards at most five to a
        message in a channel; discord.py waits out Discord's rate limits between them)."""
        return await send_stories(self.bot, feed, story_messages(feed, articles, more))

    async def edit(self, channel_id: int, message_id: int, content: str) -> bool:
        return await edit_content(self.bot, channel_id, message_id, content)

    async def notify(self, feed: Feed, text: str) -> None:
        assert feed.channel_id is not None
        await self._send(feed.channel_id, clamp(escape(text), 1900), [])

    # -- commands ------------------------------------------------------------------------

    async def _feed_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None or not AUTOCOMPLETE_LIMIT.allow(interaction.user.id):
            return []
        found = await self.feeds.names(interaction.guild_id, current)
        return [
            app_commands.Choice(name=clamp(f"#{f.id} {f.name}", CHOICE_NAME_LIMIT), value=f.id)
            for f in found
        ]

    @feed.command(name="add", description="Follow a feed (or a site that announces one)")
    @app_commands.describe(
        url="The feed's address, or a page of the site",
        channel="Post new items here (default: store them only)",
        include="Only items with one of these words (comma-separated)",
        exclude="Never items with one of these words (comma-separated)",
        post_latest="Post the latest 3 items in the channel now (default: only new ones)",
    )
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction[Any],
        url: str,
        channel: discord.TextChannel | None = None,
        include: str | None = None,
        exclude: str | None = None,
        post_latest: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        if post_latest and channel is None:
            await interaction.response.send_message(
                "To post the latest items now, choose the channel they go to.", ephemeral=True
            )
            return
        if channel is not None and channel.guild.me is not None:
            allowed = channel.permissions_for(channel.guild.me)
            if not (allowed.view_channel and allowed.send_messages and allowed.embed_links):
                await interaction.response.send_message(
                    f"I can't post in {channel.mention}: give me View Channel, Send Messages"
                    " and Embed Links there, or choose another channel.",
                    ephemeral=True,
                )
                return
        await interaction.response.defer(thinking=True)
        options: dict[str, Any] = {
            "guild_id": interaction.guild_id,
            "channel_id": channel.id if channel else None,
            "include": include,
            "exclude": exclude,
            "added_by": interaction.user.id,
            "post_latest": post_latest,
        }
        try:
            feed, report = await self.feeds.subscribe(url, **options)
        except FeedChoices as err:
            text = "That page announces several feeds. Choose one:"
            for shown, choice in enumerate(err.links[:SELECT_OPTIONS]):
                row = f"\n• {link(choice.title or choice.url, choice.url, 100)} ({choice.kind})"
                if len(text) + len(row) > 1800:  # whole rows only: a cut link breaks
                    text += f"\n… and {len(err.links[:SELECT_OPTIONS]) - shown} more in the menu."
                    break
                text += row
            await interaction.followup.send(
                text,
                view=PickFeed(self, interaction.user.id, err.links, options),
                allowed_mentions=NO_MENTIONS,
            )
            return
        await interaction.followup.send(
            describe_first_poll(feed, report), allowed_mentions=NO_MENTIONS
        )

    @feed.command(name="remove", description="Stop following a feed (its articles stay)")
    @app_commands.describe(feed="The feed (start typing its name)")
    @moderator_only()
    async def remove(self, interaction: discord.Interaction[Any], feed: int) -> None:
        removed = await self.feeds.remove(feed, interaction.guild_id)
        await interaction.response.send_message(
            f"Stopped following {link(removed.name, removed.url, 150)}. Its articles stay.",
            allowed_mentions=NO_MENTIONS,
        )

    @remove.autocomplete("feed")
    async def _remove_feed(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._feed_choices(interaction, current)

    @feed.command(name="resume", description="Poll and post a paused feed again")
    @app_commands.describe(feed="The feed (start typing its name)")
    @moderator_only()
    async def resume(self, interaction: discord.Interaction[Any], feed: int) -> None:
        resumed = await self.feeds.resume(feed, interaction.guild_id)
        await interaction.response.send_message(
            f"Resumed {link(resumed.name, resumed.url, 150)}: it is polled again within a minute.",
            allowed_mentions=NO_MENTIONS,
        )

    @resume.autocomplete("feed")
    async def _resume_feed(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._feed_choices(interaction, current)

    @feed.command(name="list", description="The feeds this server follows, with their status")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        feeds = await self.feeds.subscriptions(interaction.guild_id)
        refusals = await self.feeds.last_refusals([f.id for f in feeds])
        counts = await self.feeds.rule_counts([f.id for f in feeds])
        pages = list_pages([feed_line(f, refusals.get(f.id), counts.get(f.id)) for f in feeds])

        async def fetch(page: int) -> tuple[discord.Embed, bool]:
            page = min(page, len(pages) - 1)
            embed = discord.Embed(
                title="Feeds",
                description=pages[page] or "This server follows no feeds.",
                colour=COLOUR,
            )
            embed.set_footer(
                text=f"Page {page + 1} of {len(pages)} · {len(feeds)} feed{'' if len(feeds) == 1 else 's'}"
            )
            return embed, page + 1 < len(pages)

        embed, has_next = await fetch(0)
        if has_next:
            view = Pager(interaction.user.id, fetch, has_next)
            await interaction.response.send_message(
                embed=embed, view=view, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)

    @feed.command(
        name="preview",
        description="A feed's latest item in its format, or the latest 3 items of an address",
    )
    @app_commands.describe(
        url="The feed's address, or a page of the site (nothing is stored)",
        feed="A followed feed: its latest item as it would be posted",
    )
    @moderator_only()
    async def preview(
        self, interaction: discord.Interaction[Any], url: str | None = None, feed: int | None = None
    ) -> None:
        if feed is not None:
            await self._preview_format(interaction, feed)
            return
        if url is None:
            await interaction.response.send_message(
                "Give a feed to see its format, or an address to see its items.", ephemeral=True
            )
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            found, items = await self.feeds.preview(url)
        except FeedChoices as err:
            listed = "\n".join(f"• `{escape(c.url)[:300]}`" for c in err.links[:10])
            await interaction.followup.send(
                f"That page announces several feeds:\n{listed}", ephemeral=True
            )
            return
        rows = []
        for item in items:
            when = item.published.date().isoformat() if item.published else "no date"
            summary = clamp(escape(item.summary), 200)
            rows.append(f"**{link(item.title, item.link, 150)}** · {when}\n{summary}".strip())
        embed = discord.Embed(
            title=clamp(escape(found.parsed.title or found.url), 200),
            description="\n\n".join(rows) or "The feed has no items.",
            colour=COLOUR,
        )
        embed.set_footer(text=f"{found.parsed.total} items in the feed · nothing was stored")
        await interaction.followup.send(embed=embed, ephemeral=True)

    @preview.autocomplete("feed")
    async def _preview_feed(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._feed_choices(interaction, current)

    async def _preview_format(self, interaction: discord.Interaction[Any], feed_id: int) -> None:
        found = await self.feeds.get(feed_id, interaction.guild_id)
        latest = await self.feeds.latest(found)
        if latest is None:
            await interaction.response.send_message(
                "That feed has no stored item to show yet.", ephemeral=True
            )
            return
        message = per_story(found, latest)
        # A preview pings no one: the role is shown, not mentioned.
        await interaction.response.send_message(
            content=message.content,
            embeds=list(message.embeds),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # -- delivery settings (issue 21) -----------------------------------------------------

    async def _configured(
        self,
        interaction: discord.Interaction[Any],
        feed_id: int,
        changes: dict[str, Any],
        said: str,
    ) -> None:
        updated = await self.feeds.configure(feed_id, interaction.guild_id, changes)
        await interaction.response.send_message(
            f"{link(updated.name, updated.url, 150)} (`#{updated.id}`): {said}",
            allowed_mentions=NO_MENTIONS,
        )

    @feed.command(name="format", description="How a feed's stories look")
    @app_commands.describe(
        feed="The feed (start typing its name)",
        style="card (the embed), compact (one line a story) or text (plain markdown)",
        template="Placeholders: {title} {url} {summary} {source} {author} {date} {feed}",
        summary="Show the stored summary under the title",
    )
    @app_commands.choices(
        style=[app_commands.Choice(name=s, value=s) for s in ("card", "compact", "text")]
    )
    @moderator_only()
    async def format_(
        self,
        interaction: discord.Interaction[Any],
        feed: int,
        style: str,
        template: str | None = None,
        summary: bool | None = None,
    ) -> None:
        changes: dict[str, Any] = {"style": style, "template": template}
        if summary is not None:
            changes["summary"] = summary
        shown = "its own template" if template else "no template"
        await self._configured(interaction, feed, changes, f"posts as {style}, {shown}.")

    @feed.command(name="ping", description="Mention a role with a feed's new stories")
    @app_commands.describe(
        feed="The feed (start typing its name)",
        role="The role to mention (leave out to stop pinging)",
        keywords="Only stories with one of these words (comma-separated)",
    )
    @moderator_only()
    async def ping(
        self,
        interaction: discord.Interaction[Any],
        feed: int,
        role: discord.Role | None = None,
        keywords: str | None = None,
    ) -> None:
        if role is not None and role.is_default():
            await interaction.response.send_message(
                "A feed can't ping @everyone: choose a role.", ephemeral=True
            )
            return
        changes = {"ping_role": role.id if role else None, "ping_keywords": keywords or ""}
        said = f"new stories mention {role.mention}" if role else "new stories mention no one"
        if role and keywords:
            said += " when they have one of the keywords"
        await self._configured(interaction, feed, changes, said + ".")

    @feed.command(name="deliver", description="Where a feed's stories land")
    @app_commands.describe(
        feed="The feed (start typing its name)",
        where="channel (as now), thread (a thread per story) or forum (a post per story)",
        channel="The text, announcement or forum channel (default: the feed's)",
        tag="The forum tag each post gets (its name)",
        publish="In an announcement channel, publish each story to following servers",
    )
    @app_commands.choices(
        where=[app_commands.Choice(name=s, value=s) for s in ("channel", "thread", "forum")]
    )
    @moderator_only()
    async def deliver_(
        self,
        interaction: discord.Interaction[Any],
        feed: int,
        where: str,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        tag: str | None = None,
        publish: bool | None = None,
    ) -> None:
        changes: dict[str, Any] = {"deliver": where, "forum_tag": None}
        target: Any = channel
        if target is None:  # the feed's own channel, if it has one the bot can see
            current = await self.feeds.get(feed, interaction.guild_id)
            target = self.bot.get_channel(current.channel_id) if current.channel_id else None
        problem = delivery_problem(where, target, tag, what="the feed's stories")
        if problem:
            await interaction.response.send_message(problem, ephemeral=True)
            return
        if channel is not None:
            changes["channel_id"] = channel.id
        if isinstance(target, discord.ForumChannel) and tag:
            changes["forum_tag"] = forum_tag(target, tag)
        if publish is not None:
            changes["publish"] = publish
            changes["delivery_note"] = None
        said = {
            "channel": "posts in",
            "thread": "posts a thread per story in",
            "forum": "posts in the forum",
        }[where]
        await self._configured(
            interaction, feed, changes, f"{said} <#{target.id if target else 0}>."
        )

    @feed.command(name="filter", description="Regular-expression rules for a feed")
    @app_commands.describe(
        feed="The feed (start typing its name)",
        include="Only stories matching this (RE2 syntax; prefix title:, summary:, author: or categories:)",
        exclude="Never stories matching this (same syntax)",
    )
    @moderator_only()
    async def filter_(
        self,
        interaction: discord.Interaction[Any],
        feed: int,
        include: str | None = None,
        exclude: str | None = None,
    ) -> None:
        changes = {"include_regex": include or "", "exclude_regex": exclude or ""}
        said = "rules saved" if include or exclude else "regular-expression rules removed"
        await self._configured(
            interaction, feed, changes, said + "; /feed list counts what each leaves out."
        )

    @format_.autocomplete("feed")
    @ping.autocomplete("feed")
    @deliver_.autocomplete("feed")
    @filter_.autocomplete("feed")
    async def _setting_feed(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._feed_choices(interaction, current)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Feeds(bot))
