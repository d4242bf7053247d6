"""/digest set|off|now|show, and the digest jobs on the bot's scheduler.

The cog adds the digest jobs to the bot's one APScheduler in ``cog_load`` (rebuilt
from the database, then a one-off catch-up once the bot is ready) and removes them
in ``cog_unload``; the bot starts and stops the scheduler itself. Posting lives
in :meth:`Digests.post` (the cog's): the only place that turns a Digest into Discord messages and
Discord's refusals (deleted channel, missing permission) into DeliveryError.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.digest import DEFAULT_MAX_ARTICLES, Digest, render_messages
from bot.digest_sending import digest_title, send_digest
from bot.digest_slots import next_run_for
from bot.feed_formats import check_style
from bot.schedule_input import (
    describe_days,
    format_days,
    format_time,
    parse_days,
    parse_time,
    parse_timezone,
    suggest_timezones,
)
from bot.scheduler import MAX_ARTICLES_LIMIT, PAUSE_AFTER_FAILURES, RunResult, Sent, Skip
from cogs.views import NO_MENTIONS, delivery_problem, forum_tag
from news.domain import DigestRun, DigestSchedule, RunStatus, ScheduleState
from news.errors import InputError

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)


def stamp(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp: every reader sees it in their own timezone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def describe_schedule(schedule: DigestSchedule) -> str:
    at = format_time(parse_time(schedule.time_of_day))
    days = describe_days(parse_days(schedule.days))
    return (
        f"<#{schedule.channel_id}> at {at} ({schedule.timezone}), {days}, "
        f"up to {schedule.max_articles} articles"
        + (f", {schedule.style}" if schedule.style != "card" else "")
        + describe_delivery(schedule)
    )


def describe_delivery(schedule: DigestSchedule) -> str:
    """How the digest lands, as a tail of the schedule's line ("" for a plain channel)."""
    parts = []
    if schedule.deliver == "thread":
        parts.append("with a thread opened on it")
    elif schedule.deliver == "forum":
        parts.append("as a forum post" + (" with its tag" if schedule.forum_tag else ""))
    if schedule.publish:
        parts.append("published to following servers")
    return "".join(f", {part}" for part in parts)


def describe_run(run: DigestRun) -> str:
    when = stamp(run.claimed_at)
    if run.status == RunStatus.POSTED:
        noun = "article" if run.articles == 1 else "articles"
        return f"{when}: posted {run.articles} {noun} to <#{run.channel_id}>."
    if run.status == RunStatus.EMPTY:
        return f"{when}: nothing new, so nothing was posted."
    if run.status == RunStatus.MISSED:
        return f"{when}: missed. {run.detail or ''}".rstrip()
    if run.status == RunStatus.FAILED:
        return f"{when}: failed. {run.detail or ''}".rstrip()
    if run.status == RunStatus.INTERRUPTED:
        return f"{when}: interrupted. {run.detail or ''}".rstrip()
    return f"{when}: posting now."


def describe_result(result: RunResult, channel_id: int) -> str:
    if result.status == RunStatus.POSTED:
        noun = "article" if result.articles == 1 else "articles"
        return f"Posted a digest of {result.articles} {noun} to <#{channel_id}>."
    if result.status == RunStatus.EMPTY:
        return "Nothing new since the last digest, so nothing was posted."
    if result.status == RunStatus.FAILED:
        return f"The digest could not be posted. {result.detail or ''}".rstrip()
    return "A digest is already being posted here; try again in a moment."


