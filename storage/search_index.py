"""Which full-text index a SQLite store searches with, and keeping an outside one current.

The choice is the store's (``search_index.kind``, migration 010), so every process that
opens the file searches the same way: ``tantivy`` (a folder beside the file,
``<file>.tantivy``; the default of a new store where Tantivy is installed) or ``fts5``
(FTS5 in the file). ``newsbot index use`` switches a store over. Only the chosen index
is kept: FTS5's triggers write only while FTS5 is chosen (migration 014), so a Tantivy
store's import does not pay for FTS5 as well.

With Tantivy the database stays the truth. Triggers list each article change in
``index_changes``; :meth:`IndexedArticleStore.catch_up` applies the rows past the mark
to the index, commits it, then moves the mark and forgets the rows, in one transaction.
It runs when a store is opened (a process killed mid-way catches up at its next start)
and after every write of articles (an import's batches included). The rows are read
while the index's writer lock is held, so of two processes catching up at once the
later one applies the newer state.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import importlib.util
import logging
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from news.domain import AddOutcome, NewArticle, SearchHit
from news.snippet import snippet
from storage.articles import ArticleStore, query_terms
from storage.db import Database
from storage.errors import StorageError
from storage.interfaces import Stores

SCHEMA_FILE = "newsbot-schema.txt"  # storage.tantivy_index.SCHEMA_FILE (no tantivy import)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from storage.tantivy_index import IndexedDoc, IndexHit, TantivyIndex

log = logging.getLogger(__name__)
T = TypeVar("T")

Kind = Literal["fts5", "tantivy"]
KINDS: tuple[Kind, ...] = ("fts5", "tantivy")
CHUNK = 5_000  # changes applied per index commit while catching up
BULK_BATCH = 2_500  # articles a bulk import adds between catch-ups (IndexedArticleStore.bulk)
REBUILD_CHUNK = 2_000  # articles read per statement while rebuilding
LOCK_WAIT = 5.0  # seconds a catch-up waits for another process's writer to finish

# Every read of the index (searches, document counts, snippets) runs on this one thread,
# as every SQL statement runs on aiosqlite's one: the event loop then contends for the
# GIL with a fixed few threads (bot.app.workers.CpuWorker's docstring). On asyncio's
# default executor a burst of /ask spread the reads over up to six threads, and the
# loop's lag p99 rose from 8 ms on FTS5 to 12-16 ms (bench/README.md).
_READER = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="newsbot-index")


async def _read(fn: Callable[..., T], *args: object) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_READER, functools.partial(fn, *args))


def index_folder(db_path: Path) -> Path:
    """Where a store's Tantivy index lives: beside the file."""
    return db_path.with_name(db_path.name + ".tantivy")


def tantivy_available() -> bool:
    """Whether the ``tantivy`` extra is installed (storage/tantivy_index.py imports it)."""
    return importlib.util.find_spec("tantivy") is not None


async def state(db: Database) -> tuple[Kind, int, int]:
    """The store's index kind, its mark, and how many changes wait past it."""
    row = await db.fetchone(
        "SELECT kind, mark, (SELECT count(*) FROM index_changes WHERE seq > mark)"
        " FROM search_index WHERE id = 1"
    )
    if row is None:
        return "fts5", 0, 0
    return row[0], int(row[1]), int(row[2])


async def article_count(db: Database) -> int:
    """The file's articles in every scope, as the chosen index counts them (one look-up
    either way: FTS5's row count, or Tantivy's live documents; a count(*) would walk a
    whole index of the table)."""
    kind, _, _ = await state(db)
    if kind != "tantivy":
        return await ArticleStore(db).total()
    folder = index_folder(db.path)
    if tantivy_available():
        from storage.tantivy_index import TantivyIndex

        if TantivyIndex.is_built(folder):  # opening any other folder would remove it
            return await asyncio.to_thread(lambda: TantivyIndex(folder).total())
    row = await db.fetchone("SELECT count(*) FROM articles")  # no index to ask: rare
    return int(row[0]) if row else 0


async def attach(stores: Stores, db: Database) -> Stores:
    """The stores with an :class:`IndexedArticleStore` when the file chose Tantivy (caught
    up before it serves anything); as they are otherwise."""
    kind, _, _ = await state(db)
    if kind == "fts5" and await _take_default(db):
        kind, _, _ = await state(db)  # this process, or another at the same moment, chose
    if kind != "tantivy":
        return stores
    # FTS5 is empty while Tantivy is chosen (migration 014), so there is nothing to fall
    # back on: the operator is told what to do instead.
    if not tantivy_available():
        raise StorageError(
            f"{db.path} searches with Tantivy, which is not installed here:"
            " pip install tantivy, or `newsbot index use fts5` to search with SQLite's FTS5."
        )
    if db.read_only and not (index_folder(db.path) / SCHEMA_FILE).exists():
        raise StorageError(
            f"{db.path} searches with Tantivy, but there is no index beside it and the"
            " store is read-only: open it writable once to build the index."
        )
    indexed = await IndexedArticleStore.open(db)
    return replace(stores, articles=indexed)


