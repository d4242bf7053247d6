"""``newsbot feed``: follow, list, remove and poll feeds from the command line.

The command line stores what a poll finds but never posts: only the bot is connected to
Discord. A feed added here without ``--guild`` is global, its articles seen by every
server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.cli.context import Context, with_desk
from bot.cli.input import ID
from bot.cli.options import guild_option, json_option
from bot.cli.output import emit, feed_json
from news.domain import Delivery

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk
    from bot.feed_cards import PollReport
    from news.domain import Feed


def _describe(report: PollReport) -> str:
    if report.not_modified:
        return f"#{report.feed_id}: not modified"
    parts = [f"{report.new} new", f"{report.duplicates} duplicates", f"{report.failed} failed"]
    if report.over_limit:
        parts.append(f"{report.over_limit} more not taken")
    text = f"#{report.feed_id}: {report.status}, " + ", ".join(parts)
    return text + (f" ({report.detail})" if report.detail else "")


@click.group()
def feed() -> None:
    """Follow RSS, Atom and JSON feeds: their items are stored like any article."""


@feed.command(name="add")
@click.argument("url")
@guild_option("Follow for this guild only (default: global).")
@json_option("Print the feed and its first poll as JSON.")
@click.pass_obj
def add(ctx: Context, url: str, guild: int | None, as_json: bool) -> None:
    """Follow the feed at URL (or the one a page at URL announces); polls it once."""

    async def work(desk: NewsDesk) -> tuple[Feed, PollReport]:
        return await desk.feeds.subscribe(url, guild_id=guild)

    subscription, report = with_desk(ctx, work, create=True)
    if as_json:
        emit({**feed_json(subscription), "first_poll": report.json()})
        return
    click.echo(f"Following #{subscription.id}: {subscription.name}")
    click.echo(
        f"Stored {report.new} items ({report.duplicates} already stored, {report.failed} failed)."
    )


@feed.command(name="list")
@guild_option("Only this guild's feeds (default: every feed).")
@json_option()
@click.pass_obj
def list_(ctx: Context, guild: int | None, as_json: bool) -> None:
    """List followed feeds with their status."""

    async def work(desk: NewsDesk) -> tuple[list[Feed], dict[int, dict[str, int]]]:
        found = await desk.feeds.subscriptions(guild, all_scopes=guild is None)
        return found, await desk.feeds.rule_counts([f.id for f in found])

    feeds, counts = with_desk(ctx, work)
    if not feeds and not as_json:
        click.echo("No feeds yet." if guild is None else f"No feeds yet for guild {guild}.")
    for item in feeds:
        if as_json:
            emit(feed_json(item, counts.get(item.id)))
            continue
        state = (
            f"paused: {item.pause_reason}" if item.paused else (item.last_status or "not polled")
        )
        scope = f"guild {item.guild_id}" if item.guild_id else "global"
        click.echo(f"#{item.id}  {item.name}  [{scope}]  {state}  failures={item.failures}")
        click.echo(f"     {item.url}")
        d = item.delivery
        if d != Delivery():
            parts = [d.style, f"to a {d.deliver}"]
            parts += [f"pings role {d.ping_role}"] if d.ping_role else []
            parts += ["publishes"] if d.publish else []
            rules = len(d.include_regex.splitlines()) + len(d.exclude_regex.splitlines())
            parts += [f"{rules} regex rules"] if rules else []
            click.echo(f"     delivers: {', '.join(parts)}" + (f" ({d.note})" if d.note else ""))


@feed.command(name="remove")
@click.argument("feed_id", type=ID)
@click.pass_obj
def remove(ctx: Context, feed_id: int) -> None:
    """Stop following a feed (any scope); its stored articles stay."""

    async def work(desk: NewsDesk) -> Feed:
        return await desk.feeds.remove(feed_id, None, any_scope=True)

    removed = with_desk(ctx, work)
    click.echo(f"Stopped following #{removed.id}: {removed.name}")


@feed.command(name="poll")
@click.option("--feed", "feed_id", type=ID, help="Only this feed (default: every feed).")
@json_option("One JSON object per feed.")
@click.pass_obj
def poll(ctx: Context, feed_id: int | None, as_json: bool) -> None:
    """Poll now, whether due or not, and store what is new (nothing is posted)."""

    async def work(desk: NewsDesk) -> list[PollReport]:
        return await desk.feeds.poll_now(feed_id)

    reports = with_desk(ctx, work)
    if not reports and not as_json:
        click.echo("No feeds yet.")
    for report in reports:
        if as_json:
            emit(report.json())
        else:
            click.echo(_describe(report))
    # A script polling from cron must see a feed that could not be read: exit 1, after
    # every other feed was polled and reported.
    if any(report.status in ("failed", "paused") for report in reports):
        raise click.exceptions.Exit(1)


ON_OFF = click.Choice(["on", "off"])


@feed.command(name="set")
@click.argument("feed_id", type=ID)
@click.option("--style", type=click.Choice(["card", "compact", "text"]))
@click.option(
    "--template",
    help="Placeholders: {title} {url} {summary} {source} {author} {date} {feed}; '' for none.",
)
@click.option("--summary", type=ON_OFF, help="The stored summary under the title.")
@click.option("--ping-role", type=ID, help="The role id new stories mention.")
@click.option("--no-ping", is_flag=True, help="Mention no role.")
@click.option(
    "--ping-keywords", help="Ping only stories with one of these words (comma-separated)."
)
@click.option("--deliver", type=click.Choice(["channel", "thread", "forum"]))
@click.option("--channel", type=ID, help="The channel (or forum) id the feed posts in.")
@click.option("--forum-tag", type=ID, help="The forum tag id each post gets.")
@click.option("--publish", type=ON_OFF, help="Publish in an announcement channel.")
@click.option("--include-regex", multiple=True, help="Only items matching (repeatable; RE2).")
@click.option("--exclude-regex", multiple=True, help="Never items matching (repeatable; RE2).")
@click.option("--clear-regex", is_flag=True, help="Remove every regular-expression rule.")
@json_option("Print the feed as JSON.")
@click.pass_obj
def set_(ctx: Context, feed_id: int, as_json: bool, **given: object) -> None:
    """Change how and where a feed delivers (any scope); a bad value changes nothing."""
    changes: dict[str, object] = {}
    for name in ("style", "deliver", "ping_keywords"):
        if given[name] is not None:
            changes[name] = given[name]
    if given["template"] is not None:
        changes["template"] = given["template"] or None
    for name in ("summary", "publish"):
        if given[name] is not None:
            changes[name] = given[name] == "on"
    for name, column in (
        ("ping_role", "ping_role"),
        ("channel", "channel_id"),
        ("forum_tag", "forum_tag"),
    ):
        if given[name] is not None:
            changes[column] = given[name]
    if given["no_ping"]:
        changes["ping_role"] = None
    if given["clear_regex"]:
        changes["include_regex"] = changes["exclude_regex"] = ""
    for name in ("include_regex", "exclude_regex"):
        patterns = given[name]
        assert isinstance(patterns, tuple)
        if patterns:
            changes[name] = "\n".join(str(p) for p in patterns)
    if "publish" in changes:
        changes["delivery_note"] = None

    async def work(desk: NewsDesk) -> Feed:
        return await desk.feeds.configure(feed_id, None, changes, any_scope=True)

    updated = with_desk(ctx, work)
    if as_json:
        emit(feed_json(updated))
        return
    d = updated.delivery
    click.echo(
        f"#{updated.id}: {d.style}, delivers to {d.deliver}"
        + (f", pings role {d.ping_role}" if d.ping_role else "")
        + (", publishes" if d.publish else "")
    )
