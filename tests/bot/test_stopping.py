"""A stop signal ends the bot at any point of its start-up, even where a cancel is lost.

``run_bot`` hands the bot to :func:`bot.client.run_until_stopped`; these fakes stand in
for discord.py's client at the points where a single ``task.cancel()`` did not stop it.
The real process is stopped by SIGTERM in tests/cli/test_run_lock.py.
"""

from __future__ import annotations

import asyncio

from bot.client import run_until_stopped


class LosesACancel:
    """A start that drops the first cancel (as asyncio.wait_for does on Python 3.11 when
    the cancel arrives as its inner call completes) and runs until closed."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()
        self.started = asyncio.Event()
        self.closes = 0
        self.cancels_lost = 0

    async def start(self, token: str) -> None:
        self.started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancels_lost += 1  # swallowed: start-up goes on
        await self.closed.wait()

    async def close(self) -> None:
        self.closes += 1
        self.closed.set()


class IgnoresClose(LosesACancel):
    """A start that a close does not end (start-up still opening its database when the
    first close ran): only a repeated cancel does, and a second close follows it."""

    async def start(self, token: str) -> None:
        self.started.set()
        for _ in range(2):
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cancels_lost += 1
        await asyncio.sleep(3600)


async def _stop_during_start(bot: LosesACancel) -> None:
    stopping = asyncio.Event()
    run = asyncio.create_task(run_until_stopped(bot, "token", stopping))
    await bot.started.wait()
    stopping.set()
    await asyncio.wait_for(run, 10)


async def test_a_stop_ends_a_start_that_loses_the_cancel() -> None:
    bot = LosesACancel()
    await _stop_during_start(bot)
    assert bot.cancels_lost == 1 and bot.closed.is_set()


async def test_a_stop_ends_a_start_that_a_close_does_not_end_and_closes_again() -> None:
    bot = IgnoresClose()
    await _stop_during_start(bot)
    assert bot.cancels_lost == 2
    assert bot.closes == 2  # once on the stop, once after start-up ended


async def test_without_a_stop_the_start_s_own_error_comes_through() -> None:
    class Rejected(LosesACancel):
        async def start(self, token: str) -> None:
            raise RuntimeError("token rejected")

    stopping = asyncio.Event()
    try:
        await run_until_stopped(Rejected(), "token", stopping)
    except RuntimeError as err:
        assert str(err) == "token rejected"
    else:
        raise AssertionError("the start's error was lost")
