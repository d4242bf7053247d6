"""NewsDesk: the application, the one way in for the cogs and the command line.

It is built over one backend's stores (:func:`bot.app.wiring.open_desk` builds it from
the settings) and offers the use cases by feature: articles and asking as its own
methods (:mod:`bot.app.articles`, :mod:`bot.app.ask`), and ``digests``, ``feeds`` and
``servers`` (:mod:`bot.app.digests`, :mod:`bot.app.feeds`,
:mod:`bot.app.server_settings`). CPU work runs in its one worker thread.

``digests`` and ``feeds`` are built, and their modules imported, on first use: they
bring in Discord, aiohttp, APScheduler and the feed parser, which a command that only
reads or asks (``newsbot show``, ``list``, ``ask``) never needs.

``stores`` is the backend behind it, for the wiring, tests and benchmarks; cogs and
the command line never touch it (``tests/test_layers.py`` checks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.ask import AskCases
from bot.app.insights import InsightCases
from bot.app.server_settings import ServerSettings
from bot.app.workers import CpuWorker
from news.search import StagedSearch
from storage.backend import open_stores
from storage.interfaces import Stores
from storage.shards import Shards

if TYPE_CHECKING:
    from bot.app.digests import DigestCases
    from bot.app.feeds import FeedCases
    from news.answer.model import ModelConfig, ModelReader

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FeedLimits:
    """The settings' feed limits (NEWSBOT_FEED_*); the defaults are the settings'."""

    max_items: int = 30
    max_feeds: int = 50
    concurrency: int = 8


class NewsDesk(AskCases):
    """The news desk's use cases over one backend."""

    def __init__(
        self,
        stores: Stores,
        *,
        allow_private_urls: bool = False,
        fetch_timeout: float = 15.0,
        answer_threshold: float | None = None,
        model: ModelConfig | None = None,
        feed_limits: FeedLimits | None = None,
        shards: Shards | None = None,
        insights_days: int = 90,
    ):
        self.stores = stores
        self.store = stores.articles
        # What "today" and "this week" are measured from (tests set a fixed one).
        self.clock: Callable[[], datetime] = _utc_now
        self.cpu = CpuWorker()
        # The answer engine's candidate search (it caches document counts: one per desk).
        self.staged_search = StagedSearch(self.store)
        self.allow_private_urls = allow_private_urls
        self.fetch_timeout = fetch_timeout
        # The confidence /ask needs to state an answer (None: the engine's fitted default).
        self.answer_threshold = answer_threshold
        # The optional model reader (None: off). Imported only when on: it pulls in aiohttp.
        self.model_reader: ModelReader | None = None
        if model is not None and model.enabled:
            from news.answer.model import ModelReader

            self.model_reader = ModelReader(model)
            log.info(
                "answers: model reader %s at %s (API key %s), offline engine as fallback",
                model.model,
                model.shown_url,
                "set" if model.api_key else "not set",
            )
        self._feed_limits = feed_limits or FeedLimits()
        self._shards = shards
        self.servers = ServerSettings(stores.guilds)
        self.insights = InsightCases(stores.insights, lambda: self.clock(), insights_days)

    @cached_property
    def digests(self) -> DigestCases:
        # Imported on first use: bot.digest renders with discord.py, slow to import.
        from bot.app.digests import DigestCases

        return DigestCases(self.stores.digests, self)

    @cached_property
    def feeds(self) -> FeedCases:
        # Imported on first use: polling imports aiohttp, feedparser and RE2.
        from bot.app.feeds import FeedCases

        limits = self._feed_limits
        return FeedCases(
            self,
            max_items=limits.max_items,
            max_feeds=limits.max_feeds,
            concurrency=limits.concurrency,
            shards=self._shards,
        )

    @classmethod
    async def open(cls, location: str | Path, **options: object) -> NewsDesk:
        """The desk over the backend at ``location``: a SQLite file, or a PostgreSQL URL."""
        stores = await open_stores(location)
        try:
            return cls(stores, **options)  # type: ignore[arg-type]
        except BaseException:
            await stores.close()
            raise

    async def close(self) -> None:
        try:
            if self.model_reader is not None:
                await self.model_reader.close()
        finally:
            await self.cpu.close()
            await self.stores.close()
