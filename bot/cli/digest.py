"""``newsbot digest``: the digest the bot would post for a guild now, as markdown."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.app.desk import NewsDesk
from bot.cli.context import Context, with_desk
from bot.cli.options import guild_option


@click.command()
@guild_option("The guild whose digest to build.", required=True)
@click.option(
    "--since",
    help="ISO date or time (UTC unless it has an offset); default: the last posted digest.",
)
@click.option("--max-articles", type=click.IntRange(1, 50), default=10, show_default=True)
@click.pass_obj
def digest(ctx: Context, guild: int, since: str | None, max_articles: int) -> None:
    """Print, as markdown, the digest the bot would post for a guild now.

    Nothing is posted or recorded: the next digest the bot posts is not affected.
    """
    from bot.digest import render_markdown

    start: datetime | None = None
    if since:
        try:
            start = datetime.fromisoformat(since.strip())
        except ValueError:
            raise click.ClickException(
                f"{since!r} is not an ISO date or time, e.g. 2024-05-01 or 2024-05-01T08:00."
            ) from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)

    async def work(desk: NewsDesk) -> str:
        return render_markdown(await desk.digests.preview(guild, start, max_articles))

    click.echo(with_desk(ctx, work))
