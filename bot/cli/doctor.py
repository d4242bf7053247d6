"""The model reader from the command line: ``newsbot doctor`` (is it set up right?)
and the helpers ``newsbot ask`` uses to force it and to say which reader answered.

It reads the settings (never showing the API key, only whether one is set), then
sends the server one ``GET /models`` and one tiny chat request, and says whether the
server answers, whether it lists the model, and whether it accepts
``response_format``. Exit status 0 when the reader is off or its server is usable,
1 otherwise.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

from bot.app.readers import READER_OFF, Asked
from bot.config import Settings, SettingsError

if TYPE_CHECKING:
    from bot.cli.context import Context
    from news.answer.model import CheckReport, ModelConfig

OFF = (
    "model reader: off (NEWSBOT_LLM_BASE_URL is empty); /ask and newsbot ask answer "
    "with the offline engine"
)


def require_reader(settings: Settings) -> ModelConfig:
    """The reader's settings for ``ask --reader model``, or one line and exit 1."""
    try:
        config = settings.reader_config()
    except SettingsError as err:
        raise click.ClickException(str(err)) from None
    if config is None:
        raise click.ClickException(READER_OFF)
    return config


def reader_line(asked: Asked) -> str:
    """Which reader answered, for the host; a fallback says why (never the key)."""
    outcome = asked.outcome
    if outcome is not None and outcome.status in ("rejected", "fallback"):
        return f"Reader: {asked.footer} ({outcome.reason})"
    return f"Reader: {asked.footer}"


def settings_line(config: ModelConfig) -> str:
    """The reader's settings in one line: the URL without credentials, no key."""
    key = "set" if config.api_key else "not set"
    return (
        f"model reader: {config.model} at {config.shown_url}; API key {key}; "
        f"timeout {config.timeout:g} s; {config.max_concurrency} at once; "
        f"{config.budget_words} words of passages"
    )


async def check(config: ModelConfig) -> CheckReport:
    from news.answer.model import ModelReader

    reader = ModelReader(config)
    try:
        return await reader.check()
    finally:
        await reader.close()


@click.command()
@click.pass_obj
def doctor(ctx: Context) -> None:
    """Check the model reader: does its server answer, does it have the model, does it
    accept response_format (one tiny request; the API key is never shown)."""
    try:
        config = ctx.settings.reader_config()
    except SettingsError as err:
        raise click.ClickException(str(err)) from None
    if config is None:
        click.echo(OFF)
        return
    click.echo(settings_line(config))
    report = asyncio.run(check(config))
    # The check may meet one fault twice (the model list and the chat request both
    # fail to connect): say each thing once.
    for line in dict.fromkeys(report.lines()):
        click.echo(line)
    if not report.ok:
        raise click.exceptions.Exit(1)
    click.echo(
        "ok: /ask answers with the model, quote checked, and falls back to the offline engine"
    )
