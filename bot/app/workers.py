"""Where CPU work runs: the one worker thread of the bot and the command line, and
worker processes for a bulk import. The event loop never runs CPU work itself."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

POOL_THRESHOLD = 1000  # items from which an import prepares in worker processes


class CpuWorker:
    """One worker thread for the bot's CPU-bound calls (answering, cleaning, summarizing).

    Pure-Python work holds the GIL. With a single CPU thread the event loop only ever
    contends with that one thread, and CPython hands the GIL over every 5 ms, so the loop
    stays responsive however many asks queue up; a pool of threads would take turns
    ahead of the loop. Bulk imports that want every core pass a process pool to
    :meth:`bot.app.articles.ArticleCases.add_batch` instead.
    """

    def __init__(self) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="newsbot-cpu"
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, True, cancel_futures=True)


def process_pool(workers: int | None = None) -> concurrent.futures.ProcessPoolExecutor:
    """Worker processes for a bulk import (one per core by default).

    ``spawn``, not fork: the caller has threads (SQLite connections) that fork would copy.
    """
    # Imported here: multiprocessing (and pickle under it) costs every command's start.
    import multiprocessing

    return concurrent.futures.ProcessPoolExecutor(
        workers or _cores(), mp_context=multiprocessing.get_context("spawn")
    )


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
