"""``newsbot digest``: the digest the bot would post for a guild now, as markdown; with
``--schedule`` or a delivery option, the guild's schedule and where its digest lands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from bot.app.desk import NewsDesk
from bot.cli.context import Context, with_desk
from bot.cli.input import ID
from bot.cli.options import guild_option, json_option
from bot.cli.output import emit

if TYPE_CHECKING:
    from news.domain import DigestSchedule

ON_OFF = click.Choice(["on", "off"])


@click.command()
@guild_option("The guild whose digest to build.", required=True)
@click.option(
    "--since",
    help="ISO date or time (UTC unless it has an offset); default: the last posted digest.",
)
@click.option("--max-articles", type=click.IntRange(1, 50), default=10, show_default=True)
@click.option(
    "--schedule", "show_schedule", is_flag=True, help="Show the schedule and its delivery."
)
@click.option(
    "--deliver",
    type=click.Choice(["channel", "thread", "forum"]),
    help="Post in the channel, open a thread on each digest, or make a forum post of each.",
)
@click.option("--channel", type=ID, help="The channel (or forum) id the digest posts in.")
@click.option("--forum-tag", type=ID, help="The forum tag id each digest's post gets.")
@click.option("--no-forum-tag", is_flag=True, help="Forum posts get no tag.")
@click.option("--publish", type=ON_OFF, help="Publish in an announcement channel.")
@json_option("With --schedule or a delivery option: print the schedule as JSON.")
@click.pass_obj
def digest(
    ctx: Context,
    guild: int,
    since: str | None,
    max_articles: int,
    show_schedule: bool,
    deliver: str | None,
    channel: int | None,
    forum_tag: int | None,
    no_forum_tag: bool,
    publish: str | None,
    as_json: bool,
) -> None:
    """Print, as markdown, the digest the bot would post for a guild now.

    Nothing is posted or recorded: the next digest the bot posts is not affected.
    With --schedule, print the guild's schedule instead; --deliver, --channel,
    --forum-tag, --no-forum-tag and --publish change where its digest lands (as
    /digest deliver does; a paused schedule becomes active again).
    """
    changing = any(v is not None for v in (deliver, channel, forum_tag, publish)) or no_forum_tag
    if show_schedule or changing or as_json:
        _schedule(ctx, guild, deliver, channel, forum_tag, no_forum_tag, publish, as_json, changing)
        return
    from bot.digest import render_markdown

    start: datetime | None = None
    if since:
        try:
            start = datetime.fromisoformat(since.strip())
        except ValueError:
            raise click.ClickException(
                f"{since!r} is not an ISO date or time, e.g. 2024-05-01 or 2024-05-01T08:00."
            ) from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)

    async def work(desk: NewsDesk) -> str:
        return render_markdown(await desk.digests.preview(guild, start, max_articles))

    click.echo(with_desk(ctx, work))


def _schedule(
    ctx: Context,
    guild: int,
    deliver: str | None,
    channel: int | None,
    forum_tag: int | None,
    no_forum_tag: bool,
    publish: str | None,
    as_json: bool,
    changing: bool,
) -> None:
    async def work(desk: NewsDesk) -> DigestSchedule | None:
        current = await desk.digests.schedule(guild)
        if current is None:
            return None
        if not changing:
            return current
        where = deliver or current.deliver
        tag = None if no_forum_tag else (forum_tag or current.forum_tag)
        return await desk.digests.set_delivery(
            guild,
            channel_id=channel or current.channel_id,
            deliver=where,
            forum_tag=tag if where == "forum" else None,
            publish=(publish == "on") if publish is not None else current.publish,
            now=datetime.now(UTC),
            updated_by=None,
        )

    schedule = with_desk(ctx, work)
    if schedule is None:
        raise click.ClickException(
            f"No digest is scheduled for guild {guild}: set one with /digest set."
        )
    if as_json:
        emit(schedule_json(schedule))
        return
    parts = [f"to a {schedule.deliver}"]
    parts += [f"tag {schedule.forum_tag}"] if schedule.forum_tag else []
    parts += ["publishes"] if schedule.publish else []
    click.echo(
        f"guild {schedule.guild_id}: {schedule.state}, channel {schedule.channel_id} at"
        f" {schedule.time_of_day} ({schedule.timezone}), {schedule.days},"
        f" up to {schedule.max_articles} articles, {schedule.style}"
    )
    click.echo(
        f"  delivers: {', '.join(parts)}"
        + (f" ({schedule.delivery_note})" if schedule.delivery_note else "")
    )
    if schedule.pause_reason:
        click.echo(f"  paused: {schedule.pause_reason}")


def schedule_json(schedule: DigestSchedule) -> dict[str, object]:
    return {
        "guild": schedule.guild_id,
        "channel": schedule.channel_id,
        "time": schedule.time_of_day,
        "timezone": schedule.timezone,
        "days": schedule.days,
        "max_articles": schedule.max_articles,
        "style": schedule.style,
        "state": str(schedule.state),
        "pause_reason": schedule.pause_reason,
        "deliver": schedule.deliver,
        "forum_tag": schedule.forum_tag,
        "publish": schedule.publish,
        "delivery_note": schedule.delivery_note,
    }
