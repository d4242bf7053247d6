"""The root ``newsbot`` group: settings, logging and ``--db``; every command group is
registered here from its own module (none of them imports this one)."""

from __future__ import annotations

import logging
import os
import sys

import click

from bot.cli import articles, ask, db, digest, doctor, feed, index, insights, run
from bot.cli.context import Context
from bot.cli.options import db_option
from bot.config import settings_or_exit


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.pass_context
def cli(click_ctx: click.Context, db: str | None) -> None:
    """newsbot: a Discord news desk. Store articles, ask about them, post digests."""
    settings = settings_or_exit()
    # The bot logs at LOG_LEVEL; one-shot commands stay quiet unless LOG_LEVEL is set.
    quiet = click_ctx.invoked_subcommand != "run" and "LOG_LEVEL" not in os.environ
    logging.basicConfig(
        level="WARNING" if quiet else settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    click_ctx.obj = Context(settings, db)


for command in [
    *articles.COMMANDS,
    ask.ask,
    digest.digest,
    doctor.doctor,
    run.run,
    feed.feed,
    db.db,
    index.index,
    *insights.COMMANDS,
]:
    cli.add_command(command)


def main() -> None:
    cli(prog_name="newsbot")
