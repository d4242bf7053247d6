"""``newsbot add``, ``import``, ``list``, ``show``, ``remove`` and ``summarize``: the
articles in the store, whatever their scope (the host's command line sees every guild)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import click

from bot.app.desk import NewsDesk
from bot.app.drafts import AddResult, parse_date, read_source_file
from bot.app.workers import POOL_THRESHOLD, process_pool
from bot.cli.context import Context, with_desk
from bot.cli.input import ID, count_items, drafts, expand, markdown_title, read_stdin
from bot.cli.options import guild_option, json_option
from bot.cli.output import article_json, emit
from bot.style import article_date
from news.domain import Article
from news.errors import InputError, NewsError


@click.command()
@click.argument("source")
@click.option("--title", help="Title (default: the page's, or the text's first line).")
@click.option("--url", help="The article's URL, when SOURCE is a file or text.")
@click.option("--published", help="Publication date, YYYY-MM-DD.")
@guild_option("Store for this guild only (default: global).")
@json_option("Print the stored article as JSON.")
@click.pass_obj
def add(
    ctx: Context,
    source: str,
    title: str | None,
    url: str | None,
    published: str | None,
    guild: int | None,
    as_json: bool,
) -> None:
    """Add an article from a URL, a .txt/.md/.html file, or - for standard input."""
    try:
        day = parse_date(published) if published else None
    except InputError as err:
        raise click.ClickException(str(err)) from None

    async def work(desk: NewsDesk) -> AddResult:
        if source.startswith(("http://", "https://")) or "://" in source:
            return await desk.add_url(source, guild_id=guild, title=title, published=day)
        if source == "-":
            text = read_stdin(sys.stdin.buffer)
            return await desk.add_text(text, title=title, url=url, published=day, guild_id=guild)
        path = Path(source)
        draft = await asyncio.to_thread(read_source_file, path, title=title, url=url, published=day)
        return await desk.add(markdown_title(draft, path), guild_id=guild)

    result = with_desk(ctx, work, create=True)
    if as_json:
        emit(article_json(result.article, duplicate=result.duplicate))
    elif result.duplicate:
        click.echo(
            f"Already stored as #{result.article.id}: {result.article.title} (nothing added)"
        )
    else:
        click.echo(f"Stored #{result.article.id}: {result.article.title}")


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@guild_option("Store for this guild only (default: global).")
@click.pass_obj
def import_(ctx: Context, paths: tuple[Path, ...], guild: int | None) -> None:
    """Import JSONL files ({"text", "title"?, "url"?, "published"?, "source"?}) or folders.

    Each item that fails is named on standard error as FILE:LINE: REASON (FILE: REASON
    for a .txt/.md/.html file); the others are stored all the same. Exit status: 0 when
    nothing failed, 1 when any item failed (or the import could not run at all).
    Each article is summarized the first time something shows it.
    """
    files = expand(paths)
    total = count_items(files)
    counts: Counter[str] = Counter()
    failures: list[str] = []

    async def work(desk: NewsDesk) -> None:
        # Big imports prepare (extract, clean) on every core; small ones in the desk's
        # worker thread, without the start-up cost of processes.
        pool = process_pool() if total >= POOL_THRESHOLD else None
        with (
            pool or contextlib.nullcontext(),
            click.progressbar(
                length=total, label="Importing", file=sys.stderr, show_pos=True
            ) as bar,
        ):

            def tally(result: AddResult | NewsError) -> None:
                if isinstance(result, NewsError):
                    counts["failed"] += 1
                    failures.append(str(result))
                else:
                    counts["duplicates" if result.duplicate else "added"] += 1
                bar.update(1)

            await desk.import_drafts(drafts(files), guild_id=guild, pool=pool, report=tally)

    with_desk(ctx, work, create=True)
    # Batches finish out of order: list the failures by file, then line.
    for failure in sorted(failures, key=_natural):
        click.echo(failure, err=True)
    click.echo(
        f"added {counts['added']}, duplicates {counts['duplicates']}, failed {counts['failed']}"
    )
    if failures:
        sys.exit(1)


def _natural(text: str) -> list[tuple[int, str]]:
    """Sort key that orders "f.jsonl:9" before "f.jsonl:10"."""
    return [(int(part), "") if part.isdigit() else (-1, part) for part in _DIGITS.split(text)]


_DIGITS = re.compile(r"(\d+)")


@click.command(name="list")
@guild_option("Only this guild's articles and the global ones.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@json_option()
@click.pass_obj
def list_(ctx: Context, guild: int | None, limit: int, as_json: bool) -> None:
    """List articles, newest first (all guilds unless --guild is given)."""

    async def work(desk: NewsDesk) -> list[Article]:
        return await desk.recent_any(guild, limit=limit)

    articles = with_desk(ctx, work)
    if not articles and not as_json:
        click.echo("No articles yet." if guild is None else f"No articles yet for guild {guild}.")
    for article in articles:
        if as_json:
            emit(article_json(article))
        else:
            # "published 2026-05-03" is the longer form: both line up in one column.
            day = f"{article_date(article).short():<20}"
            scope = f"guild {article.guild_id}" if article.guild_id else "global"
            click.echo(
                f"#{article.id:<6} {day}  {article.title}  [{article.source or '-'}; {scope}]"
            )


@click.command()
@click.argument("article_id", type=ID)
@json_option()
@click.pass_obj
def show(ctx: Context, article_id: int, as_json: bool) -> None:
    """Show one article with its cleaned text."""

    async def work(desk: NewsDesk) -> Article | None:
        found = await desk.get_any(article_id)
        if found is not None and as_json and found.summary is None:
            # Imported in bulk and not shown before: summarized now (and stored).
            found = replace(found, summary=tuple(await desk.summary(found)))
        return found

    article = with_desk(ctx, work)
    if article is None:
        raise click.ClickException(f"There is no article #{article_id}.")
    if as_json:
        emit(article_json(article, text=True))
        return
    click.echo(article.title)
    meta = [article.source or "", article_date(article).long(), article.url or ""]
    click.echo(" · ".join(m for m in meta if m))
    click.echo("")
    click.echo(article.text)


@click.command()
@click.argument("article_id", type=ID)
@click.pass_obj
def remove(ctx: Context, article_id: int) -> None:
    """Remove an article (any scope)."""

    async def work(desk: NewsDesk) -> Article | None:
        return await desk.remove_any(article_id)

    article = with_desk(ctx, work)
    if article is None:
        raise click.ClickException(f"There is no article #{article_id}.")
    click.echo(f"Removed #{article.id}: {article.title}")


@click.command()
@click.argument("article_ids", nargs=-1, required=True, type=ID)
@click.option("--sentences", type=click.IntRange(1, 10), default=3, show_default=True)
@json_option()
@click.pass_obj
def summarize(ctx: Context, article_ids: tuple[int, ...], sentences: int, as_json: bool) -> None:
    """Print the extractive summary of each article."""

    async def work(desk: NewsDesk) -> list[tuple[int, Article | None, list[str]]]:
        out: list[tuple[int, Article | None, list[str]]] = []
        for article_id in article_ids:
            article = await desk.get_any(article_id)
            out.append(
                (article_id, article, await desk.summary(article, sentences) if article else [])
            )
        return out

    missing = False
    for article_id, article, summary in with_desk(ctx, work):
        if article is None:
            click.echo(f"There is no article #{article_id}.", err=True)
            missing = True
        elif as_json:
            emit({"id": article_id, "summary": summary})
        else:
            click.echo(f"#{article_id} {article.title}")
            for sentence in summary:
                click.echo(f"  - {sentence}")
    if missing:
        sys.exit(1)
