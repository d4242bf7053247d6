"""The root ``newsbot`` group: settings, logging and ``--db``; every command is named
here with the module that defines it (none of them imports this one), and that module
is imported only when its command runs, so ``newsbot show`` never loads the feeds, the
digests, Discord or the bot."""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from bot.cli.context import Context
from bot.cli.options import db_option
from bot.config import settings_or_exit

# command name -> (module, attribute). The modules are imported on first use; --help and
# shell completion list every command with its help, so they import them all.
COMMANDS: dict[str, tuple[str, str]] = {
    "add": ("bot.cli.articles", "add"),
    "import": ("bot.cli.articles", "import_"),
    "list": ("bot.cli.articles", "list_"),
    "show": ("bot.cli.articles", "show"),
    "remove": ("bot.cli.articles", "remove"),
    "summarize": ("bot.cli.articles", "summarize"),
    "ask": ("bot.cli.ask", "ask"),
    "digest": ("bot.cli.digest", "digest"),
    "doctor": ("bot.cli.doctor", "doctor"),
    "run": ("bot.cli.run", "run"),
    "feed": ("bot.cli.feed", "feed"),
    "db": ("bot.cli.db", "db"),
    "index": ("bot.cli.index", "index"),
    "insights": ("bot.cli.insights", "insights"),
    "feedback": ("bot.cli.insights", "feedback"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when they are looked up (click's "lazy
    group"): a one-shot command pays only for the modules it uses."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        module, attribute = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise TypeError(f"{module}.{attribute} is not the command {cmd_name!r}")
        self.add_command(command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in COMMANDS:
            # Not a command of ours: load them all, so that click's error ("Did you
            # mean ...?") is made from every command, as when they were all imported.
            for name in COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def main() -> None:
    cli(prog_name="newsbot")
