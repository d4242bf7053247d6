"""``newsbot feed``: follow, list, remove and poll feeds from the command line.

Registered on the main group at the bottom of ``bot/cli.py``. The command line stores
what a poll finds but never posts: only the bot is connected to Discord. A feed added
here without ``--guild`` is global, its articles seen by every server.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from bot.cli_input import ID

if TYPE_CHECKING:
    from bot.cli import Context
    from bot.desk import NewsDesk
    from bot.feeds import FeedDesk, PollReport
    from news.domain import Feed

T = TypeVar("T")


def _feeds(desk: NewsDesk, ctx: Context) -> FeedDesk:
    from bot.feeds import FeedDesk

    return FeedDesk(
        desk,
        max_items=ctx.settings.feed_max_items,
        max_feeds=ctx.settings.feed_limit,
        concurrency=ctx.settings.feed_concurrency,
    )


def _run(ctx: Context, work: Callable[[NewsDesk], Awaitable[T]], *, create: bool = False) -> T:
    from bot.cli import _with_desk

    return _with_desk(ctx, work, create=create)


def feed_json(feed: Feed) -> dict[str, object]:
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "guild": feed.guild_id,
        "channel": feed.channel_id,
        "last_polled": feed.last_polled.isoformat(timespec="seconds") if feed.last_polled else None,
        "next_poll": feed.next_poll.isoformat(timespec="seconds"),
        "last_status": feed.last_status,
        "last_detail": feed.last_detail,
        "failures": feed.failures,
        "paused": feed.paused,
        "pause_reason": feed.pause_reason,
    }


def _echo(data: dict[str, object]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


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
@click.option("--guild", type=ID, help="Follow for this guild only (default: global).")
@click.option("--json", "as_json", is_flag=True, help="Print the feed and its first poll as JSON.")
@click.pass_obj
def add(ctx: Context, url: str, guild: int | None, as_json: bool) -> None:
    """Follow the feed at URL (or the one a page at URL announces); polls it once."""

    async def work(desk: NewsDesk) -> tuple[Feed, PollReport]:
        return await _feeds(desk, ctx).subscribe(url, guild_id=guild)

    subscription, report = _run(ctx, work, create=True)
    if as_json:
        _echo({**feed_json(subscription), "first_poll": report.json()})
        return
    click.echo(f"Following #{subscription.id}: {subscription.name}")
    click.echo(
        f"Stored {report.new} items ({report.duplicates} already stored, {report.failed} failed)."
    )


@feed.command(name="list")
@click.option("--guild", type=ID, help="Only this guild's feeds (default: every feed).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def list_(ctx: Context, guild: int | None, as_json: bool) -> None:
    """List followed feeds with their status."""

    async def work(desk: NewsDesk) -> list[Feed]:
        return await desk.feeds.subscriptions(guild, all_scopes=guild is None)

    feeds = _run(ctx, work)
    if not feeds and not as_json:
        click.echo("No feeds yet." if guild is None else f"No feeds yet for guild {guild}.")
    for item in feeds:
        if as_json:
            _echo(feed_json(item))
            continue
        state = (
            f"paused: {item.pause_reason}" if item.paused else (item.last_status or "not polled")
        )
        scope = f"guild {item.guild_id}" if item.guild_id else "global"
        click.echo(f"#{item.id}  {item.name}  [{scope}]  {state}  failures={item.failures}")
        click.echo(f"     {item.url}")


@feed.command(name="remove")
@click.argument("feed_id", type=ID)
@click.pass_obj
def remove(ctx: Context, feed_id: int) -> None:
    """Stop following a feed (any scope); its stored articles stay."""

    async def work(desk: NewsDesk) -> Feed:
        return await _feeds(desk, ctx).remove(feed_id, None, any_scope=True)

    removed = _run(ctx, work)
    click.echo(f"Stopped following #{removed.id}: {removed.name}")


@feed.command(name="poll")
@click.option("--feed", "feed_id", type=ID, help="Only this feed (default: every feed).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.pass_obj
def poll(ctx: Context, feed_id: int | None, as_json: bool) -> None:
    """Poll now, whether due or not, and store what is new (nothing is posted)."""
    import asyncio

    from news.errors import InputError

    async def work(desk: NewsDesk) -> list[PollReport]:
        feeds = _feeds(desk, ctx)
        if feed_id is not None:
            one = await desk.feeds.get(feed_id, any_scope=True)
            if one is None:
                raise InputError(f"There is no feed #{feed_id}.")
            targets = [one]
        else:
            targets = await desk.feeds.subscriptions(None, all_scopes=True)
        return list(await asyncio.gather(*(feeds.poll(f) for f in targets)))

    reports = _run(ctx, work)
    if not reports and not as_json:
        click.echo("No feeds yet.")
    for report in reports:
        click.echo(json.dumps(report.json(), ensure_ascii=False) if as_json else _describe(report))
    # A script polling from cron must see a feed that could not be read: exit 1, after
    # every other feed was polled and reported.
    if any(report.status in ("failed", "paused") for report in reports):
        raise click.exceptions.Exit(1)
