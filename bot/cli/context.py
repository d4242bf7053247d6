"""What every command gets: the settings, the ``--db`` given, and the one way to run work
on the application (:func:`with_desk`), which turns failures into one line and exit 1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import click

from bot.app.desk import NewsDesk
from bot.app.wiring import open_desk
from bot.config import Settings, SettingsError, checked_location
from news.errors import NewsError
from storage.backend import sqlite_file
from storage.errors import StorageError

T = TypeVar("T")


@dataclass
class Context:
    settings: Settings
    db: str | None  # --db: a file or a database URL, over the settings

    @property
    def location(self) -> str | Path:
        """The database every command opens: --db, else NEWSBOT_DATABASE_URL, else NEWSBOT_DB."""
        if self.db is not None:
            return checked_location(self.db, "--db")
        return self.settings.database_location()


def with_desk(
    ctx: Context,
    work: Callable[[NewsDesk], Awaitable[T]],
    *,
    reader: bool = False,
    create: bool = False,
) -> T:
    """Open the store, run ``work``, close it; user errors and database failures (disk
    full, read-only, locked, damaged) become one line and exit 1. ``reader``: with the
    model reader when one is configured (only ``ask`` answers questions). ``create``:
    a SQLite file that does not exist yet is made (commands that store); the others stop
    with one line, rather than leave an empty database behind, in a folder the person
    may not have meant."""

    async def main() -> T:
        location = ctx.location
        missing = sqlite_file(location)
        if not create and missing is not None and not missing.exists():
            raise SettingsError(
                f"There is no database at {missing.absolute()}: nothing is stored there yet. Run "
                "newsbot from the folder that holds data/, or give --db or NEWSBOT_DB."
            )
        desk = await open_desk(ctx.settings, location, reader=reader)
        try:
            return await work(desk)
        finally:
            await desk.close()

    try:
        return asyncio.run(main())
    except (NewsError, StorageError, SettingsError) as err:
        raise click.ClickException(str(err)) from None