async def _take_default(db: Database) -> bool:
    """Switch a store to Tantivy, the default where it is installed, if it is empty and
    nobody chose its index (a new file, most often); False when it was not tried. Tantivy
    answered /ask faster than FTS5 at every size measured, 1,000 to a million articles
    (bench/README.md, issue 24). A store that already holds articles keeps FTS5 until
    an operator runs `newsbot index use tantivy`: building the index takes minutes at a
    million, which no start should do unasked."""
    if db.read_only or not tantivy_available():
        return False
    condition = "kind = 'fts5' AND chosen = 0 AND NOT EXISTS (SELECT 1 FROM articles)"
    row = await db.fetchone(f"SELECT {condition} FROM search_index WHERE id = 1")
    if not (row and row[0]):
        return False  # the usual open: no write
    try:
        async with db.transaction() as tx:
            await tx.execute(
                f"UPDATE search_index SET kind = 'tantivy' WHERE id = 1 AND {condition}"
            )
    except StorageError as err:
        # Another process holds the write lock: this open reads on with FTS5 (empty, as
        # the store is), and a later open takes the default.
        log.info("%s: kept FTS5 for now: %s", db.path, err)
        return False
    return True  # switched, here or by another process just before (the caller reads)


class IndexedArticleStore(ArticleStore):
    """The SQLite article store, with its full-text operations (the staged search's
    news.search.TextIndex, and ``/news search``) answered by Tantivy. Everything else is
    the store's SQL."""

    needs_counts = False  # BM25 in Tantivy has its own idf
    prunes = True  # block-max WAND: an any-word query costs about its top k

    def __init__(self, db: Database, index: TantivyIndex):
        super().__init__(db)
        self.sqlite = db
        self.tantivy = index
        self._catching_up = asyncio.Lock()
        self._bulk = 0  # bulk() blocks open
        self._unapplied = 0  # articles added in them since the last catch-up

    @classmethod
    async def open(cls, db: Database) -> IndexedArticleStore:
        from storage.tantivy_index import TantivyIndex

        folder = index_folder(db.path)
        # An index without its stamp is a build cut short and is removed on open: two
        # processes opening a new store at once (the bot and a command) would remove
        # each other's build. The first to take the lock builds; the other waits, then
        # finds the stamp.
        async with _build_lock(folder, enabled=not db.read_only):
            index = await asyncio.to_thread(TantivyIndex, folder)
            fresh = index.fresh
            store = cls(db, index)
            if fresh and not db.read_only:
                log.info("%s: no Tantivy index yet; building it from the database", folder)
                await store.rebuild()
                return store
        if not db.read_only:  # read-only: served as it is (catching up writes the mark)
            await store.catch_up()
        return store

    # -- writes reach the index in the same call --------------------------------------

    async def add_many(self, items: Iterable[NewArticle]) -> list[AddOutcome]:
        outcomes = await super().add_many(items)
        created = sum(o.created for o in outcomes)
        if not created:
            return outcomes
        self._unapplied += created
        # In a bulk import, one commit per BULK_BATCH articles: a Tantivy commit makes a
        # segment, and 250-article segments (an import batch) cost 0.31 ms of CPU an
        # article in indexing and merging, against 0.18 at 2,500 and more.
        if not self._bulk or self._unapplied >= BULK_BATCH:
            await self.catch_up()
        return outcomes

    @asynccontextmanager
    async def bulk(self) -> AsyncIterator[None]:
        self._bulk += 1
        try:
            yield
        finally:
            self._bulk -= 1
            if not self._bulk:
                await self.catch_up()  # all searchable when the import ends, even failed

    async def remove(self, article_id: int, guild_id: int | None) -> bool:
        removed = await super().remove(article_id, guild_id)
        if removed:
            await self.catch_up()
        return removed

    async def catch_up(self) -> int:
        """Apply every change past the mark; how many articles were (re)indexed. If
        another process keeps the index's writer past LOCK_WAIT, the changes are left
        to whichever catches up next. With nothing past the mark (every open of a CLI
        command, most of the time) the writer's lock is not taken at all."""
        done = 0
        self._unapplied = 0
        if not await _pending(self.sqlite):
            return done
        async with self._catching_up:
            while True:
                got = await asyncio.to_thread(_apply_pending, self.tantivy, self.sqlite.path)
                if got is None:
                    return done
                last, count = got
                if count == 0 and last == 0:
                    return done
                await _move_mark(self.sqlite, last)
                done += count
                if count < CHUNK:
                    return done

    async def rebuild(self) -> int:
        """Index every article again from the database; how many it holds."""
        async with self._catching_up:
            mark, count = await asyncio.to_thread(_rebuild, self.tantivy, self.sqlite.path)
            await _move_mark(self.sqlite, mark)
            await asyncio.to_thread(self.tantivy.mark_built)
        await self.catch_up()
        return count

    # -- /news search -----------------------------------------------------------------

    async def search(
        self, text: str, guild_id: int | None, *, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        """Full-text search for user text, as the FTS5 store's: all words first, any word
        if that finds nothing; the page's snippets are made from the stored bodies."""
        terms = query_terms(text)
        hits = await self.match(terms, guild_id, limit=offset + limit)
        if not hits and len(terms) > 1:
            hits = await self.match(terms, guild_id, limit=offset + limit, any_term=True)
        page = hits[offset : offset + limit]
        articles = await self.get_many([h.article_id for h in page])
        is_match = self.tantivy.matcher(terms)

        def snippets() -> dict[int, str]:
            return {i: snippet(a.text, is_match) for i, a in articles.items()}

        made = await _read(snippets)
        return [
            SearchHit(
                article_id=a.id,
                title=a.title,
                score=hit.score,
                snippet=made[a.id],
                published=a.published,
                source=a.source,
                url=a.url,
            )
            for hit in page
            if (a := articles.get(hit.article_id)) is not None  # deleted since it was indexed
        ]

    # -- news.search.TextIndex ------------------------------------------------------

    # The staged search reads a news.search.Hit (id and score), all an IndexHit holds.
    async def match(  # type: ignore[override]
        self,
        terms: Sequence[str],
        guild_id: int | None,
        *,
        limit: int,
        title_weight: float = 2.0,
        any_term: bool = False,
        phrases: Sequence[Sequence[str]] = (),
        counts: tuple[int, Mapping[str, int]] | None = None,
    ) -> list[IndexHit]:
        return await _read(self._search, terms, guild_id, limit, title_weight, any_term, phrases)

    def _search(
        self,
        terms: Sequence[str],
        guild_id: int | None,
        limit: int,
        title_weight: float,
        any_term: bool,
        phrases: Sequence[Sequence[str]],
    ) -> list[IndexHit]:
        return self.tantivy.search(
            terms,
            guild_id,
            limit=limit,
            title_weight=title_weight,
            any_term=any_term,
            phrases=phrases,
        )

    async def doc_counts(self, words: Sequence[str], cap: int) -> dict[str, int]:
        return await _read(self.tantivy.doc_counts, words, cap)

    async def total(self) -> int:
        return await _read(self.tantivy.total)


@asynccontextmanager
async def _build_lock(folder: Path, *, enabled: bool) -> AsyncIterator[None]:
    """Hold ``<folder>.lock`` (an OS lock, dropped by the kernel however its process
    ends) while the index is opened and, if new, built. Where there is no flock, or the
    lock file cannot be made, the open goes on unguarded."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        enabled = False
    path = folder.with_name(folder.name + ".lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644) if enabled else None
    except OSError:
        fd = None
    if fd is None:
        yield
        return
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor drops the lock


# -- the work done in a thread, under the index's writer lock -----------------------------


def _reader(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10)
    conn.execute("PRAGMA query_only = ON")
    return conn


def _docs(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, IndexedDoc]:
    from storage.tantivy_index import IndexedDoc

    out: dict[int, IndexedDoc] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            "SELECT id, guild_id, title, body, content_hash FROM articles"
            f" WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            out[row[0]] = IndexedDoc(*row)
    return out


def _apply_pending(index: TantivyIndex, path: Path) -> tuple[int, int] | None:
    """Apply up to CHUNK changes past the mark: (the last change applied, how many
    articles), (0, 0) when none wait, None when another writer kept the index for
    LOCK_WAIT seconds."""
    writer = index.try_writer()
    deadline = time.monotonic() + LOCK_WAIT
    while writer is None and time.monotonic() < deadline:
        # Another process is catching up (a commit holds the lock for well under a
        # second); its rows may not include ours, so wait for it rather than leave them.
        time.sleep(0.05)
        writer = index.try_writer()
    if writer is None:
        return None
    with writer:
        conn = _reader(path)
        try:
            # One read transaction: the changes and the articles as of the same moment.
            conn.execute("BEGIN")
            mark = conn.execute("SELECT mark FROM search_index WHERE id = 1").fetchone()[0]
            rows = conn.execute(
                "SELECT seq, article_id FROM index_changes WHERE seq > ? ORDER BY seq LIMIT ?",
                (mark, CHUNK),
            ).fetchall()
            if not rows:
                return 0, 0
            ids = list(dict.fromkeys(article_id for _, article_id in rows))
            docs = _docs(conn, ids)
            conn.execute("COMMIT")
        finally:
            conn.close()
        writer.apply(ids, docs)
    return rows[-1][0], len(ids)


def _rebuild(index: TantivyIndex, path: Path) -> tuple[int, int]:
    """Every article into an emptied index, in one commit (other processes see the old
    index until then); (the mark it is current to, how many articles)."""
    from storage.tantivy_index import IndexedDoc

    writer = index.writer(bulk=True)
    with writer:
        conn = _reader(path)
        try:
            conn.execute("BEGIN")
            mark = conn.execute(
                "SELECT max(mark, ifnull((SELECT max(seq) FROM index_changes), 0))"
                " FROM search_index WHERE id = 1"
            ).fetchone()[0]
            writer.clear()
            count = 0
            after = 0
            while True:
                rows = conn.execute(
                    "SELECT id, guild_id, title, body, content_hash FROM articles"
                    " WHERE id > ? ORDER BY id LIMIT ?",
                    (after, REBUILD_CHUNK),
                ).fetchall()
                if not rows:
                    break
                for row in rows:
                    writer.add(IndexedDoc(*row))
                count += len(rows)
                after = rows[-1][0]
            conn.execute("COMMIT")
        finally:
            conn.close()
        writer.commit()
    return int(mark), count


async def _pending(db: Database) -> bool:
    row = await db.fetchone(
        "SELECT EXISTS (SELECT 1 FROM index_changes"
        " WHERE seq > (SELECT mark FROM search_index WHERE id = 1))"
    )
    return bool(row and row[0])


async def _move_mark(db: Database, last: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("UPDATE search_index SET mark = max(mark, ?) WHERE id = 1", (last,))
        await tx.execute("DELETE FROM index_changes WHERE seq <= ?", (last,))


# -- newsbot index: switch, rebuild, check --------------------------------------------------


async def use(db: Database, kind: Kind) -> int:
    """Switch the store's full-text index; with Tantivy, build it (how many articles it
    holds). Changes made while it is built are listed and applied after."""
    if kind == "tantivy" and not tantivy_available():
        raise RuntimeError("Tantivy is not installed: pip install tantivy")
    if kind == "fts5" and (await state(db))[0] == "fts5":
        # FTS5 is full already (a rebuild would take minutes at a million); the choice
        # is recorded, so an empty store keeps FTS5 rather than take the default.
        async with db.transaction() as tx:
            await tx.execute("UPDATE search_index SET chosen = 1 WHERE id = 1")
        return 0
    async with db.transaction() as tx:
        # FTS5 is filled only while it is chosen (migration 014's triggers): emptied on
        # the way to Tantivy, rebuilt from the articles on the way back.
        await tx.execute("UPDATE search_index SET kind = ?, chosen = 1 WHERE id = 1", (kind,))
        if kind == "fts5":
            await tx.execute("DELETE FROM index_changes")
            await tx.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
        else:
            await tx.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    if kind == "fts5":
        await asyncio.to_thread(_remove_folder, index_folder(db.path))
        return 0
    store = await IndexedArticleStore.open(db)
    return await store.total()


def _remove_folder(folder: Path) -> None:
    # Not TantivyIndex.remove: switching back to FTS5 works without Tantivy installed.
    shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class CheckReport:
    """How the index differs from the database (after catching up)."""

    articles: int
    documents: int
    missing: list[int]  # in the database, not in the index
    extra: list[int]  # in the index, not in the database
    changed: list[int]  # in both, with another scope or text
    doubled: list[int]  # indexed more than once

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.changed or self.doubled)


async def check(store: IndexedArticleStore) -> CheckReport:
    """Catch up, then compare every article's id, scope and content hash with the index."""
    from storage.tantivy_index import scope_term

    await store.catch_up()
    rows = await store.sqlite.fetchall("SELECT id, guild_id, content_hash FROM articles")
    want = {int(r[0]): (scope_term(r[1]), str(r[2])) for r in rows}
    docs = await asyncio.to_thread(store.tantivy.contents)
    have = {article_id: (scope, digest) for article_id, scope, digest in docs}
    seen = Counter(article_id for article_id, _, _ in docs)
    return CheckReport(
        articles=len(want),
        documents=len(docs),
        missing=sorted(set(want) - set(have)),
        extra=sorted(set(have) - set(want)),
        changed=sorted(i for i in set(want) & set(have) if want[i] != have[i]),
        doubled=sorted(i for i, n in seen.items() if n > 1),
    )
