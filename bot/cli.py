"""The ``newsbot`` command line: run the bot, and curate the store next to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypeVar

import click

from bot.cli_doctor import doctor, reader_line, require_reader
from bot.cli_input import (
    ID,
    batch_question,
    count_items,
    drafts,
    expand,
    jsonl_lines,
    markdown_title,
    read_stdin,
)
from bot.config import Settings, SettingsError, checked_location, settings_or_exit
from bot.desk import (
    AddResult,
    NewsDesk,
    parse_date,
    process_pool,
    read_source_file,
)
from bot.readers import Asked
from bot.style import article_date
from news.answer import Answer, Quote
from news.errors import InputError, NewsError
from storage.articles import Article
from storage.backend import sqlite_file
from storage.errors import StorageError

log = logging.getLogger("newsbot")
T = TypeVar("T")
POOL_THRESHOLD = 1000  # items from which an import prepares in worker processes


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


def article_json(article: Article, *, text: bool = False, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "added": article.added_at.isoformat(timespec="seconds"),
        "guild": article.guild_id,
    }
    if text:
        data["text"] = article.text
        data["summary"] = list(article.summary or ())
    data.update(extra)
    return data


def _emit(data: dict[str, object]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def _with_desk(
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
        desk = await NewsDesk.open(
            location,
            allow_private_urls=ctx.settings.allow_private_urls,
            answer_threshold=ctx.settings.answer_threshold,
            model=ctx.settings.reader_config() if reader else None,
        )
        try:
            return await work(desk)
        finally:
            await desk.close()

    try:
        return asyncio.run(main())
    except (NewsError, StorageError, SettingsError) as err:
        raise click.ClickException(str(err)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    default=None,
    metavar="FILE|URL",
    help="SQLite file or postgresql:// URL (default: NEWSBOT_DATABASE_URL, else NEWSBOT_DB, "
    "else ./data/newsbot.db). Put a URL with a password in NEWSBOT_DATABASE_URL instead: "
    "a command line is visible to other users.",
)
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


@cli.command()
@click.argument("source")
@click.option("--title", help="Title (default: the page's, or the text's first line).")
@click.option("--url", help="The article's URL, when SOURCE is a file or text.")
@click.option("--published", help="Publication date, YYYY-MM-DD.")
@click.option("--guild", type=ID, help="Store for this guild only (default: global).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored article as JSON.")
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

    result = _with_desk(ctx, work, create=True)
    if as_json:
        _emit(article_json(result.article, duplicate=result.duplicate))
    elif result.duplicate:
        click.echo(
            f"Already stored as #{result.article.id}: {result.article.title} (nothing added)"
        )
    else:
        click.echo(f"Stored #{result.article.id}: {result.article.title}")


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--guild", type=ID, help="Store for this guild only (default: global).")
@click.pass_obj
def import_(ctx: Context, paths: tuple[Path, ...], guild: int | None) -> None:
    """Import JSONL files ({"text", "title"?, "url"?, "published"?, "source"?}) or folders.

    Each item that fails is named on standard error as FILE:LINE: REASON (FILE: REASON
    for a .txt/.md/.html file); the others are stored all the same. Exit status: 0 when
    nothing failed, 1 when any item failed (or the import could not run at all).
    """
    files = expand(paths)
    total = count_items(files)
    counts: Counter[str] = Counter()
    failures: list[str] = []

    async def work(desk: NewsDesk) -> None:
        # Big imports prepare (clean, summarize) on every core; small ones in the desk's
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

    _with_desk(ctx, work, create=True)
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


@cli.command(name="list")
@click.option("--guild", type=ID, help="Only this guild's articles and the global ones.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def list_(ctx: Context, guild: int | None, limit: int, as_json: bool) -> None:
    """List articles, newest first (all guilds unless --guild is given)."""

    async def work(desk: NewsDesk) -> list[Article]:
        return await desk.recent_any(guild, limit=limit)

    articles = _with_desk(ctx, work)
    if not articles and not as_json:
        click.echo("No articles yet." if guild is None else f"No articles yet for guild {guild}.")
    for article in articles:
        if as_json:
            _emit(article_json(article))
        else:
            # "published 2026-05-03" is the longer form: both line up in one column.
            day = f"{article_date(article).short():<20}"
            scope = f"guild {article.guild_id}" if article.guild_id else "global"
            click.echo(
                f"#{article.id:<6} {day}  {article.title}  [{article.source or '-'}; {scope}]"
            )


@cli.command()
@click.argument("article_id", type=ID)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(ctx: Context, article_id: int, as_json: bool) -> None:
    """Show one article with its cleaned text."""

    async def work(desk: NewsDesk) -> Article | None:
        return await desk.get_any(article_id)

    article = _with_desk(ctx, work)
    if article is None:
        raise click.ClickException(f"There is no article #{article_id}.")
    if as_json:
        _emit(article_json(article, text=True))
        return
    click.echo(article.title)
    meta = [article.source or "", article_date(article).long(), article.url or ""]
    click.echo(" · ".join(m for m in meta if m))
    click.echo("")
    click.echo(article.text)


@cli.command()
@click.argument("article_id", type=ID)
@click.pass_obj
def remove(ctx: Context, article_id: int) -> None:
    """Remove an article (any scope)."""

    async def work(desk: NewsDesk) -> Article | None:
        return await desk.remove_any(article_id)

    article = _with_desk(ctx, work)
    if article is None:
        raise click.ClickException(f"There is no article #{article_id}.")
    click.echo(f"Removed #{article.id}: {article.title}")


def main() -> None:
    cli(prog_name="newsbot")


def answer_json(answer: Answer, reader: str = "offline") -> dict[str, object]:
    """The ``ask --json`` contract: ``answer`` is null when the engine does not commit,
    and ``passages`` then holds the sentences a member would be shown; ``reader`` is
    "model" or "offline", whichever gave what is shown."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "article_id": answer.article_id,
        "evidence": answer.evidence,
        "confidence": round(answer.confidence, 4),
        "passages": [{"article_id": q.article_id, "text": q.text} for q in answer.passages],
        "score": round(answer.score, 4),  # the old name of confidence, kept for one release
        "reader": reader,
    }


