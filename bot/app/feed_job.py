"""The feeds' one job on the bot's APScheduler: every TICK_SECONDS it polls the feeds
that are due (:meth:`bot.app.feed_polling.FeedPolling.poll_due`)."""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app.feed_polling import TICK_SECONDS, FeedPolling

log = logging.getLogger(__name__)


class FeedPoller:
    """The feeds' one interval job on the bot's APScheduler (id ``feeds:poll``)."""

    JOB_ID = "feeds:poll"

    def __init__(self, feeds: FeedPolling, scheduler: AsyncIOScheduler) -> None:
        self.feeds = feeds
        self._scheduler = scheduler
        self._running: set[asyncio.Task[object]] = set()

    async def start(self) -> None:
        moved = await self.feeds.spread_overdue()
        if moved:
            log.info("%d overdue feeds spread over the next minutes", moved)
        self._scheduler.add_job(
            self._fire,
            "interval",
            seconds=TICK_SECONDS,
            id=self.JOB_ID,
            name="poll due feeds",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    async def _fire(self) -> None:
        task: asyncio.Task[object] = asyncio.current_task()  # type: ignore[assignment]
        self._running.add(task)
        try:
            await self.feeds.poll_due()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("feed poll round failed")
        finally:
            self._running.discard(task)

    async def close(self) -> None:
        job = self._scheduler.get_job(self.JOB_ID)
        if job is not None:
            job.remove()
        running = [task for task in self._running if not task.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
