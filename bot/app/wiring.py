"""The one place the application is built from the settings: the backend's stores, the
desk over them with its worker thread, the model reader when one is configured, and the
feed limits. The bot (:mod:`bot.client`) and the command line (:mod:`bot.cli.context`)
both open their desk here; the bot's scheduler jobs are added by the cogs."""

from __future__ import annotations

from pathlib import Path

from bot.app.desk import FeedLimits, NewsDesk
from bot.config import Settings
from storage.shards import Shards


def feed_limits(settings: Settings) -> FeedLimits:
    return FeedLimits(
        max_items=settings.feed_max_items,
        max_feeds=settings.feed_limit,
        concurrency=settings.feed_concurrency,
    )


async def open_desk(
    settings: Settings,
    location: str | Path | None = None,
    *,
    reader: bool = True,
    shards: Shards | None = None,
) -> NewsDesk:
    """The desk over ``location`` (default: the settings' database). ``reader``: with
    the model reader when one is configured (the bot, ``newsbot ask``); ``shards``: the
    bot process's, whose feeds its rounds poll (None: all)."""
    return await NewsDesk.open(
        settings.database_location() if location is None else location,
        allow_private_urls=settings.allow_private_urls,
        answer_threshold=settings.answer_threshold,
        model=settings.reader_config() if reader else None,
        feed_limits=feed_limits(settings),
        shards=shards,
        insights_days=settings.insights_days,
    )