@cli.command()
@click.argument("question", required=False)
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSONL file of {"question", "article_id"?}; one JSON line out per line in.',
)
@click.option("--guild", type=ID, help="Ask within this guild's articles and the global ones.")
@click.option("--article", "article_id", type=ID, help="Answer from this article only.")
@click.option(
    "--reader",
    "choice",
    type=click.Choice(["offline", "model"]),
    help="Force a reader (default: the model reader when one is configured).",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def ask(
    ctx: Context,
    question: str | None,
    batch: Path | None,
    guild: int | None,
    article_id: int | None,
    choice: Literal["offline", "model"] | None,
    as_json: bool,
) -> None:
    """Answer a question from the stored articles, with the sentence that proves it."""
    if (question is None) == (batch is None):
        raise click.UsageError("Give a QUESTION or --batch FILE, not both.")
    if choice == "model":
        require_reader(ctx.settings)

    async def one(desk: NewsDesk) -> tuple[Asked, dict[int, Article]]:
        assert question is not None
        asked = await desk.ask_read(question, guild, article_id, reader=choice or "auto")
        answer = asked.answer
        ids = [answer.article_id] if answer.article_id else []
        ids += [q.article_id for q in answer.passages]
        found = {i: a for i in dict.fromkeys(ids) if (a := await desk.get_any(i)) is not None}
        return asked, found

    if question is not None:
        asked, found = _with_desk(ctx, one, reader=True)
        if as_json:
            _emit(answer_json(asked.answer, asked.reader))
        else:
            click.echo(_answer_text(asked.answer, found))
            if asked.footer is not None:
                click.echo(reader_line(asked))
        return

    assert batch is not None

    failed: list[str] = []

    async def many(desk: NewsDesk) -> None:
        # One JSON line out per line in; a line that fails says why there and, as
        # FILE:LINE: REASON, on standard error, and the rest are still answered.
        for number, item in jsonl_lines(batch):
            q: str | None = None
            try:
                if isinstance(item, InputError):
                    raise item
                q, pin = batch_question(item)
                asked = await desk.ask_read(q, guild, pin, reader=choice or "auto")
                _emit(answer_json(asked.answer, asked.reader))
            except NewsError as err:
                _emit({"line": number, "question": q, "error": str(err)})
                failed.append(f"{batch}:{number}: {err}")

    _with_desk(ctx, many, reader=True)
    for line in failed:
        click.echo(line, err=True)
    if failed:
        sys.exit(1)


def _answer_text(answer: Answer, found: dict[int, Article]) -> str:
    """What ``ask --json`` prints, for a person: the answer, its evidence and citation
    (or the closest sentences, each with its article), the other sentences, the
    confidence.

    Every line says what it is: a label, or a heading over the quotes it lists
    (scripts read ``--json``). The running total is a line the engine labels itself
    (:mod:`news.answer.totals`).
    """
    cited = found.get(answer.article_id) if answer.article_id else None
    passages = list(answer.passages)
    if answer.answer is not None and cited is not None:
        lines = [f"Answer: {answer.answer}"]
        if answer.extra:
            lines.append(answer.extra)
        lines.append(f'Evidence: "{answer.evidence}"')
        day = article_date(cited).short()
        lines.append(f"Source: #{cited.id} {cited.title} ({cited.source or 'no source'}, {day})")
        if cited.url:
            lines.append(f"Link: {cited.url}")
        more = [q for q in passages if q.text != answer.evidence]
        if more:
            lines += ["", "Also in the articles:"]
            lines += [_quote_line(q, found) for q in more]
    elif passages:
        lines = ["Could not pin down an exact answer. The most relevant sentences:"]
        lines += [_quote_line(q, found) for q in passages]
    else:
        lines = ["Not found in the stored articles."]
        if answer.related:
            lines.append("Closest articles: " + ", ".join(f"#{i}" for i in answer.related))
    lines.append(f"Confidence: {answer.confidence:.2f}")
    return "\n".join(lines)


def _quote_line(quote: Quote, found: dict[int, Article]) -> str:
    article = found.get(quote.article_id)
    title = f" {article.title}" if article is not None else ""
    return f'  "{quote.text}" — #{quote.article_id}{title}'


@cli.command()
@click.argument("article_ids", nargs=-1, required=True, type=ID)
@click.option("--sentences", type=click.IntRange(1, 10), default=3, show_default=True)
@click.option("--json", "as_json", is_flag=True)
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
    for article_id, article, summary in _with_desk(ctx, work):
        if article is None:
            click.echo(f"There is no article #{article_id}.", err=True)
            missing = True
        elif as_json:
            _emit({"id": article_id, "summary": summary})
        else:
            click.echo(f"#{article_id} {article.title}")
            for sentence in summary:
                click.echo(f"  - {sentence}")
    if missing:
        sys.exit(1)


@cli.command()
@click.option("--guild", type=ID, required=True, help="The guild whose digest to build.")
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
    from bot.digest import build_digest, render_markdown

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
        window = start if start is not None else await desk.digest_start(guild)
        built = await build_digest(desk, guild, window, max_articles)
        return render_markdown(built)

    click.echo(_with_desk(ctx, work))


cli.add_command(doctor)
from bot.cli_run import run  # noqa: E402  (its own module, like feed's)

cli.add_command(run)
from bot.cli_feed import feed  # noqa: E402  (the feed group's own module; it reads this one)

cli.add_command(feed)
from bot.cli_db import db  # noqa: E402  (the db group's own module)

cli.add_command(db)
from bot.cli_index import index  # noqa: E402  (the index group's own module)

cli.add_command(index)
