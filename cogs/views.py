"""Pieces several cogs share: views, the paste form, article autocomplete and cards.

Views and modals forward their errors to :func:`bot.client.report_error`, the handler
the command tree uses, so a user sees the same sentence whatever they pressed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.app.drafts import parse_date
from bot.checks import is_moderator
from bot.client import report_error
from bot.delivery import DeliveryError, refusals
from bot.style import CHOICES_LIMIT, TEXT_INPUT_LIMIT

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk
    from bot.app.drafts import AddResult

VIEW_TIMEOUT = 300.0
PASTE_TIMEOUT = 15 * 60.0  # a form stays open while someone copies an article into it
NOT_YOURS = "Only the person who ran the command can use these buttons."

PageFetcher = Callable[[int], Awaitable[tuple[discord.Embed, bool]]]

DATE_LENGTH = len("2026-05-03")


def publication_date(value: str | None) -> date | None:
    """The optional publication date a moderator typed (None when left empty), read by
    the command line's parser, whose refusal is one line (an InputError).

    A value longer than any date is cut before it is quoted back: discord.py does not
    enforce an option's ``max_length``, and the refusal must stay one short line.
    """
    text = (value or "").strip()
    if not text:
        return None
    return parse_date(text if len(text) <= DATE_LENGTH else text[:DATE_LENGTH] + "…")


class RateLimit:
    """Per member, ``burst`` calls in each window of ``burst / rate`` seconds: discord.py's
    own cooldown (``CooldownMapping`` over an app-command ``Cooldown``), keyed by member.

    Discord sends an autocomplete request per keystroke, and a held key or a script can
    send many more; past the limit a member's requests get no choices and cost the
    database nothing. Normal typing (a few keys a second) stays within it. The mapping
    forgets a member a window after their last call, so it holds only who is typing now.
    """

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._mapping: commands.CooldownMapping[int] = commands.CooldownMapping(
            app_commands.Cooldown(burst, burst / rate), lambda member_id: member_id
        )

    def allow(self, member_id: int) -> bool:
        now = self.clock()
        bucket = self._mapping.get_bucket(member_id, now)
        return bucket is None or bucket.update_rate_limit(now) is None


# Per member, across every article autocomplete.
AUTOCOMPLETE_LIMIT = RateLimit(rate=6.0, burst=12)


class OwnedView(discord.ui.View):
    """A view only its invoker may press; errors go to the shared handler."""

    def __init__(self, owner_id: int, timeout: float = VIEW_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_error(interaction, error)


class ModeratorView(OwnedView):
    """A view whose buttons change data: only its invoker, and only while a moderator.

    Every press re-checks :func:`bot.checks.is_moderator`: the view stays open for
    minutes, and a member demoted in the meantime must be refused like a member who
    never was one (the refusal goes through :meth:`on_error` to the shared handler).
    """

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        return await super().interaction_check(interaction) and await is_moderator(interaction)


class Pager(OwnedView):
    """Prev/Next over pages produced by ``fetch(page) -> (embed, has_next)``."""

    def __init__(self, owner_id: int, fetch: PageFetcher, has_next: bool) -> None:
        super().__init__(owner_id)
        self.fetch = fetch
        self.page = 0
        self._set_buttons(has_next)

    def _set_buttons(self, has_next: bool) -> None:
        self.prev.disabled = self.page == 0
        self.next.disabled = not has_next

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        page = max(self.page + step, 0)
        embed, has_next = await self.fetch(page)
        self.page = page
        self._set_buttons(has_next)
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="Prev", style=discord.ButtonStyle.secondary, custom_id="newsbot:prev")
    async def prev(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, custom_id="newsbot:next")
    async def next(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        await self._turn(interaction, +1)


class PasteModal(discord.ui.Modal, title="Paste an article"):
    """Title, text, an optional source URL and publication date; stored when submitted."""

    headline: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Title", custom_id="title", max_length=300
    )
    body: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Text",
        custom_id="text",
        style=discord.TextStyle.paragraph,
        max_length=TEXT_INPUT_LIMIT,
    )
    source_url: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Source URL (optional)", custom_id="url", required=False, max_length=500
    )
    published: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Publication date (optional)",
        custom_id="published",
        placeholder="YYYY-MM-DD",
        required=False,
        max_length=DATE_LENGTH,
    )

    def __init__(self, desk: NewsDesk) -> None:
        super().__init__(timeout=PASTE_TIMEOUT)
        self.desk = desk

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        # The form changes data and can be submitted minutes after the command ran:
        # the member must still be a moderator (raises NotModerator, sent by on_error).
        return await is_moderator(interaction)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        # Read before deferring: a bad date is refused in an ephemeral line (on_error),
        # not in the public "thinking" reply, and nothing is stored.
        published = publication_date(self.published.value)
        await interaction.response.defer(thinking=True)
        result = await self.desk.add_text(
            self.body.value,
            title=self.headline.value.strip() or None,
            url=self.source_url.value.strip() or None,
            published=published,
            guild_id=interaction.guild_id,
            added_by=interaction.user.id,
        )
        await send_stored(interaction, result)

    async def on_error(  # type: ignore[override]  # Modal's signature differs from BaseView's
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error)


async def article_choices(
    desk: NewsDesk, interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[int]]:
    """Autocomplete for an ``article`` option: titles (or ids) visible in this guild;
    nothing for a member past :data:`AUTOCOMPLETE_LIMIT`."""
    if interaction.guild_id is None or not AUTOCOMPLETE_LIMIT.allow(interaction.user.id):
        return []
    articles = await desk.autocomplete(interaction.guild_id, str(current).strip())
    return [
        app_commands.Choice(name=render.choice_name(a), value=a.id)
        for a in articles[:CHOICES_LIMIT]
    ]


async def send_stored(interaction: discord.Interaction[Any], result: AddResult) -> None:
    """The follow-up after adding an article (the interaction was deferred): a line
    saying whether it was new, and its card."""
    await interaction.followup.send(
        render.stored_message(result.article, result.duplicate),
        embed=render.article_card(result.article),
    )


async def send_summary_card(
    interaction: discord.Interaction[Any], desk: NewsDesk, article_id: int
) -> None:
    """An article's card with its summary: what /summary and /article show both reply."""
    found = await desk.get(article_id, interaction.guild_id)
    lines = await desk.summary(found)
    await interaction.response.send_message(embed=render.article_card(found, lines or None))


