"""Fixtures that run the real NewsBot against the fake Discord in fake_discord.py.

- ``fake``: a started :class:`FakeDiscord` with discord.py pointed at it;
- ``runner``: a :class:`BotRunner` that starts, stops and restarts the bot against
  that fake and one temp database (``runner.db_path``), with settings overrides;
- ``bot``: the bot, started and ready (``runner.start()`` with test defaults);
- ``pages``: a real aiohttp site on 127.0.0.1 serving HTML you register.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

# pytest 9 does not put a test folder on sys.path: add this one so tests
# (and the digest tests to come) can `from fake_discord import ...`.
sys.path.insert(0, str(Path(__file__).parent))

from fake_discord import BotRunner, FakeDiscord, Pages

from bot.client import NewsBot


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.patch_client(monkeypatch)
    yield server
    await server.stop()


@pytest.fixture
async def runner(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotRunner]:
    bot_runner = BotRunner(fake, tmp_path / "newsbot.db")
    yield bot_runner
    await bot_runner.stop()


@pytest.fixture
async def bot(runner: BotRunner) -> NewsBot:
    return await runner.start()


@pytest.fixture
async def pages() -> AsyncIterator[Pages]:
    site_pages = Pages()
    app = web.Application()
    app.router.add_get("/{tail:.*}", site_pages.handle)
    app_runner = web.AppRunner(app)
    await app_runner.setup()
    site = web.TCPSite(app_runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    site_pages.base = f"http://127.0.0.1:{port}"
    yield site_pages
    await app_runner.cleanup()
