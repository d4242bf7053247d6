"""The options several commands share, declared once: ``--db`` (the root group's),
``--guild`` and ``--json``. Each command keeps its own help text, as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from bot.cli.input import ID

F = TypeVar("F", bound=Callable[..., Any])

DB_HELP = (
    "SQLite file or postgresql:// URL (default: NEWSBOT_DATABASE_URL, else NEWSBOT_DB, "
    "else ./data/newsbot.db). Put a URL with a password in NEWSBOT_DATABASE_URL instead: "
    "a command line is visible to other users."
)


def db_option(fn: F) -> F:
    """``--db FILE|URL``: where every command's database is (the root group's option)."""
    return click.option("--db", default=None, metavar="FILE|URL", help=DB_HELP)(fn)


def guild_option(help: str, *, required: bool = False) -> Callable[[F], F]:
    """``--guild ID``: the guild a command works in (its scope)."""
    return click.option("--guild", type=ID, required=required, help=help)


def json_option(help: str | None = None) -> Callable[[F], F]:
    """``--json``: print what the command gives as JSON lines (:mod:`bot.cli.output`)."""
    return click.option("--json", "as_json", is_flag=True, help=help)