NO_MENTIONS = discord.AllowedMentions.none()


def postable(bot: discord.Client, channel_id: int) -> discord.abc.Messageable:
    """The channel the bot posts scheduled messages (digests, feed items) to."""
    channel = bot.get_channel(channel_id) or bot.get_partial_messageable(channel_id)
    if not isinstance(channel, discord.abc.Messageable):
        raise DeliveryError(
            f"<#{channel_id}> is not a channel I can post in: choose a text channel."
        )
    return channel


async def deliver(
    channel: discord.abc.Messageable,
    channel_id: int,
    *,
    gone: str,
    content: str | None,
    embeds: list[discord.Embed],
    nonce: str | None = None,
) -> None:
    """Send one scheduled message without mentions. With a ``nonce``, Discord keeps one
    message per nonce for a few minutes (``enforce_nonce``), so a message sent again after
    a crash between Discord accepting it and the bot recording it is not posted twice. A deleted channel (``gone`` says
    what to do) or a missing permission is a DeliveryError, which counts toward
    pausing; a Discord server error or a network failure is a TransientDeliveryError,
    which does not."""
    forbidden = (
        f"I'm not allowed to post in <#{channel_id}>: I need View Channel, Send"
        " Messages and Embed Links there."
    )
    with refusals(gone, forbidden):
        if nonce is None:
            await channel.send(content=content, embeds=embeds, allowed_mentions=NO_MENTIONS)
        else:
            await channel.send(
                content=content, embeds=embeds, allowed_mentions=NO_MENTIONS, nonce=nonce
            )


def delivery_problem(where: str, target: object, tag: str | None, *, what: str) -> str | None:
    """Why ``what`` (a feed, the digest) can't be delivered ``where`` (channel, thread,
    forum) to ``target`` with forum ``tag``, in one line; None when it can. Feeds and
    digests take the same places, so they are checked alike."""
    if target is None:
        return f"Choose the channel {what} posts in."
    if where == "forum":
        if not isinstance(target, discord.ForumChannel):
            return f"To post {what} in a forum, choose a forum channel."
        if tag and forum_tag(target, tag) is None:
            return f"{target.mention} has no tag named {render.clamp(render.escape(tag), 50)}."
    elif isinstance(target, discord.ForumChannel):
        return "A forum takes posts only: choose where:forum, or a text channel."
    elif tag:
        return "Only a forum post takes a tag: choose where:forum."
    return None


def forum_tag(target: object, tag: str | None) -> int | None:
    """The id of the forum's tag named ``tag`` (any case); None without one."""
    if not tag or not isinstance(target, discord.ForumChannel):
        return None
    found = discord.utils.find(lambda t: t.name.lower() == tag.lower(), target.available_tags)
    return found.id if found else None
