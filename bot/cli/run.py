"""``newsbot run``: the Discord bot, for one process or a few shards of it.

What the options and the
group's ``--db`` say wins over the settings; everything is checked before connecting,
so a mistake is one line and exit code 1.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.config import MissingTokenError, SettingsError, parse_shards
from news.secret import Secret

if TYPE_CHECKING:
    from bot.cli.context import Context


@click.command()
@click.option("--shards", help="This process's shards, e.g. 0,1 (default: NEWSBOT_SHARDS).")
@click.option(
    "--shard-count",
    type=int,
    help="How many shards all the bot's processes share (default: NEWSBOT_SHARD_COUNT).",
)
@click.pass_obj
def run(ctx: Context, shards: str | None, shard_count: int | None) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN in the environment or .env).

    With --shards this process connects only those shards and serves only their guilds'
    digests and feeds (global feeds: the process with shard 0). Several processes need
    PostgreSQL; a SQLite file takes one bot.
    """
    update: dict[str, Any] = {}
    if shards is not None:
        update["shard_ids"] = shards
    if shard_count is not None:
        update["shard_count"] = shard_count
    try:
        if ctx.db is not None:
            where = ctx.location
            if isinstance(where, Path):
                update.update(db_path=where, database_url=None)
            else:
                update["database_url"] = Secret(where)
        settings = replace(ctx.settings, **update)
        token = settings.require_token()
        settings.database_location()
        settings.reader_config()  # a model URL with a password and a key, or no model
        # Named as the operator gave them: an option typed here, else the setting.
        parse_shards(
            settings.shard_ids,
            settings.shard_count,
            ids_name="--shards" if shards is not None else "NEWSBOT_SHARDS",
            count_name="--shard-count"
            if shards is not None or shard_count is not None
            else "NEWSBOT_SHARD_COUNT",
        )
    except (MissingTokenError, SettingsError) as err:
        raise click.ClickException(str(err)) from None
    from bot.client import run_bot

    run_bot(settings, token)
