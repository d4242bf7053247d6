"""ArticleStore: every read and write of articles, deduplicated and scoped per guild.

Scope rule: a guild sees its own articles and the global ones (``guild_id`` NULL);
``guild_id=None`` means the global scope only.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import NamedTuple

from news.domain import (
    MAX_PHRASES,
    AddOutcome,
    Article,
    ArticleStamp,
    NewArticle,
    PageCursor,
    SearchHit,
)
from news.text import content_hash, normalize_ws, sanitize
from news.urls import normalize_url
from news.words import PLAIN_WORD
from storage.db import utc_iso
from storage.fts_stats import averages_sql, total_rows
from storage.sql import Row, SqlDatabase, Tx

# bm25 column weights: a match in the title counts ten times one in the body.
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
MAX_QUERY_TERMS = 32
TITLE_WINDOW = 2000  # newest titles per scope that autocomplete searches
_IN_CHUNK = 400  # keys per IN (...) list: SQLite allows 32,766 parameters

_COLUMNS = (
    "id, guild_id, url, url_norm, title, source, author, published, added_at, added_by, "
    "body, content_hash, summary"
)

_A_COLUMNS = ", ".join(f"a.{name.strip()}" for name in _COLUMNS.split(","))


# (scope, content hash) or (scope, "url:" + normalised URL); scope 0 is global.
_Key = tuple[int, str]


class _Row(NamedTuple):
    """A prepared article, its fields named as the ``articles`` columns, in INSERT order."""

    guild_id: int | None
    url: str | None
    url_norm: str | None
    title: str
    source: str | None
    author: str | None
    published: str | None
    added_at: str
    added_by: int | None
    body: str
    content_hash: str
    summary: str | None

    @property
    def scope(self) -> int:
        return self.guild_id or 0


def query_terms(text: str) -> list[str]:
    """Plain word terms of any user text, safe to quote into an FTS5 query."""
    terms: list[str] = []
    seen: set[str] = set()
    for term in PLAIN_WORD.findall(text.casefold()):
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


def phrase_queries(phrases: Sequence[Sequence[str]]) -> list[str]:
    """Quoted FTS5 phrases (``"white house"``) of plain word terms, at most MAX_PHRASES.

    Every word goes through :func:`query_terms`, so no user text reaches FTS5 syntax.
    """
    out: list[str] = []
    for phrase in phrases:
        words = [t for word in phrase for t in query_terms(word)]
        if len(words) < 2:
            continue
        quoted = '"' + " ".join(words[:MAX_QUERY_TERMS]) + '"'
        if quoted not in out:
            out.append(quoted)
        if len(out) >= MAX_PHRASES:
            break
    return out


def _article(row: Row) -> Article:
    """A stored row as the domain's Article (storage returns dataclasses, never rows)."""
    summary = row["summary"]
    return Article(
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


def _now() -> datetime:
    return datetime.now(UTC)


def _scope_parts(guild_id: int | None) -> list[tuple[str, tuple[object, ...]]]:
    """The scope as separate index-ordered conditions: the global articles and, for a
    guild, its own. ``guild_id = ? OR guild_id IS NULL`` keeps SQLite from reading the
    (guild_id, added_at) index in order; each part alone reads it in order."""
    parts: list[tuple[str, tuple[object, ...]]] = [("guild_id IS NULL", ())]
    if guild_id is not None:
        parts.append(("guild_id = ?", (guild_id,)))
    return parts


def _scope_clause(guild_id: int | None, alias: str = "a") -> tuple[str, tuple[object, ...]]:
    if guild_id is None:
        return f"{alias}.guild_id IS NULL", ()
    return f"({alias}.guild_id = ? OR {alias}.guild_id IS NULL)", (guild_id,)


class ArticleStore:
    """Articles in SQLite; returns dataclasses, never rows."""

    needs_counts = False  # FTS5's bm25 has its own idf
    prunes = False  # FTS5 scores every posting of an any-word query

    def __init__(self, db: SqlDatabase):
        self.db = db

    # -- writing ---------------------------------------------------------------

    async def add(self, new: NewArticle) -> AddOutcome:
        """Store an article, or return the existing one with the same URL or body."""
        outcomes = await self.add_many([new])
        return outcomes[0]

    async def add_many(self, items: Iterable[NewArticle]) -> list[AddOutcome]:
        """Store several articles in one transaction (all or none).

        A few statements per batch, not per article: one look-up of the batch's URLs
        and hashes, one ``executemany`` insert, one read-back of the new rows.
        """
        prepared = [_prepare(item) for item in items]
        if not prepared:
            return []
        async with self.db.transaction() as conn:
            existing = await _existing(conn, prepared)
            # slot i: ("old", Article) for a stored duplicate, ("new", key) for an insert,
            # ("repeat", key) for a duplicate of an insert earlier in this batch.
            slots: list[tuple[str, Article | _Key]] = []
            fresh: list[_Row] = []
            pending: dict[_Key, _Key] = {}
            for item in prepared:
                scope, url_norm, digest = item.scope, item.url_norm, item.content_hash
                found = existing.get((scope, digest)) or (
                    existing.get((scope, f"url:{url_norm}")) if url_norm else None
                )
                if found is not None:
                    slots.append(("old", found))
                    continue
                earlier = pending.get((scope, digest)) or (
                    pending.get((scope, f"url:{url_norm}")) if url_norm else None
                )
                if earlier is not None:
                    slots.append(("repeat", earlier))
                    continue
                key = (scope, digest)
                pending[key] = key
                if url_norm:
                    pending[(scope, f"url:{url_norm}")] = key
                slots.append(("new", key))
                fresh.append(item)
            if fresh:
                await conn.executemany(
                    f"INSERT INTO articles ({', '.join(_Row._fields)})"
                    f" VALUES ({', '.join('?' * len(_Row._fields))})",
                    fresh,
                )
            # Each new row has a hash no other row in its scope has: reading them back by
            # hash alone finds each once (by URL too read every row twice, 3 KB each).
            inserted = await _existing(conn, fresh, by_url=False) if fresh else {}
        return [
            AddOutcome(value, created=False)
            if isinstance(value, Article)
            else AddOutcome(inserted[value], created=kind == "new")
            for kind, value in slots
        ]

    @asynccontextmanager
    async def bulk(self) -> AsyncIterator[None]:
        # FTS5 (and PostgreSQL's tsvector) is written in each article's own transaction.
        yield

    async def remove(self, article_id: int, guild_id: int | None) -> bool:
        """Delete an article owned by exactly this scope; True if one was deleted."""
        async with self.db.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM articles WHERE id = ? AND guild_id IS ?", (article_id, guild_id)
            )
            return changed > 0

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
        return _article(row) if row else None

    async def get_any(self, article_id: int) -> Article | None:
        """The article whatever its scope (for the host's command line)."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return _article(row) if row else None

    async def get_many(self, ids: Sequence[int]) -> dict[int, Article]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", tuple(ids)
        )
        return {row["id"]: _article(row) for row in rows}

    async def stamps(self, ids: Sequence[int]) -> dict[int, ArticleStamp]:
        """The ids' titles and dates, without their text: one look-up by primary key."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT id, title, published, added_at FROM articles WHERE id IN ({marks})",
            tuple(ids),
        )
        return {
            row["id"]: ArticleStamp(
                id=row["id"],
                title=row["title"],
                published=date.fromisoformat(row["published"]) if row["published"] else None,
                added_at=datetime.fromisoformat(row["added_at"]),
            )
            for row in rows
        }

    async def recent(
        self,
        guild_id: int | None,
        *,
        limit: int = 10,
        after: PageCursor | None = None,
        all_scopes: bool = False,
    ) -> list[Article]:
        """Newest first, from just past ``after`` (the last article of the previous page);
        ``all_scopes`` lists every guild's articles (CLI only).

        Keyset pages: each scope part is an index range read in order, merged by UNION
        ALL, so page 4,000 costs what page 1 does.
        """
        keyset = ""
        key_params: tuple[object, ...] = ()
        if after is not None:
            keyset = " AND (added_at, id) < (?, ?)"
            key_params = (utc_iso(after.added_at), after.id)
        parts = [("1 = 1", ())] if all_scopes else _scope_parts(guild_id)
        sql = " UNION ALL ".join(
            f"SELECT * FROM (SELECT {_COLUMNS} FROM articles WHERE {where}{keyset}"
            " ORDER BY added_at DESC, id DESC LIMIT ?) AS part"
            for where, _ in parts
        )
        params = [p for _, scope in parts for p in (*scope, *key_params, limit)]
        rows = await self.db.fetchall(
            f"{sql} ORDER BY added_at DESC, id DESC LIMIT ?", (*params, limit)
        )
        return [_article(row) for row in rows]

    async def count(self, guild_id: int | None, *, all_scopes: bool = False) -> int:
        # One index count per scope part: an OR of the scopes would read the table.
        parts = [("1 = 1", ())] if all_scopes else _scope_parts(guild_id)
        row = await self.db.fetchone(
            "SELECT " + " + ".join(f"(SELECT count(*) FROM articles WHERE {w})" for w, _ in parts),
            tuple(p for _, scope in parts for p in scope),
        )
        return int(row[0]) if row else 0

    async def since(
        self, guild_id: int | None, after: datetime | None, *, limit: int = 10
    ) -> list[Article]:
        """Articles in scope added after ``after`` (all if None), newest first.

        Read like :meth:`recent`: one index range per scope part, merged, so a digest on
        a large store does not scan the table.
        """
        window = ""
        window_params: tuple[object, ...] = ()
        if after is not None:
            window = " AND added_at > ?"
            window_params = (utc_iso(after),)
        parts = _scope_parts(guild_id)
        sql = " UNION ALL ".join(
            f"SELECT * FROM (SELECT {_COLUMNS} FROM articles WHERE {where}{window}"
            " ORDER BY added_at DESC, id DESC LIMIT ?) AS part"
            for where, _ in parts
        )
        params = [p for _, scope in parts for p in (*scope, *window_params, limit)]
        rows = await self.db.fetchall(
            f"{sql} ORDER BY added_at DESC, id DESC LIMIT ?", (*params, limit)
        )
        return [_article(row) for row in rows]

    async def titles(self, guild_id: int | None, prefix: str, *, limit: int = 25) -> list[Article]:
        """Autocomplete: articles in scope whose title contains ``prefix``, newest first,
        among the newest TITLE_WINDOW of each scope, and the article whose id it is.

        A substring cannot use an index, so the scan is bounded: it reads only the
        newest titles of the scope's index (which holds the titles), never the table.
        Older articles are found by id or by /news search.
        """
        # What a member types is not stored text: a NUL in it would fail PostgreSQL's
        # query, so it goes as it does from every text that enters.
        needle = sanitize(prefix).strip().casefold()
        filter_sql = ""
        filter_params: tuple[str, ...] = ()
        if needle:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            filter_sql, filter_params = " WHERE lower(title) LIKE ? ESCAPE '\\'", (f"%{escaped}%",)
        parts: list[str] = []
        params: list[object] = []
        for where, scope_params in _scope_parts(guild_id):
            parts.append(
                "SELECT * FROM (SELECT id, added_at FROM (SELECT id, added_at, title"
                f" FROM articles WHERE {where} ORDER BY added_at DESC, id DESC LIMIT ?) AS newest"
                f"{filter_sql} LIMIT ?) AS part"
            )
            params += [*scope_params, TITLE_WINDOW, *filter_params, limit]
        hits = (
            "SELECT id, added_at, 0 AS pinned FROM ("
            + " UNION ALL ".join(parts)
            + " ORDER BY added_at DESC, id DESC LIMIT ?) AS found"
        )
        params.append(limit)
        if needle.isascii() and needle.isdigit() and len(needle) <= 18:
            # The article whose id was typed comes first, if it is in scope.
            where, scope_params = _scope_clause(guild_id)
            hits = f"SELECT a.id, a.added_at, 1 AS pinned FROM articles a WHERE a.id = ? AND {where} UNION ALL {hits}"
            params = [int(needle), *scope_params, *params]
        # One statement, one trip to the reader thread: hits, then their rows.
        rows = await self.db.fetchall(
            f"SELECT {_A_COLUMNS} FROM ({hits}) h JOIN articles a ON a.id = h.id"
            " ORDER BY h.pinned DESC, h.added_at DESC, h.id DESC",
            tuple(params),
        )
        seen: dict[int, Article] = {}
        for row in rows:
            seen.setdefault(row["id"], _article(row))
        return list(seen.values())[:limit]

    async def search(
        self, text: str, guild_id: int | None, *, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        """Full-text search for user text: all words first, any word if that finds nothing."""
        terms = query_terms(text)
        hits = await self._match(fts_query(terms), guild_id, limit, offset)
        if not hits and len(terms) > 1:
            hits = await self._match(fts_query(terms, any_term=True), guild_id, limit, offset)
        return hits

    # -- plain full-text operations (news.search.TextIndex) ---------------------

    def query_words(self, terms: Sequence[str]) -> list[str]:
        """The words FTS5 looks up for ``terms`` (see :func:`query_terms`)."""
        return [t for term in terms for t in query_terms(term)]

    async def match(
        self,
        terms: Sequence[str],
        guild_id: int | None,
        *,
        limit: int,
        title_weight: float = TITLE_WEIGHT,
        any_term: bool = False,
        phrases: Sequence[Sequence[str]] = (),
        counts: tuple[int, Mapping[str, int]] | None = None,
    ) -> list[SearchHit]:
        """Top bm25 matches holding every term (or any term or phrase, with ``any_term``),
        without snippets. Phrases join the terms' query with the same AND / OR. FTS5's
        bm25 has its own idf: ``counts`` is not needed here."""
        query = fts_query(terms, any_term=any_term)
        extra = phrase_queries(phrases)
        if query is not None and extra:
            query = (" OR " if any_term else " AND ").join([query, *extra])
        return await self._match(
            query, guild_id, limit, 0, title_weight=title_weight, snippets=False
        )

    async def doc_counts(self, words: Sequence[str], cap: int) -> dict[str, int]:
        """Articles (every scope) holding each word, counted up to ``cap + 1``, in one
        statement. Words that hold no letter or digit are left out."""
        quoted = {w: q for w in dict.fromkeys(words) if (q := fts_query([w])) is not None}
        if not quoted:
            return {}
        part = "SELECT ?, count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)"
        params: list[object] = []
        for word, query in quoted.items():
            params += [word, query, cap + 1]
        rows = await self.db.fetchall(" UNION ALL ".join([part] * len(quoted)), tuple(params))
        return {row[0]: int(row[1]) for row in rows}

    async def total(self) -> int:
        """Articles in every scope, as FTS5 counts the rows it indexes (one look-up; a
        count(*) would walk a whole index of the table)."""
        row = await self.db.fetchone(averages_sql("articles_fts"))
        return total_rows(row[0] if row else None)

    async def _match(
        self,
        query: str | None,
        guild_id: int | None,
        limit: int,
        offset: int,
        *,
        title_weight: float = TITLE_WEIGHT,
        snippets: bool = True,
    ) -> list[SearchHit]:
        """Top bm25 matches of ``query`` within the scope, ranked inside FTS5 alone.

        The scope is part of the MATCH (the index's ``scope`` column), so no article row
        is read per match; rows are joined only for the page returned, and snippets are
        made only for that page.
        """
        if query is None:
            return []
        scopes = ["s0"] if guild_id is None else ["s0", f"s{int(guild_id)}"]
        match = (
            f"{{title body}} : ({query}) AND scope : ("
            + " OR ".join(f'"{s}"' for s in scopes)
            + ")"
        )
        rows = await self.db.fetchall(
            "SELECT a.id, a.title, a.published, a.source, a.url, f.rank FROM ("
            f" SELECT rowid, bm25(articles_fts, {float(title_weight)!r}, {BODY_WEIGHT}, 0.0)"
            " AS rank FROM articles_fts WHERE articles_fts MATCH ?"
            " ORDER BY rank LIMIT ? OFFSET ?"
            ") f JOIN articles a ON a.id = f.rowid ORDER BY f.rank",
            (match, limit, offset),
        )
        snips: dict[int, str] = {}
        if snippets and rows:
            ids = [row["id"] for row in rows]
            marks = ",".join("?" * len(ids))
            snips = {
                r[0]: r[1] or ""
                for r in await self.db.fetchall(
                    "SELECT rowid, snippet(articles_fts, 1, '', '', '…', 24) FROM articles_fts"
                    f" WHERE articles_fts MATCH ? AND rowid IN ({marks})",
                    (match, *ids),
                )
            }
        return [
            SearchHit(
                article_id=row["id"],
                title=row["title"],
                score=-float(row["rank"]),
                snippet=snips.get(row["id"], ""),
                published=date.fromisoformat(row["published"]) if row["published"] else None,
                source=row["source"],
                url=row["url"],
            )
            for row in rows
        ]


def _prepare(item: NewArticle) -> _Row:
    title = normalize_ws(item.title).replace("\n", " ")
    text = normalize_ws(item.text)
    if not title or not text:
        raise ValueError("an article needs a title and a body")
    return _Row(
        guild_id=item.guild_id,
        url=item.url,
        url_norm=normalize_url(item.url) if item.url else None,
        title=title,
        source=item.source,
        author=item.author,
        published=item.published.isoformat() if item.published else None,
        added_at=utc_iso(item.added_at or _now()),
        added_by=item.added_by,
        body=text,
        content_hash=content_hash(text, normalized=True),
        summary=json.dumps(list(item.summary)) if item.summary is not None else None,
    )


async def _existing(
    conn: Tx, prepared: Sequence[_Row], *, by_url: bool = True
) -> dict[_Key, Article]:
    """Stored articles sharing a hash or normalised URL with ``prepared``, keyed by
    ``(scope, hash)`` and ``(scope, "url:" + url_norm)``. ``by_url=False`` looks up the
    hashes alone (and keys by them alone): enough to read back rows just inserted."""
    found: dict[_Key, Article] = {}
    by_scope: dict[int, tuple[set[str], set[str]]] = {}
    for item in prepared:
        hashes, urls = by_scope.setdefault(item.scope, (set(), set()))
        hashes.add(item.content_hash)
        if item.url_norm:
            urls.add(item.url_norm)
    # One indexed look-up per key kind: with "hash IN (..) OR url IN (..)" SQLite would
    # search by scope alone and read every article in it, once per batch.
    lookups = (("content_hash", 0), ("url_norm", 1)) if by_url else (("content_hash", 0),)
    for scope, keysets in by_scope.items():
        for column, kind in lookups:
            keys = sorted(keysets[kind])
            for start in range(0, len(keys), _IN_CHUNK):
                chunk = keys[start : start + _IN_CHUNK]
                rows = await conn.fetchall(
                    f"SELECT {_COLUMNS} FROM articles WHERE ifnull(guild_id, 0) = ?"
                    f" AND {column} IN ({','.join('?' * len(chunk))})",
                    (scope, *chunk),
                )
                for row in rows:
                    article = _article(row)
                    found.setdefault((scope, article.content_hash), article)
                    if article.url_norm:
                        found.setdefault((scope, f"url:{article.url_norm}"), article)
    return found