class Digests(commands.Cog):
    """Scheduled digests of new articles."""

    digest = app_commands.Group(
        name="digest", description="Scheduled digests of new articles", guild_only=True
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.digests = bot.desk.digests
        self.runner = self.digests.runner(self.post)
        self.scheduler = self.digests.jobs(self.runner, bot.scheduler, shards=bot.own_shards)
        self._catch_up: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        await self.scheduler.start()
        self._catch_up = asyncio.create_task(self._catch_up_when_ready(), name="digest-catch-up")

    async def cog_unload(self) -> None:
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            await asyncio.gather(self._catch_up, return_exceptions=True)
        await self.scheduler.close()

    async def _catch_up_when_ready(self) -> None:
        # Not inside setup_hook: waiting for ready there would deadlock the start-up.
        try:
            await self.bot.wait_until_ready()
            results = await self.scheduler.catch_up()
            done = {g: r.status for g, r in results.items() if r.status != Skip.NOT_DUE}
            if done:
                log.info("digest catch-up at start-up: %s", done)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("digest catch-up failed")

    # -- posting -------------------------------------------------------------------

    async def post(self, channel_id: int, digest: Digest, sent: Sent) -> None:
        """Send a digest where its schedule delivers (:mod:`bot.digest_sending`), telling
        ``sent`` of each message Discord accepted. A deleted channel, thread or forum or a
        missing permission becomes DeliveryError; a Discord server error or a network
        failure, TransientDeliveryError. A missing permission to publish is a note."""
        timezone = None
        schedule = None
        if digest.guild_id is not None:
            schedule = await self.digests.schedule(digest.guild_id)
            timezone = schedule.timezone if schedule else None
        note = await send_digest(
            self.bot,
            channel_id,
            digest,
            render_messages(digest),
            sent,
            title=digest_title(digest, timezone),
        )
        if note is not None and schedule is not None and (note or schedule.delivery_note):
            await self.digests.note_delivery(schedule.guild_id, note or None)

    # -- commands ------------------------------------------------------------------

    @digest.command(name="set", description="Post a digest of new articles at a set time")
    @app_commands.describe(
        channel="Where the digest is posted (a text, announcement or forum channel)",
        time="Time of day, 24-hour HH:MM, e.g. 08:30",
        timezone="Your timezone, e.g. Europe/London (start typing to search)",
        days="daily (default), weekdays, weekends, or days such as mon,wed,fri",
        max_articles=f"At most this many articles in one digest (default {DEFAULT_MAX_ARTICLES})",
        style="card (embeds, default), compact (one line an article) or text (plain markdown)",
    )
    @app_commands.choices(
        style=[app_commands.Choice(name=s, value=s) for s in ("card", "compact", "text")]
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_schedule(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel | discord.ForumChannel,
        time: str,
        timezone: str,
        days: str | None = None,
        max_articles: app_commands.Range[int, 1, MAX_ARTICLES_LIMIT] = DEFAULT_MAX_ARTICLES,
        style: str = "card",
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        style = check_style(style)
        at = parse_time(time)
        zone = parse_timezone(timezone)
        weekdays = parse_days(days)
        me = channel.guild.me
        if me is not None:
            allowed = channel.permissions_for(me)
            if not (allowed.view_channel and allowed.send_messages and allowed.embed_links):
                raise InputError(
                    f"I can't post in {channel.mention}: give me View Channel, Send Messages "
                    "and Embed Links there, or choose another channel."
                )
        before = await self.digests.schedule(interaction.guild_id)
        schedule = await self.digests.set_schedule(
            interaction.guild_id,
            channel_id=channel.id,
            time_of_day=format_time(at),
            timezone=zone.key,
            days=format_days(weekdays),
            max_articles=max_articles,
            now=self.runner.clock(),
            updated_by=interaction.user.id,
            style=style,
        )
        # A forum takes the digest as a post; a text channel can't: the delivery follows
        # the channel (a forum post's tag only while it stays the same forum).
        forum = isinstance(channel, discord.ForumChannel)
        same = before is not None and before.channel_id == channel.id
        if forum != (schedule.deliver == "forum") or (forum and not same and schedule.forum_tag):
            changed = await self.digests.set_delivery(
                interaction.guild_id,
                channel_id=channel.id,
                deliver="forum" if forum else "channel",
                forum_tag=schedule.forum_tag if forum and same else None,
                publish=False if forum else schedule.publish,
                now=self.runner.clock(),
                updated_by=interaction.user.id,
            )
            schedule = changed or schedule
        self.scheduler.schedule(schedule)
        upcoming = next_run_for(schedule, self.runner.clock())
        text = f"Digest scheduled: {describe_schedule(schedule)}."
        if upcoming is not None:
            text += f"\nNext digest: {stamp(upcoming, 'F')} ({stamp(upcoming, 'R')})."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @set_schedule.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n) for n in suggest_timezones(current)]

    @digest.command(name="deliver", description="Where the digest lands")
    @app_commands.describe(
        where="channel (as now), thread (a thread opened on each digest) or forum (a post each)",
        channel="The text, announcement or forum channel (default: the digest's)",
        tag="The forum tag each digest's post gets (its name)",
        publish="In an announcement channel, publish each digest to following servers",
    )
    @app_commands.choices(
        where=[app_commands.Choice(name=s, value=s) for s in ("channel", "thread", "forum")]
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def deliver_(
        self,
        interaction: discord.Interaction[Any],
        where: str,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        tag: str | None = None,
        publish: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        schedule = await self.digests.schedule(interaction.guild_id)
        if schedule is None:
            raise InputError("No digest is scheduled here: set one first with /digest set.")
        target: Any = channel or self.bot.get_channel(schedule.channel_id)
        problem = delivery_problem(where, target, tag, what="the digest")
        if problem:
            raise InputError(problem)
        tag_id = forum_tag(target, tag)
        me = getattr(target, "guild", None) and target.guild.me
        if me is not None:
            allowed = target.permissions_for(me)
            if not (allowed.view_channel and allowed.send_messages and allowed.embed_links):
                raise InputError(
                    f"I can't post in {target.mention}: give me View Channel, Send Messages "
                    "and Embed Links there, or choose another channel."
                )
        changed = await self.digests.set_delivery(
            interaction.guild_id,
            channel_id=target.id,
            deliver=where,
            forum_tag=tag_id,
            publish=bool(publish if publish is not None else schedule.publish) and where != "forum",
            now=self.runner.clock(),
            updated_by=interaction.user.id,
        )
        assert changed is not None
        self.scheduler.schedule(changed)
        await interaction.response.send_message(
            f"Digest delivery: {describe_schedule(changed)}.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @digest.command(name="off", description="Stop posting digests")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def off(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        stopped = await self.digests.turn_off(
            interaction.guild_id, now=self.runner.clock(), updated_by=interaction.user.id
        )
        self.scheduler.unschedule(interaction.guild_id)
        text = (
            "Digests are off. /digest set turns them on again."
            if stopped
            else "No digest was scheduled here."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @digest.command(name="now", description="Post a digest of new articles right away")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def now(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        schedule = await self.digests.schedule(interaction.guild_id)
        # Without a schedule, post where the command was used.
        channel_id = schedule.channel_id if schedule else interaction.channel_id
        limit = schedule.max_articles if schedule else DEFAULT_MAX_ARTICLES
        style = schedule.style if schedule else "card"
        delivery = schedule.delivery if schedule else None
        result = await self.runner.run_now(interaction.guild_id, channel_id, limit, style, delivery)
        await interaction.followup.send(
            describe_result(result, channel_id), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @digest.command(name="show", description="The digest schedule, the next and the last digest")
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        schedule = await self.digests.schedule(interaction.guild_id)
        last = await self.digests.last_run(interaction.guild_id)
        lines: list[str] = []
        if schedule is None:
            lines.append(
                "No digest is scheduled here. Someone with Manage Server can set one "
                "with /digest set."
            )
        else:
            lines.append(f"**Schedule:** {describe_schedule(schedule)}.")
            if schedule.state == ScheduleState.PAUSED:
                lines.append(f"**Paused:** {schedule.pause_reason}")
            if schedule.delivery_note:
                lines.append(f"**Publishing:** {schedule.delivery_note}")
            elif schedule.state == ScheduleState.OFF:
                lines.append("**Off:** /digest set turns it on again.")
            upcoming = next_run_for(schedule, self.runner.clock())
            if upcoming is not None:
                lines.append(f"**Next digest:** {stamp(upcoming, 'F')} ({stamp(upcoming, 'R')}).")
            if schedule.active and schedule.failures:
                lines.append(
                    f"**Failed in a row:** {schedule.failures} "
                    f"(the schedule pauses at {PAUSE_AFTER_FAILURES})."
                )
        if last is not None:
            lines.append(f"**Last digest:** {describe_run(last)}")
        await interaction.response.send_message(
            "\n".join(lines), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Digests(bot))
