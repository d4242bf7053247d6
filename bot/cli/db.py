"""``newsbot db``: the database itself. ``newsbot db copy`` moves a SQLite file into
PostgreSQL (``storage/postgres/copy.py`` says how it stays safe to run again).

The URL's password is
never printed: messages name the server by host, port and database only. Nor is it taken
on the command line, where every user of the machine can read it (``ps``,
``/proc/PID/cmdline``): the target comes from NEWSBOT_COPY_TO, or is asked for without
echo, and ``--to`` takes only a URL without a password.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

from bot.config import SettingsError, checked_location
from storage.backend import is_postgres
from storage.errors import StorageError

if TYPE_CHECKING:
    from bot.cli.context import Context
    from storage.postgres.copy import CopyReport

PROGRESS_EVERY = 1.0  # seconds between two progress lines of one table
TARGET_ENV = "NEWSBOT_COPY_TO"


@click.group()
def db() -> None:
    """The database: copy a SQLite file into PostgreSQL."""


def _sqlite_file(ctx: Context) -> Path:
    """The SQLite file to copy: the global --db when it names a file, else NEWSBOT_DB
    (NEWSBOT_DATABASE_URL is where the bot runs, not what is copied)."""
    if ctx.db is not None and not is_postgres(ctx.db):
        return Path(ctx.db.removeprefix("sqlite:///"))
    return ctx.settings.db_path


@db.command(name="copy")
@click.option(
    "--to",
    "target",
    envvar=TARGET_ENV,
    metavar="URL",
    help=f"The PostgreSQL database to copy into, postgresql://user@host:port/name (default: "
    f"{TARGET_ENV}, else asked for). A URL with a password goes in {TARGET_ENV} or the "
    "prompt: a command line is visible to other users.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The SQLite file to copy (default: newsbot's --db, NEWSBOT_DB, ./data/newsbot.db).",
)
@click.option(
    "--batch",
    type=click.IntRange(1, 10_000),
    default=500,
    show_default=True,
    help="Rows per transaction.",
)
@click.pass_obj
def copy(ctx: Context, target: str | None, db_path: Path | None, batch: int) -> None:
    """Copy every article, summary, server setting, schedule, run and feed from the SQLite
    file into PostgreSQL, keeping ids. Stop the bot first. Safe to run again after an
    interruption: rows already copied are skipped. Exit status 0 when every table's count
    matches, 1 otherwise."""
    typed = click.get_current_context().get_parameter_source("target")
    if target is not None and typed == ParameterSource.COMMANDLINE and _has_password(target):
        raise click.ClickException(
            f"--to holds a password, which other users can read in the process list: put "
            f"the URL in {TARGET_ENV}, or leave --to out to be asked for it."
        )
    # Errors name where the URL came from: the option, the variable, or the prompt.
    name = "The URL"
    if target is not None and typed == ParameterSource.COMMANDLINE:
        name = "--to"
    elif target is not None and typed == ParameterSource.ENVIRONMENT:
        name = TARGET_ENV
    if target is None:
        target = click.prompt("PostgreSQL URL to copy into", hide_input=True).strip()
    if not is_postgres(target):
        raise click.ClickException(
            "--to takes a PostgreSQL URL: postgresql://user:password@host:port/database."
        )
    try:
        checked_location(target, name)
    except SettingsError as err:
        raise click.ClickException(str(err)) from None
    from storage.postgres.copy import copy_database

    source = db_path or _sqlite_file(ctx)
    shown: dict[str, float] = {}

    def progress(table: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - shown.get(table, 0.0) < PROGRESS_EVERY:
            return
        shown[table] = now
        click.echo(f"{table} {done}/{total}", err=True)

    try:
        report = asyncio.run(copy_database(source, target, batch=batch, progress=progress))
    except StorageError as err:
        raise click.ClickException(str(err)) from None
    _summary(report, source)


def _has_password(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "@" in url  # malformed: judge by the text, and refuse to be safe
    return bool(parts.password) or "password=" in parts.query


def _summary(report: CopyReport, source: Path) -> None:
    for table in report.tables:
        click.echo(
            f"{table.table}: {table.copied} copied, {table.skipped} already there "
            f"({table.target} in the target)"
        )
    click.echo(
        f"Copied {source} to {report.target}: {report.copied} new rows of {report.rows} in "
        f"{report.seconds:.1f} s ({report.rows_per_second:.0f} rows/s); every count matches."
    )
