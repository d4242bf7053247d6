"""The real bot against the fake Discord of fake_discord.py, in this process or another.

:class:`BotRunner` runs the client in the test's own event loop (discord.py pointed at
the fake by :meth:`FakeDiscord.patch_client`). :class:`BotProcess` runs the real CLI in
a subprocess: ``python tests/e2e/bot_runners.py PORT ARGS...`` is ``python -m bot
ARGS...`` (``run``, with its settings from the environment) with discord.py pointed at
the fake on 127.0.0.1:PORT the same way. Two waits that Discord imposes and the fake
does not are cut short there: the 5 s discord.py sleeps before each IDENTIFY after the
first (Discord's rate limit on sessions), and the 2 s it waits after the last
GUILD_CREATE before it calls itself ready.
"""

from __future__ import annotations

import asyncio
import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.client import NewsBot
from bot.config import load_settings
from tests.e2e.discord_payloads import TOKEN

if TYPE_CHECKING:
    from fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
GUILD_READY_TIMEOUT = 0.2


def _point_at_fake(port: int) -> None:
    import discord
    import yarl

    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gw")

    async def identify_at_once(self: Any, shard_id: int | None, *, initial: bool = False) -> None:
        return None

    discord.Client.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    original_init = NewsBot.__init__

    def quick_ready(self: NewsBot, settings: Any, **options: Any) -> None:
        options.setdefault("guild_ready_timeout", GUILD_READY_TIMEOUT)
        original_init(self, settings, **options)

    NewsBot.__init__ = quick_ready  # type: ignore[method-assign]


class BotRunner:
    """Starts the real client against the fake; stop() and start() again to restart."""

    def __init__(self, fake: FakeDiscord, db_path: Path) -> None:
        self.fake = fake
        self.db_path = db_path
        self.bot: NewsBot | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, **overrides: Any) -> NewsBot:
        """Start a new NewsBot and wait until it is ready; ``overrides`` go to Settings."""
        assert self.bot is None, "stop() the running bot first"
        fields: dict[str, Any] = {
            "db_path": self.db_path,
            "allow_private_urls": True,
            "ask_cooldown_seconds": 0.0,
            "dev_guild": None,
        }
        settings = load_settings(_env_file=None, **{**fields, **overrides})
        self.fake.identified.clear()
        bot = NewsBot(settings, guild_ready_timeout=0.05)
        self.bot = bot
        self._task = asyncio.create_task(bot.start(TOKEN), name="newsbot-under-test")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=60, return_when="FIRST_COMPLETED")
        if self._task in done:  # start() ended early: re-raise its error (e.g. LoginFailure)
            ready.cancel()
            self.bot, task, self._task = None, self._task, None
            await bot.close()  # what `async with NewsBot(...)` does in run_bot
            await task
        assert ready in done, "the bot did not become ready"
        return bot

    async def stop(self) -> None:
        if self.bot is None:
            return
        bot, task = self.bot, self._task
        self.bot = self._task = None
        await bot.close()
        if task is not None:
            await task

    async def restart(self, **overrides: Any) -> NewsBot:
        await self.stop()
        return await self.start(**overrides)


class BotProcess:
    """One ``newsbot run`` subprocess against the fake; its log goes to ``log_path``."""

    def __init__(self, port: int, env: dict[str, str], log_path: Path, cwd: Path) -> None:
        self.port = port
        self.env = env
        self.log_path = log_path
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__)), str(self.port), "run"],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def send(self, signum: int, timeout: float = 15.0) -> int:
        """Send ``signum`` and wait for the process to end; its exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        return self.proc.wait(timeout)

    def restart(self, signum: int = signal.SIGTERM) -> None:
        self.send(signum)
        self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(15)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_log(self, text: str, *, after: int = 0, timeout: float = 20.0) -> None:
        """Until ``text`` appears in the log past character ``after`` (or fail)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log()[after:]:
                return
            assert self.proc is None or self.proc.poll() is None, self.log()[-3000:]
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the bot's log:\n{self.log()[-3000:]}")


def bot_env(**settings: str) -> dict[str, str]:
    """The environment for a bot process: ours without any newsbot or Discord setting
    (a developer's own must not leak in), the project importable, and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(settings)
    return env


if __name__ == "__main__":
    _point_at_fake(int(sys.argv[1]))
    sys.argv = ["newsbot", *sys.argv[2:]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
