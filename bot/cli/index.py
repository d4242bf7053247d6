"""``newsbot index``: which full-text index the store searches with, and keeping it true.

Registered on the main group in ``bot/cli/main.py``. The work is in
``storage/search_index.py``; this module only reads the options and prints.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from bot.config import SettingsError
from storage import search_index
from storage.backend import is_postgres
from storage.db import Database, open_database
from storage.errors import StorageError

if TYPE_CHECKING:
    from bot.cli.context import Context

T = TypeVar("T")
SHOWN_IDS = 10  # ids listed per kind of difference


# From this many articles `index status` suggests Tantivy: /ask's p95 on FTS5 was 35 ms
# at 100k and 166 ms at 1M, on Tantivy 13 and 21 (bench/README.md, issue 24).
LARGE_STORE = 200_000


@click.group()
def index() -> None:
    """The full-text index: Tantivy beside the file (a new store's default, where it is
    installed) or FTS5 in the file."""


def _run(ctx: Context, work: Callable[[Database], Awaitable[T]]) -> T:
    try:
        location = ctx.location
    except SettingsError as err:
        raise click.ClickException(str(err)) from None
    if is_postgres(location):
        raise click.ClickException(
            "PostgreSQL searches with its own full text (a tsvector in the database, which"
            " every process shares): there is no index to switch, rebuild or check."
        )
    path = Path(str(location).removeprefix("sqlite:///"))
    if not path.exists():
        raise click.ClickException(f"There is no database at {path}.")

    async def main() -> T:
        db = await open_database(path)
        try:
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except (StorageError, RuntimeError) as err:
        raise click.ClickException(str(err)) from None


async def _indexed(db: Database) -> search_index.IndexedArticleStore:
    kind, _, _ = await search_index.state(db)
    if kind != "tantivy":
        raise click.ClickException(
            "This store searches with FTS5, which SQLite keeps in step by itself."
            " `newsbot index use tantivy` switches it to Tantivy."
        )
    if not search_index.tantivy_available():
        raise click.ClickException("Tantivy is not installed: pip install tantivy.")
    return await search_index.IndexedArticleStore.open(db)


@index.command(name="status")
@click.pass_obj
def status(ctx: Context) -> None:
    """Which index the store uses, its mark, and the changes waiting for it."""

    async def work(db: Database) -> str:
        kind, mark, pending = await search_index.state(db)
        articles = await search_index.article_count(db)  # one look-up, not a count(*)
        line = f"{db.path}: {kind}"
        counted = f"{articles:,} article{'' if articles == 1 else 's'}"
        if kind == "tantivy":
            folder = search_index.index_folder(db.path)
            return f"{line} in {folder}, {counted}, mark {mark}, {pending} waiting"
        # A store that held articles before Tantivy was the default keeps FTS5 until an
        # operator switches it, so a host whose store has grown is told what that buys.
        line += f", {counted}"
        if articles >= LARGE_STORE:
            line += (
                "; at this size Tantivy answers /ask several times faster than FTS5:"
                " `newsbot index use tantivy`"
            )
            if not search_index.tantivy_available():
                line += " (pip install tantivy)"
        return line

    click.echo(_run(ctx, work))


@index.command(name="use")
@click.argument("kind", type=click.Choice(search_index.KINDS))
@click.pass_obj
def use(ctx: Context, kind: search_index.Kind) -> None:
    """Switch the store to KIND; Tantivy is built from the database (every process that
    opens the store then searches with it)."""

    async def work(db: Database) -> str:
        start = time.perf_counter()
        count = await search_index.use(db, kind)
        took = time.perf_counter() - start
        # A running bot keeps the index it opened with: only the chosen one is kept now.
        restart = " Restart the bot if it is running."
        if kind == "fts5":
            return f"{db.path} searches with FTS5; the Tantivy folder was removed.{restart}"
        return (
            f"{db.path} searches with Tantivy: {count} articles indexed in {took:.1f} s." + restart
        )

    click.echo(_run(ctx, work))


@index.command(name="rebuild")
@click.pass_obj
def rebuild(ctx: Context) -> None:
    """Index every article again from the database (the index is derived data)."""

    async def work(db: Database) -> str:
        store = await _indexed(db)
        start = time.perf_counter()
        count = await store.rebuild()
        return f"Rebuilt the index: {count} articles in {time.perf_counter() - start:.1f} s."

    click.echo(_run(ctx, work))


@index.command(name="check")
@click.pass_obj
def check(ctx: Context) -> None:
    """Compare the index with the database: every article once, in its scope, with its
    text. Exit status 1 on any difference (`newsbot index rebuild` mends it)."""

    async def work(db: Database) -> search_index.CheckReport:
        return await search_index.check(await _indexed(db))

    report = _run(ctx, work)
    click.echo(f"{report.articles} articles in the database, {report.documents} in the index.")
    for label, ids in (
        ("missing from the index", report.missing),
        ("in the index only", report.extra),
        ("with another scope or text in the index", report.changed),
        ("indexed more than once", report.doubled),
    ):
        if ids:
            shown = ", ".join(f"#{i}" for i in ids[:SHOWN_IDS])
            more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
            click.echo(f"{len(ids)} {label}: {shown}{more}")
    if not report.ok:
        raise SystemExit(1)
    click.echo("The index matches the database.")
