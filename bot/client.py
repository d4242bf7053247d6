"""NewsBot, the Discord client: start-up, command sync, and the one app-command error handler.

``setup_hook`` opens the NewsDesk (:func:`bot.app.wiring.open_desk`: with the model
reader when one is configured, and this process's shards),
starts the bot's one APScheduler (every timed job, such as digests, runs on it), loads
the cogs in :data:`EXTENSIONS` and syncs the command tree (to ``NEWSBOT_DEV_GUILD``
when set, for instant updates while developing; globally otherwise). ``close`` unloads the cogs (which remove their
jobs), shuts the scheduler down and closes the desk.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from datetime import UTC
from typing import Any

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

from bot.app.desk import NewsDesk
from bot.app.wiring import open_desk
from bot.config import Settings, SettingsError
from news.errors import NewsError, new_error_id
from storage.backend import hold_runner
from storage.errors import StorageError

log = logging.getLogger(__name__)

EXTENSIONS = ["cogs.articles", "cogs.ask", "cogs.admin", "cogs.digest", "cogs.feeds"]

# The guilds intent alone: slash commands, context menus, buttons and modals arrive as
# interactions whatever the intents, and the bot reads no messages, members or
# presences. Guilds keeps the cache of guilds, channels and roles that permission
# checks, the moderator role and digest channels rely on.
INTENTS = discord.Intents.none()
INTENTS.guilds = True

# Seconds a thread may hold the GIL before it is asked to let go (see tune_runtime).
SWITCH_INTERVAL = 0.0005

APOLOGY = "Sorry, something went wrong on our side. If it keeps happening, tell the bot's owner: error id `{}`."


def user_message(error: BaseException) -> str | None:
    """The short sentence for an error a user can cause, or None for a bug of ours."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        original = (
            error.__cause__ if isinstance(error, app_commands.TransformerError) else error.original
        )
        if isinstance(original, NewsError):
            return str(original)
        if isinstance(error, app_commands.TransformerError):
            return f"That isn't a valid value for this option: {str(error.value)[:100]!r}."
        return None
    if isinstance(error, NewsError):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: you can use this again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.MissingPermissions | app_commands.MissingAnyRole):
        return "You don't have the permissions this command needs."
    if isinstance(error, app_commands.BotMissingPermissions):
        return (
            "I'm missing permissions for that here: " + ", ".join(error.missing_permissions) + "."
        )
    if isinstance(error, app_commands.CheckFailure):
        text = str(error)
        return text if text and "predicate" not in text else "You can't use this command here."
    return None


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Tell the user in one ephemeral sentence; log our own bugs with a traceback and an id.

    Used by the command tree and by views and modals (whose errors bypass the tree).
    """
    message = user_message(error)
    if message is None:
        error_id = new_error_id()
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        command = (
            interaction.command.qualified_name if interaction.command else interaction.type.name
        )
        log.error(
            "error %s in %s (guild %s, user %s)",
            error_id,
            command,
            interaction.guild_id,
            interaction.user.id if interaction.user else None,
            exc_info=(type(cause), cause, cause.__traceback__),
        )
        message = APOLOGY.format(error_id)
    if interaction.type is discord.InteractionType.autocomplete:
        return  # an autocomplete cannot carry a message; the user just sees no choices
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not report an error to the user", exc_info=True)


class NewsTree(app_commands.CommandTree["NewsBot"]):
    """The command tree with newsbot's one error handler."""

    async def on_error(
        self, interaction: discord.Interaction[NewsBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


class NewsBot(commands.AutoShardedBot):
    """The news desk's Discord client; ``desk`` is open between setup_hook and close.

    ``scheduler`` is the bot's one APScheduler, running between setup_hook and close:
    cogs add their jobs to it and remove them when they unload. ``own_shards`` are the
    shards this process serves (None: all), for the jobs that keep to their guilds.
    """

    desk: NewsDesk

    def __init__(self, settings: Settings, **options: Any) -> None:
        options.setdefault("chunk_guilds_at_startup", False)
        # Some shards only (NEWSBOT_SHARDS): Discord sends this process their guilds'
        # events, and the digest and feed jobs keep to the same guilds. None: Discord's
        # recommended count, every shard in this process.
        own_shards = settings.shards()
        if own_shards is not None:
            options.setdefault("shard_ids", list(own_shards.ids))
            options.setdefault("shard_count", own_shards.count)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=INTENTS,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=NewsTree,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.own_shards = own_shards
        self.synced: list[app_commands.AppCommand] = []
        self.scheduler = AsyncIOScheduler(timezone=UTC)

    async def setup_hook(self) -> None:
        self.desk = await open_desk(self.settings, shards=self.own_shards)
        self.scheduler.start()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.settings.dev_guild is not None:
            guild = discord.Object(id=self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            self.synced = await self.tree.sync(guild=guild)
        else:
            self.synced = await self.tree.sync()
        log.info("synced %d application commands", len(self.synced))

    async def on_ready(self) -> None:
        held = "every shard"
        if self.own_shards is not None:
            ids = ",".join(map(str, self.own_shards.ids))
            held = f"shards {ids} of {self.own_shards.count}"
        log.info("logged in as %s in %d guilds (%s)", self.user, len(self.guilds), held)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            desk = getattr(self, "desk", None)
            if desk is not None:
                await desk.close()
                del self.desk


def tune_runtime() -> None:
    """Keep the event loop's share of the interpreter while the CPU worker is busy.

    Pure-Python answering in the worker thread holds the GIL; the loop gets it back
    only when the holder is asked to let go, every switch interval. At CPython's 5 ms
    a burst of /ask held every loop wake-up behind a whole interval or more. With 50
    asks at once, the loop's lag p99 (median of 4-6 runs at 1k, 100k and 1M) was 8.0-10.4
    ms at 1 ms and 5.1-6.4 ms at 0.5 ms, the 50 answers taking as long (bench/README.md,
    issue 24's fifth round): the cost is a few more thread switches.

    The answer engine also caches tokenised sentences (many small objects); with
    CPython's default thresholds full collections come often enough to stall the loop
    during bursts of /ask, so garbage is collected less often (a few MB more garbage).
    """
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.set_threshold(20_000, 50, 1_000)


def stop_on_signals() -> asyncio.Event:
    """SIGTERM (systemd's and most supervisors' stop) and Ctrl-C stop the bot: the event
    is set, and :func:`run_until_stopped` closes the bot, its scheduler and the database
    in order and the runner lock is released, rather than the process dying mid-write.

    A second signal while stopping cancels the running task outright."""
    stopping = asyncio.Event()
    task = asyncio.current_task()

    def stop(name: str) -> None:
        if stopping.is_set() and task is not None:
            log.info("%s again: cancelling", name)
            task.cancel()
            return
        log.info("%s: stopping", name)
        stopping.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # no Unix signals on this platform
            loop.add_signal_handler(sig, stop, sig.name)
    return stopping


async def run_until_stopped(bot: Any, token: str, stopping: asyncio.Event) -> None:
    """``bot.start(token)`` until it ends by itself or ``stopping`` is set.

    A stop may come at any point of start-up (the database opening, the login, the
    gateway's handshake) or after it. A single cancel of the running task is not enough
    to end it there: asyncio.wait_for, which discord.py's connect uses, drops a cancel
    that arrives as its inner call completes (Python 3.11), and the bot then ran on,
    holding its database, until killed. So a stop cancels the start *and* closes the bot
    (discord.py's own way to end ``start``), cancels again each second until the start
    has ended, then closes once more: a desk that start-up opened after the first close
    is closed too (:meth:`NewsBot.close`).
    """
    running = asyncio.ensure_future(bot.start(token))
    waiter = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({running, waiter}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        running.cancel()
        raise
    finally:
        waiter.cancel()
    if running.done():
        running.result()  # a rejected token, a lost network: the caller's one line
        return
    running.cancel()
    try:
        await bot.close()
    finally:
        while not running.done():
            await asyncio.wait({running}, timeout=1.0)
            running.cancel()
        if not running.cancelled() and running.exception() is not None:
            log.debug("the bot's start ended with", exc_info=running.exception())
        await bot.close()


def run_bot(settings: Settings, token: str) -> None:
    """Run the bot until Ctrl-C; a rejected token is one line on stderr and exit code 1."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=settings.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )

    # newsbot has no voice features; discord.py's warning about the missing voice
    # library would only make a newcomer think something is broken.
    logging.getLogger("discord.client").addFilter(
        lambda record: "voice will NOT be supported" not in record.getMessage()
    )

    tune_runtime()

    async def main() -> None:
        # Held until the process ends: a second bot on one SQLite file, or on shards
        # another process runs, stops here.
        stopping = stop_on_signals()
        try:
            async with (
                hold_runner(settings.database_location(), settings.shards()),
                NewsBot(settings) as bot,
            ):
                await run_until_stopped(bot, token, stopping)
        except asyncio.CancelledError:
            if not stopping.is_set():
                raise
        if stopping.is_set():
            log.info("stopped")

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        log.info("stopped")
    except SettingsError as err:
        # Settings that do not fit together (a model URL without a model, shards without
        # a count, a database URL of another kind).
        print(f"Cannot start: {err}", file=sys.stderr)  # noqa: T201
        raise SystemExit(1) from None
    except StorageError as err:
        # The database could not be opened (read-only folder, not a database, damaged,
        # newer schema, locked, another bot on the SQLite file): the operator's one line.
        print(f"Cannot start: {err}", file=sys.stderr)  # noqa: T201
        raise SystemExit(1) from None
    except discord.LoginFailure as err:
        print(f"Discord rejected DISCORD_TOKEN: {err}", file=sys.stderr)  # noqa: T201
        raise SystemExit(1) from None
    except discord.PrivilegedIntentsRequired as err:
        print(f"Discord refused the connection: {err}", file=sys.stderr)  # noqa: T201
        raise SystemExit(1) from None
    except (aiohttp.ClientConnectionError, OSError) as err:
        # No network, DNS failure, proxy trouble: say so in one line, not a traceback.
        log.debug("connection failure", exc_info=True)
        print(f"Could not reach Discord: {err}. Check the network.", file=sys.stderr)  # noqa: T201
        raise SystemExit(1) from None
