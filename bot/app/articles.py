"""Article use cases: add (every way in ends in :meth:`ArticleCases.add`), read, list,
search, summarize and remove, scoped per guild; the host's command line also reaches
every scope (``*_any``).

:class:`ArticleCases` is a part of :class:`bot.app.desk.NewsDesk`; it runs its CPU work
in the desk's worker thread (:mod:`bot.app.workers`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path

from bot.app.drafts import (
    AddResult,
    Draft,
    add_result,
    prepare,
    prepare_all,
    read_source_file,
)
from bot.app.workers import CpuWorker
from news.domain import Article, NewArticle, PageCursor, SearchHit
from news.errors import InputError, NewsError, NotFoundError
from news.text import MAX_QUESTION_CHARS
from storage.errors import StorageError
from storage.interfaces import Articles

log = logging.getLogger(__name__)

BATCH_CHUNK = 50  # drafts per worker-process job in add_batch
IMPORT_BATCH = 250  # drafts per transaction in a bulk import
IN_FLIGHT = 3  # import batches being prepared or committed at once


class ArticleCases:
    """The articles' use cases over the article store, CPU work in ``cpu``."""

    store: Articles
    cpu: CpuWorker
    allow_private_urls: bool
    fetch_timeout: float

    # -- adding ---------------------------------------------------------------

    async def add(
        self, draft: Draft, *, guild_id: int | None = None, added_by: int | None = None
    ) -> AddResult:
        """The one path every article takes into the store."""
        new = await self.cpu.run(prepare, draft, guild_id, added_by)
        outcome = await self.store.add(new)
        return add_result(outcome)

    async def add_url(
        self,
        url: str,
        *,
        guild_id: int | None = None,
        added_by: int | None = None,
        title: str | None = None,
        published: date | None = None,
    ) -> AddResult:
        from news.fetch import fetch_html  # aiohttp is slow to import; only fetching needs it

        page = await fetch_html(
            url.strip(), allow_private=self.allow_private_urls, timeout=self.fetch_timeout
        )
        draft = Draft(html=page.html, url=page.url, title=title, published=published)
        return await self.add(draft, guild_id=guild_id, added_by=added_by)

    async def add_text(
        self,
        text: str,
        *,
        title: str | None = None,
        url: str | None = None,
        source: str | None = None,
        published: date | None = None,
        guild_id: int | None = None,
        added_by: int | None = None,
    ) -> AddResult:
        if not text or not text.strip():
            raise InputError("The text is empty: paste the article's text.")
        draft = Draft(text=text, title=title, url=url, source=source, published=published)
        return await self.add(draft, guild_id=guild_id, added_by=added_by)

    async def add_file(
        self,
        path: Path,
        *,
        guild_id: int | None = None,
        added_by: int | None = None,
        **fields: object,
    ) -> AddResult:
        draft = await asyncio.to_thread(read_source_file, path, **fields)
        return await self.add(draft, guild_id=guild_id, added_by=added_by)

    async def add_batch(
        self,
        drafts: Sequence[Draft],
        *,
        guild_id: int | None = None,
        pool: concurrent.futures.Executor | None = None,
        with_summary: bool = True,
    ) -> list[AddResult | NewsError]:
        """Prepare drafts off the loop (in ``pool`` when given), then store the good ones
        in one transaction. ``with_summary=False``: each summary is made when first shown."""
        prep = functools.partial(prepare_all, with_summary=with_summary)
        if pool is not None:
            loop = asyncio.get_running_loop()
            chunks = [drafts[i : i + BATCH_CHUNK] for i in range(0, len(drafts), BATCH_CHUNK)]
            parts = await asyncio.gather(
                *(loop.run_in_executor(pool, prep, list(c), guild_id) for c in chunks)
            )
            prepared = [item for part in parts for item in part]
        else:
            prepared = await self.cpu.run(prep, drafts, guild_id)
        good = [item for item in prepared if isinstance(item, NewArticle)]
        outcomes = iter(await self.store.add_many(good)) if good else iter(())
        return [
            item if isinstance(item, NewsError) else add_result(next(outcomes)) for item in prepared
        ]

    async def import_drafts(
        self,
        items: Iterable[Draft | NewsError],
        *,
        guild_id: int | None = None,
        pool: concurrent.futures.Executor | None = None,
        report: Callable[[AddResult | NewsError], object] = lambda result: None,
    ) -> None:
        """Bulk import (``newsbot import``): each batch of IMPORT_BATCH is prepared (in
        ``pool`` when given) and committed in one transaction, with IN_FLIGHT batches under
        way at once so the next is prepared while one commits. ``report`` hears every
        item's outcome; items that are already errors are reported as they are.

        Imported articles are stored without a summary: each gets one the first time
        something shows it (:meth:`summary`). Summarizing was half of an article's
        preparation (0.3 of 0.6 ms of CPU), and an archive's articles are mostly never
        shown (bench/README.md, issue 24's fifth round)."""
        batch: list[Draft] = []
        in_flight: set[asyncio.Task[None]] = set()

        async def store(drafts: list[Draft]) -> None:
            results = await self.add_batch(drafts, guild_id=guild_id, pool=pool, with_summary=False)
            for result in results:
                report(result)

        async def flush() -> None:
            in_flight.add(asyncio.create_task(store(list(batch))))
            batch.clear()
            if len(in_flight) >= IN_FLIGHT:
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                in_flight.difference_update(done)
                for task in done:
                    task.result()

        async with self.store.bulk():
            try:
                for item in items:
                    if isinstance(item, NewsError):
                        report(item)
                        continue
                    batch.append(item)
                    if len(batch) >= IMPORT_BATCH:
                        await flush()
                if batch:
                    await flush()
                for task in asyncio.as_completed(list(in_flight)):
                    await task
            finally:
                for task in in_flight:
                    task.cancel()

    # -- reading --------------------------------------------------------------

    async def get(self, article_id: int, guild_id: int | None) -> Article:
        article = await self.store.get(article_id, guild_id)
        if article is None:
            raise NotFoundError(f"There is no article #{article_id} here.")
        return article

    async def remove(self, article_id: int, guild_id: int | None) -> Article:
        article = await self.get(article_id, guild_id)
        if article.guild_id != guild_id:
            raise InputError(f"Article #{article_id} is global: remove it from the command line.")
        await self.store.remove(article_id, guild_id)
        return article

    async def recent(
        self, guild_id: int | None, *, limit: int = 10, after: PageCursor | None = None
    ) -> list[Article]:
        """Newest first, the page after ``after`` (None: the first page)."""
        return await self.store.recent(guild_id, limit=limit, after=after)

    async def count(self, guild_id: int | None) -> int:
        return await self.store.count(guild_id)

    async def search(
        self, query: str, guild_id: int | None, *, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        return await self.store.search(
            query[:MAX_QUESTION_CHARS], guild_id, limit=limit, offset=offset
        )

    async def autocomplete(
        self, guild_id: int | None, prefix: str, limit: int = 25
    ) -> list[Article]:
        return await self.store.titles(guild_id, prefix[:100], limit=limit)

    async def summary(self, article: Article, sentences: int = 3) -> list[str]:
        """The stored summary, or a fresh one when another length is asked for.

        An article without one (imported in bulk, or stored before summaries existed)
        is summarized now, and the summary is stored for next time where the store can
        be written; a read-only store still gets its summary shown."""
        if article.summary is not None and sentences == 3:
            return list(article.summary)
        from news.summarize import summarize  # slow to import; most commands never summarize

        made = await self.cpu.run(
            functools.partial(summarize, max_sentences=sentences), article.text, article.title
        )
        if article.summary is None and sentences == 3:
            try:
                await self.store.set_summary(article.id, made)
            except StorageError as err:
                log.info("summary of #%d not stored: %s", article.id, err)
        return made

    # -- the host's command line: every scope ----------------------------------

    async def get_any(self, article_id: int) -> Article | None:
        """The article whatever its scope (global or any guild's), or None."""
        return await self.store.get_any(article_id)

    async def recent_any(self, guild_id: int | None, *, limit: int = 20) -> list[Article]:
        """Newest first: one guild's articles and the global ones, or with ``guild_id``
        None every guild's and the global ones."""
        return await self.store.recent(guild_id, limit=limit, all_scopes=guild_id is None)

    async def remove_any(self, article_id: int) -> Article | None:
        """Remove the article whatever its scope; the removed article, or None."""
        article = await self.store.get_any(article_id)
        if article is not None:
            await self.store.remove(article.id, article.guild_id)
        return article
