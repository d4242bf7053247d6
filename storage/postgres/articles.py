"""Articles on PostgreSQL: the SQLite store's statements, with full-text search in
PostgreSQL's own terms.

Each article carries a generated ``tsvector`` (title weighed A, body D) under a GIN
index. A query is built from the same plain words the SQLite side quotes into FTS5
(letters and digits only, so no user text reaches ``to_tsquery``'s syntax), joined by
``&`` or ``|``, phrases by ``<->``. The scope is a condition of the same statement that
reads the index, and candidates are ranked by ``ts_rank_cd`` with the title weighed as
bm25's column weights weigh it. ``news.search.StagedSearch`` runs its stages on this as
it does on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from news.retrieval import MAX_PHRASES
from storage.articles import (
    BODY_WEIGHT,
    MAX_QUERY_TERMS,
    TITLE_WEIGHT,
    ArticleStore,
    SearchHit,
    query_terms,
)

# ts_rank_cd's normalisation: divide by 1 + log(document length), as bm25 discounts
# long documents (measured against 0 and 2 in bench/README.md).
RANK_NORMALISATION = 1
SNIPPET_OPTIONS = (
    'StartSel="", StopSel="", MaxWords=24, MinWords=12, ShortWord=0, MaxFragments=1,'
    ' FragmentDelimiter=" … "'
)


def ts_query(
    terms: Sequence[str], *, any_term: bool = False, phrases: Sequence[Sequence[str]] = ()
) -> str | None:
    """A ``to_tsquery`` text of plain words: every term (``&``) or any (``|``), with
    phrases (``a <-> b``) joined the same way; None when nothing is left to search."""
    words = list(dict.fromkeys(t for term in terms for t in query_terms(term)))
    if not words:
        return None  # as on SQLite: phrases only join a query of plain words
    parts = [f"'{w}'" for w in words]
    for phrase in phrases:
        inner = [t for word in phrase for t in query_terms(word)][:MAX_QUERY_TERMS]
        if len(inner) >= 2:
            quoted = "(" + " <-> ".join(f"'{w}'" for w in inner) + ")"
            if quoted not in parts:
                parts.append(quoted)
        if len(parts) - len(words) >= MAX_PHRASES:
            break
    return (" | " if any_term else " & ").join(parts)


def _weights(title_weight: float) -> list[float]:
    """ts_rank_cd's weights {D, C, B, A}, each at most 1: a title (A) match counts
    ``title_weight`` times a body (D) match."""
    ratio = max(float(title_weight), 1e-6) / BODY_WEIGHT
    title, body = (1.0, 1.0 / ratio) if ratio >= 1 else (ratio, 1.0)
    return [body, 0.0, 0.0, title]


class PgArticleStore(ArticleStore):
    """Articles in PostgreSQL; everything but full-text search is the SQLite store's SQL."""

    async def match(
        self,
        terms: Sequence[str],
        guild_id: int | None,
        *,
        limit: int,
        title_weight: float = TITLE_WEIGHT,
        any_term: bool = False,
        phrases: Sequence[Sequence[str]] = (),
    ) -> list[SearchHit]:
        query = ts_query(terms, any_term=any_term, phrases=phrases)
        return await self._ranked(query, guild_id, limit, 0, title_weight, snippets=False)

    async def search(
        self, text: str, guild_id: int | None, *, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        """Full-text search for user text: all words first, any word if that finds nothing."""
        terms = query_terms(text)
        hits = await self._ranked(ts_query(terms), guild_id, limit, offset, TITLE_WEIGHT)
        if not hits and len(terms) > 1:
            query = ts_query(terms, any_term=True)
            hits = await self._ranked(query, guild_id, limit, offset, TITLE_WEIGHT)
        return hits

    async def doc_counts(self, words: Sequence[str], cap: int) -> dict[str, int]:
        """Articles holding each word, counted up to ``cap + 1``, in one statement. A stop
        word (which the index leaves out) counts as in every article."""
        queries = {w: q for w in dict.fromkeys(words) if (q := ts_query([w])) is not None}
        if not queries:
            return {}
        part = (
            "SELECT CAST(? AS TEXT), CASE WHEN numnode(q) = 0 THEN CAST(? AS BIGINT) ELSE"
            " (SELECT count(*) FROM (SELECT 1 FROM articles WHERE search @@ q LIMIT ?) AS hit)"
            " END FROM to_tsquery('english', ?) AS q"
        )
        params: list[object] = []
        for word, query in queries.items():
            params += [word, cap + 1, cap + 1, query]
        rows = await self.db.fetchall(" UNION ALL ".join([part] * len(queries)), tuple(params))
        return {row[0]: int(row[1]) for row in rows}

    async def _ranked(
        self,
        query: str | None,
        guild_id: int | None,
        limit: int,
        offset: int,
        title_weight: float,
        *,
        snippets: bool = True,
    ) -> list[SearchHit]:
        """The best matches of ``query`` within the scope, ranked in the same statement
        that reads the index; snippets only for the page returned."""
        if query is None:
            return []
        scope = "ifnull(guild_id, 0) IN (0, ?)" if guild_id is not None else "guild_id IS NULL"
        scope_params: tuple[object, ...] = (guild_id,) if guild_id is not None else ()
        snippet = f"ts_headline('english', body, q, '{SNIPPET_OPTIONS}')" if snippets else "''"
        rows = await self.db.fetchall(
            f"SELECT id, title, published, source, url, rank, {snippet} AS snippet FROM ("
            " SELECT id, title, published, source, url, body, q,"
            f" ts_rank_cd(CAST(? AS float4[]), search, q, {RANK_NORMALISATION}) AS rank"
            " FROM articles, to_tsquery('english', ?) AS q"
            f" WHERE search @@ q AND {scope}"
            " ORDER BY rank DESC, id LIMIT ? OFFSET ?) AS best ORDER BY rank DESC, id",
            (_weights(title_weight), query, *scope_params, limit, offset),
        )
        return [
            SearchHit(
                article_id=row["id"],
                title=row["title"],
                score=float(row["rank"]),
                snippet=row["snippet"] or "",
                published=date.fromisoformat(row["published"]) if row["published"] else None,
                source=row["source"],
                url=row["url"],
            )
            for row in rows
        ]
