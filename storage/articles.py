"""ArticleStore: every read and write of articles, deduplicated and scoped per guild.

Scope rule: a guild sees its own articles and the global ones (``guild_id`` NULL);
``guild_id=None`` means the global scope only.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import aiosqlite

from news.text import content_hash, normalize_ws
from news.urls import normalize_url
from storage.db import Database

# bm25 column weights: a match in the title counts ten times one in the body.
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
MAX_QUERY_TERMS = 32
_TERM = re.compile(r"[^\W_]+", re.UNICODE)

_COLUMNS = (
    "id, guild_id, url, url_norm, title, source, author, published, added_at, added_by, "
    "body, content_hash, summary"
)


@dataclass(frozen=True)
class NewArticle:
    """What a caller hands to :meth:`ArticleStore.add`."""

    title: str
    text: str
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: date | None = None
    guild_id: int | None = None
    added_by: int | None = None
    summary: tuple[str, ...] | None = None
    added_at: datetime | None = None  # defaults to now; set by imports and tests


@dataclass(frozen=True)
class Article:
    id: int
    guild_id: int | None
    url: str | None
    url_norm: str | None
    title: str
    source: str | None
    author: str | None
    published: date | None
    added_at: datetime
    added_by: int | None
    text: str
    content_hash: str
    summary: tuple[str, ...] | None = field(default=None)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Article:
        summary = row["summary"]
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            url=row["url"],
            url_norm=row["url_norm"],
            title=row["title"],
            source=row["source"],
            author=row["author"],
            published=date.fromisoformat(row["published"]) if row["published"] else None,
            added_at=datetime.fromisoformat(row["added_at"]),
            added_by=row["added_by"],
            text=row["body"],
            content_hash=row["content_hash"],
            summary=tuple(json.loads(summary)) if summary else None,
        )


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    title: str
    score: float  # higher is better (negated bm25)
    snippet: str
    published: date | None
    source: str | None
    url: str | None


@dataclass(frozen=True)
class AddOutcome:
    article: Article
    created: bool  # False: an existing article with the same URL or body was returned


def query_terms(text: str) -> list[str]:
    """Plain word terms of any user text, safe to quote into an FTS5 query."""
    terms: list[str] = []
    seen: set[str] = set()
    for term in _TERM.findall(text.casefold()):
        if term not in seen:
            seen.add(term)
            terms.append(term)
        if len(terms) >= MAX_QUERY_TERMS:
            break
    return terms


def fts_query(terms: Sequence[str], *, any_term: bool = False) -> str | None:
    """An FTS5 MATCH expression of quoted terms (AND, or OR with ``any_term``).

    Each term is a run of letters and digits wrapped in double quotes, so no user text
    can reach FTS5's query syntax (``NEAR(``, ``*``, ``-``, parentheses, column filters).
    """
    safe = [t for term in terms for t in query_terms(term)]
    if not safe:
        return None
    joiner = " OR " if any_term else " AND "
    return joiner.join(f'"{t}"' for t in dict.fromkeys(safe))


def _now() -> datetime:
    return datetime.now(UTC)


def _scope_clause(guild_id: int | None, alias: str = "a") -> tuple[str, tuple[object, ...]]:
    if guild_id is None:
        return f"{alias}.guild_id IS NULL", ()
    return f"({alias}.guild_id = ? OR {alias}.guild_id IS NULL)", (guild_id,)


class ArticleStore:
    """Articles in SQLite; returns dataclasses, never rows."""

    def __init__(self, db: Database):
        self.db = db

    # -- writing ---------------------------------------------------------------

    async def add(self, new: NewArticle) -> AddOutcome:
        """Store an article, or return the existing one with the same URL or body."""
        outcomes = await self.add_many([new])
        return outcomes[0]

    async def add_many(self, items: Iterable[NewArticle]) -> list[AddOutcome]:
        """Store several articles in one transaction (all or none)."""
        prepared = [_prepare(item) for item in items]
        outcomes: list[AddOutcome] = []
        async with self.db.transaction() as conn:
            for values in prepared:
                guild_id, url_norm, digest = values[0], values[2], values[10]
                existing = await _find_duplicate(conn, guild_id, url_norm, digest)
                if existing is not None:
                    outcomes.append(AddOutcome(existing, created=False))
                    continue
                cursor = await conn.execute(
                    "INSERT INTO articles (guild_id, url, url_norm, title, source, author,"
                    " published, added_at, added_by, body, content_hash, summary)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + _COLUMNS,
                    values,
                )
                row = await cursor.fetchone()
                await cursor.close()
                assert row is not None
                outcomes.append(AddOutcome(Article.from_row(row), created=True))
        return outcomes

    async def remove(self, article_id: int, guild_id: int | None) -> bool:
        """Delete an article owned by exactly this scope; True if one was deleted."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM articles WHERE id = ? AND guild_id IS ?", (article_id, guild_id)
            )
            return cursor.rowcount > 0

    async def set_summary(self, article_id: int, summary: Sequence[str]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE articles SET summary = ? WHERE id = ?",
                (json.dumps(list(summary)), article_id),
            )

    # -- reading ---------------------------------------------------------------

    async def get(self, article_id: int, guild_id: int | None = None) -> Article | None:
        """The article if it is visible from ``guild_id``'s scope."""
        where, params = _scope_clause(guild_id)
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM articles a WHERE a.id = ? AND {where}",
            (article_id, *params),
        )
        return Article.from_row(row) if row else None

    async def get_any(self, article_id: int) -> Article | None:
        """The article whatever its scope (for the host's command line)."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return Article.from_row(row) if row else None

    async def get_many(self, ids: Sequence[int]) -> dict[int, Article]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", tuple(ids)
        )
        return {row["id"]: Article.from_row(row) for row in rows}

    async def recent(
        self,
        guild_id: int | None,
        *,
        limit: int = 10,
        offset: int = 0,
        all_scopes: bool = False,
    ) -> list[Article]:
        """Newest first; ``all_scopes`` lists every guild's articles (CLI only)."""
        where, params = ("1", ()) if all_scopes else _scope_clause(guild_id)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM articles a WHERE {where}"
            " ORDER BY a.added_at DESC, a.id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [Article.from_row(row) for row in rows]

    async def count(self, guild_id: int | None, *, all_scopes: bool = False) -> int:
        where, params = ("1", ()) if all_scopes else _scope_clause(guild_id)
        row = await self.db.fetchone(f"SELECT count(*) FROM articles a WHERE {where}", params)
        return int(row[0]) if row else 0

    async def since(
        self, guild_id: int | None, after: datetime | None, *, limit: int = 10
    ) -> list[Article]:
        """Articles in scope added after ``after`` (all if None), newest first."""
        where, params = _scope_clause(guild_id)
        if after is not None:
            where += " AND a.added_at > ?"
            params = (*params, _iso(after))
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM articles a WHERE {where}"
            " ORDER BY a.added_at DESC, a.id DESC LIMIT ?",
            (*params, limit),
        )
        return [Article.from_row(row) for row in rows]

    async def missing_summaries(self, limit: int = 500) -> list[Article]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM articles WHERE summary IS NULL ORDER BY id LIMIT ?", (limit,)
        )
        return [Article.from_row(row) for row in rows]

    async def titles(self, guild_id: int | None, prefix: str, *, limit: int = 25) -> list[Article]:
        """Articles whose title contains ``prefix`` (for autocomplete), newest first."""
        where, params = _scope_clause(guild_id)
        needle = prefix.strip().casefold()
        if needle:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where += " AND (lower(a.title) LIKE ? ESCAPE '\\' OR CAST(a.id AS TEXT) = ?)"
            params = (*params, f"%{escaped}%", needle)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM articles a WHERE {where}"
            " ORDER BY a.added_at DESC, a.id DESC LIMIT ?",
            (*params, limit),
        )
        return [Article.from_row(row) for row in rows]

    async def search(
        self, text: str, guild_id: int | None, *, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        """Full-text search for user text: all words first, any word if that finds nothing."""
        terms = query_terms(text)
        hits = await self._match(fts_query(terms), guild_id, limit, offset)
        if not hits and len(terms) > 1:
            hits = await self._match(fts_query(terms, any_term=True), guild_id, limit, offset)
        return hits

    async def search_terms(
        self, terms: Sequence[str], guild_id: int | None, *, limit: int = 10
    ) -> list[SearchHit]:
        """bm25 candidates matching any of ``terms`` (used by the answer engine)."""
        return await self._match(fts_query(terms, any_term=True), guild_id, limit, 0)

    async def _match(
        self, query: str | None, guild_id: int | None, limit: int, offset: int
    ) -> list[SearchHit]:
        if query is None:
            return []
        where, params = _scope_clause(guild_id)
        rows = await self.db.fetchall(
            "SELECT a.id, a.title, a.published, a.source, a.url,"
            f" bm25(articles_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS rank,"
            " snippet(articles_fts, 1, '', '', '…', 24) AS snip"
            " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
            f" WHERE articles_fts MATCH ? AND {where}"
            " ORDER BY rank LIMIT ? OFFSET ?",
            (query, *params, limit, offset),
        )
        return [
            SearchHit(
                article_id=row["id"],
                title=row["title"],
                score=-float(row["rank"]),
                snippet=row["snip"] or "",
                published=date.fromisoformat(row["published"]) if row["published"] else None,
                source=row["source"],
                url=row["url"],
            )
            for row in rows
        ]


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store times in UTC")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _prepare(item: NewArticle) -> tuple[object, ...]:
    title = normalize_ws(item.title).replace("\n", " ")
    text = normalize_ws(item.text)
    if not title or not text:
        raise ValueError("an article needs a title and a body")
    url_norm = normalize_url(item.url) if item.url else None
    return (
        item.guild_id,
        item.url,
        url_norm,
        title,
        item.source,
        item.author,
        item.published.isoformat() if item.published else None,
        _iso(item.added_at or _now()),
        item.added_by,
        text,
        content_hash(text),
        json.dumps(list(item.summary)) if item.summary is not None else None,
    )


async def _find_duplicate(
    conn: aiosqlite.Connection, guild_id: object, url_norm: object, digest: object
) -> Article | None:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM articles"
        " WHERE ifnull(guild_id, 0) = ifnull(?, 0) AND (content_hash = ? OR url_norm = ?)"
        " LIMIT 1",
        (guild_id, digest, url_norm),
    )
    row = await cursor.fetchone()
    await cursor.close()
    return Article.from_row(row) if row else None
