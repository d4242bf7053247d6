"""NewsDesk: the use cases (add, ask, search, summarize), shared by the cogs and the CLI.

Every way of adding an article ends in :meth:`NewsDesk.add`. CPU work (extraction,
cleaning, summarizing, answering) runs off the event loop, in one worker thread (see
:class:`CpuWorker`); bulk imports may hand their preparing to worker processes.
Every question goes to the offline engine; when the host configured a model reader
(:mod:`news.answer.model`), its answer replaces the offline one only when its quote
checks out, and :class:`Asked` says which reader answered.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.readers import READER_OFF, Asked, ReaderChoice, read_with_model
from news import retrieval
from news.answer import Answer, Passage, answer_question
from news.clean import clean_body, clean_title
from news.domain import AddOutcome, Article, NewArticle, PageCursor, SearchHit
from news.errors import InputError, NewsError, NotFoundError
from news.search import StagedSearch
from news.summarize import summarize
from news.text import MAX_QUESTION_CHARS, MAX_TEXT_CHARS, first_sentence, normalize_ws, sanitize
from news.urls import normalize_url, site_of
from storage.backend import open_stores
from storage.interfaces import Articles, Digests, Feeds, GuildSettings, Stores

if TYPE_CHECKING:
    from news.answer.model import ModelConfig, ModelReader

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TITLE_CHARS = 300
MIN_BODY_CHARS = 40
NO_TEXT = "There is no article text to store: the body is empty or too short."
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
BATCH_CHUNK = 50  # drafts per worker-process job in add_batch
IMPORT_BATCH = 250  # drafts per transaction in a bulk import
IN_FLIGHT = 3  # import batches being prepared or committed at once


class TitleFrom(StrEnum):
    """Where a draft without a title takes one from."""

    FIRST_LINE = "first_line"  # pasted text and files: the title is the first line
    FIRST_SENTENCE = "first_sentence"  # JSONL imports: the text has no title line


@dataclass(frozen=True)
class Draft:
    """An article as it arrives, before extraction and cleaning.

    ``title_from`` says where a missing title comes from (see :class:`TitleFrom`).
    ``origin`` says where a bulk import read it (``file:line``): its errors start with it.
    """

    text: str = ""
    html: str | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: date | None = None
    title_from: TitleFrom = TitleFrom.FIRST_LINE
    origin: str | None = None


@dataclass(frozen=True)
class AddResult:
    article: Article
    duplicate: bool


def prepare(draft: Draft, guild_id: int | None, added_by: int | None) -> NewArticle:
    """Extract, clean and summarize a draft (CPU-bound: call it in a worker thread)."""
    draft = _storable(draft)
    url = article_url(draft.url)
    text, title = draft.text, draft.title
    author, published, source = draft.author, draft.published, draft.source
    if draft.html is not None:
        # Imported here: trafilatura is slow to import, and most CLI commands never extract.
        from news.extract import extract_html

        page = extract_html(draft.html, url)
        text = page.text
        title = title or page.title
        author = author or page.author
        published = published or page.published
        source = source or page.site
    text = normalize_ws(text)
    if not text:
        raise InputError(NO_TEXT)
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"That text is too long: the limit is {MAX_TEXT_CHARS:,} characters.")
    made_from_lead = False
    if not title:
        if draft.title_from == TitleFrom.FIRST_SENTENCE:
            # A copy of the lead: news puts the key fact there, so the body keeps it
            # to be searched and quoted.
            title, made_from_lead = first_sentence(text, limit=MAX_TITLE_CHARS), True
        else:
            first, _, rest = text.partition("\n")
            title, text = first, rest
    # Cut before cleaning: the title is untrusted text. The margin leaves room for the
    # site suffixes and spacing that cleaning removes from a real title.
    title = clean_title(title[: 4 * MAX_TITLE_CHARS])[:MAX_TITLE_CHARS].strip()
    body = clean_body(text, None if made_from_lead else title)
    if not title:
        raise InputError("The article needs a title: give one, or put it on the first line.")
    if len(body) < MIN_BODY_CHARS:
        raise InputError(NO_TEXT)
    return NewArticle(
        title=title,
        text=body,
        url=url,
        source=source or site_of(url),
        author=author,
        published=published,
        guild_id=guild_id,
        added_by=added_by,
        summary=tuple(summarize(body, title)),
    )


def _storable(draft: Draft) -> Draft:
    """The draft without lone surrogates and NULs in any field. Every source (a page, a
    paste, a file, a feed item, an import line) passes here once, before any other step:
    such a character would otherwise fail the whole write, and with it a batch."""
    fields = ("text", "html", "title", "url", "source", "author")
    clean: dict[str, Any] = {
        k: sanitize(v) for k in fields if isinstance(v := getattr(draft, k), str)
    }
    return dataclasses.replace(draft, **clean)


def article_url(url: str | None) -> str | None:
    """The address to store for an article: an http(s) URL, or None when none was given.

    Checked here, where every draft passes (fetched, pasted, added from a file or
    imported): a ``javascript:`` or ``file:`` address shown as the article's link would
    be a trap for whoever clicks it.
    """
    if url is None or not url.strip():
        return None
    url = url.strip()
    if normalize_url(url) is None:
        scheme, colon, _ = url.partition(":")
        given = f" (this one is {scheme[:20]}:)" if colon and scheme.isalnum() else ""
        raise InputError(f"An article's URL must be an http:// or https:// address{given}.")
    return url


def read_source_file(path: Path, **fields: object) -> Draft:
    """A draft from a .txt/.md (first line is the title) or .html file."""
    if not path.exists():
        raise InputError(f"No such file: {path}.")
    if not path.is_file():
        raise InputError(f"{path} is not a file.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{path.name} is larger than the 5 MB limit.")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise InputError(f"{path.name} is a binary file, not text or HTML.")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text.") from None
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return Draft(html=content, **fields)  # type: ignore[arg-type]
    if suffix in TEXT_SUFFIXES:
        return Draft(text=content, **fields)  # type: ignore[arg-type]
    raise InputError(f"{path.name}: only .txt, .md and .html files can be added.")


class CpuWorker:
    """One worker thread for the bot's CPU-bound calls (answering, cleaning, summarizing).

    Pure-Python work holds the GIL. With a single CPU thread the event loop only ever
    contends with that one thread, and CPython hands the GIL over every 5 ms, so the loop
    stays responsive however many asks queue up; a pool of threads would take turns
    ahead of the loop. Bulk imports that want every core pass a process pool to
    :meth:`NewsDesk.add_batch` instead.
    """

    def __init__(self) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="newsbot-cpu"
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, True, cancel_futures=True)


def process_pool(workers: int | None = None) -> concurrent.futures.ProcessPoolExecutor:
    """Worker processes for a bulk import (one per core by default).

    ``spawn``, not fork: the caller has threads (SQLite connections) that fork would copy.
    """
    return concurrent.futures.ProcessPoolExecutor(
        workers or _cores(), mp_context=multiprocessing.get_context("spawn")
    )


class NewsDesk:
    """The news desk's use cases over one store."""

    # What the app uses is typed by the storage Protocols, so another backend fits.
    store: Articles
    guilds: GuildSettings
    digests: Digests
    feeds: Feeds

    def __init__(
        self,
        stores: Stores,
        *,
        allow_private_urls: bool = False,
        fetch_timeout: float = 15.0,
        answer_threshold: float | None = None,
        model: ModelConfig | None = None,
    ):
        self.store = stores.articles
        self.guilds = stores.guilds
        self.digests = stores.digests
        self.feeds = stores.feeds
        self._close_stores = stores.close
        self.cpu = CpuWorker()
        # The answer engine's candidate search (it caches document counts: one per desk).
        self.staged_search = StagedSearch(self.store)
        self.allow_private_urls = allow_private_urls
        self.fetch_timeout = fetch_timeout
        # The confidence /ask needs to state an answer (None: the engine's fitted default).
        self.answer_threshold = answer_threshold
        # The optional model reader (None: off). Imported only when on: it pulls in aiohttp.
        self.model_reader: ModelReader | None = None
        if model is not None and model.enabled:
            from news.answer.model import ModelReader

            self.model_reader = ModelReader(model)
            log.info(
                "answers: model reader %s at %s (API key %s), offline engine as fallback",
                model.model,
                model.shown_url,
                "set" if model.api_key else "not set",
            )

    @classmethod
    async def open(cls, location: str | Path, **options: object) -> NewsDesk:
        """The desk over the backend at ``location`` (a SQLite file today)."""
        stores = await open_stores(location)
        try:
            desk = cls(stores, **options)  # type: ignore[arg-type]
            await desk.backfill_summaries()
        except BaseException:
            await stores.close()
            raise
        return desk

    async def close(self) -> None:
        try:
            if self.model_reader is not None:
                await self.model_reader.close()
        finally:
            await self.cpu.close()
            await self._close_stores()

    # -- adding ---------------------------------------------------------------

    async def add(
        self, draft: Draft, *, guild_id: int | None = None, added_by: int | None = None
    ) -> AddResult:
        """The one path every article takes into the store."""
        new = await self.cpu.run(prepare, draft, guild_id, added_by)
        outcome = await self.store.add(new)
        return _result(outcome)

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
    ) -> list[AddResult | NewsError]:
        """Prepare drafts off the loop (in ``pool`` when given), then store the good ones
        in one transaction."""
        if pool is not None:
            loop = asyncio.get_running_loop()
            chunks = [drafts[i : i + BATCH_CHUNK] for i in range(0, len(drafts), BATCH_CHUNK)]
            parts = await asyncio.gather(
                *(loop.run_in_executor(pool, _prepare_all, list(c), guild_id) for c in chunks)
            )
            prepared = [item for part in parts for item in part]
        else:
            prepared = await self.cpu.run(_prepare_all, drafts, guild_id)
        good = [item for item in prepared if isinstance(item, NewArticle)]
        outcomes = iter(await self.store.add_many(good)) if good else iter(())
        return [
            item if isinstance(item, NewsError) else _result(next(outcomes)) for item in prepared
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
        item's outcome; items that are already errors are reported as they are."""
        batch: list[Draft] = []
        in_flight: set[asyncio.Task[None]] = set()

        async def store(drafts: list[Draft]) -> None:
            for result in await self.add_batch(drafts, guild_id=guild_id, pool=pool):
                report(result)

        async def flush() -> None:
            in_flight.add(asyncio.create_task(store(list(batch))))
            batch.clear()
            if len(in_flight) >= IN_FLIGHT:
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                in_flight.difference_update(done)
                for task in done:
                    task.result()

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

    async def ask(
        self, question: str, guild_id: int | None = None, article_id: int | None = None
    ) -> Answer:
        """Answer from the scope's articles (or one pinned article), with evidence."""
        return (await self.ask_read(question, guild_id, article_id)).answer

    async def ask_read(
        self,
        question: str,
        guild_id: int | None = None,
        article_id: int | None = None,
        *,
        reader: ReaderChoice = "auto",
    ) -> Asked:
        """:meth:`ask`, saying which reader answered; ``reader`` forces one.

        The offline engine always answers first: its passages are what the model is
        shown and its answer is the fallback. Forcing "model" without a model reader
        configured is an InputError.
        """
        if reader == "model" and self.model_reader is None:
            raise InputError(READER_OFF)
        question = normalize_ws(question).replace("\n", " ")[:MAX_QUESTION_CHARS]
        if not question:
            raise InputError("Ask a question, for example: how many prisoners were released?")
        if article_id is not None:
            article = await self.get(article_id, guild_id)
            passages = [Passage(article.id, article.title, article.text, 1.0)]
            answer = functools.partial(answer_question, commit_at=self.answer_threshold)
            offline = await self.cpu.run(answer, question, passages)
        else:
            # Re-ranking by proximity and hand-over of the best few, with answering,
            # run off the loop.
            candidates = await self.candidates(question, guild_id)
            counts = await self.store_counts(question)
            passages, offline = await self.cpu.run(
                _answer_open, question, candidates, counts, self.answer_threshold
            )
        if self.model_reader is None:
            return Asked(offline)
        return await read_with_model(
            self.model_reader, question, passages, offline, reader, self.cpu.run
        )

    async def candidates(self, question: str, guild_id: int | None) -> list[retrieval.Candidate]:
        """The articles an open question is read against, best bm25 first.

        Words and adjacent pairs of the question (a regex pass over a capped question:
        no thread hop), then a small bm25 pool with room for near-duplicates to
        collapse when it is re-ranked. The benchmarks call this too, so they measure
        the path the bot runs.
        """
        hits = await self.staged_search.candidates(
            retrieval.search_terms(question),
            guild_id,
            limit=retrieval.FETCH,
            phrases=retrieval.search_phrases(question),
        )
        articles = await self.store.get_many([hit.article_id for hit in hits])
        return [
            retrieval.Candidate(a.id, a.title, a.text, hit.score)
            for hit in hits
            if (a := articles.get(hit.article_id)) is not None
        ]

    async def store_counts(self, question: str) -> retrieval.StoreCounts:
        """The store's size and its document counts of the question's words, which the
        re-ranking weighs them by (cached: after :meth:`candidates`, no query)."""
        total, docs = await self.staged_search.word_counts(retrieval.search_terms(question))
        return retrieval.StoreCounts(total, docs)

    async def summary(self, article: Article, sentences: int = 3) -> list[str]:
        """The stored summary, or a fresh one when another length is asked for."""
        if article.summary is not None and sentences == 3:
            return list(article.summary)
        return await self.cpu.run(
            functools.partial(summarize, max_sentences=sentences), article.text, article.title
        )

    async def backfill_summaries(self) -> int:
        """Summarize articles stored before summaries existed (migration 002)."""
        done = 0
        while batch := await self.store.missing_summaries():
            for article in batch:
                summary = await self.cpu.run(summarize, article.text, article.title)
                await self.store.set_summary(article.id, summary)
                done += 1
        if done:
            log.info("summarized %d articles stored before summaries existed", done)
        return done

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

    async def digest_start(self, guild_id: int) -> datetime | None:
        """Where the guild's next digest starts: the end of the last one posted (None if
        none was, so the next one starts from the newest articles)."""
        last = await self.digests.last_posted(guild_id)
        return last.covers_until if last else None


def _prepare_all(drafts: Iterable[Draft], guild_id: int | None) -> list[NewArticle | NewsError]:
    out: list[NewArticle | NewsError] = []
    for draft in drafts:
        try:
            out.append(prepare(draft, guild_id, None))
        except NewsError as err:
            out.append(type(err)(f"{draft.origin}: {err}") if draft.origin else err)
    return out


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _result(outcome: AddOutcome) -> AddResult:
    return AddResult(outcome.article, duplicate=not outcome.created)


def parse_date(value: str) -> date:
    """A YYYY-MM-DD date from user input, or an InputError saying the format."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2024-05-01.") from None


def _answer_open(
    question: str,
    candidates: Sequence[retrieval.Candidate],
    counts: retrieval.StoreCounts,
    commit_at: float | None,
) -> tuple[list[Passage], Answer]:
    """Re-rank the store's candidates, then answer from the best few (a worker's job);
    the passages come back too, for the model reader."""
    passages = retrieval.open_passages(question, candidates, counts)
    return passages, answer_question(question, passages, commit_at=commit_at)
