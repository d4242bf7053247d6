"""Articles on PostgreSQL: the SQLite store's statements, with full-text search in
PostgreSQL's own terms.

Each article carries a generated ``tsvector`` (title weighed A, body D) under a GIN
index, kept inline in the row (migration 001) so ranking reads no TOAST table. A query
is built from the same plain words the SQLite side quotes into FTS5 (letters and digits
only, so no user text reaches ``to_tsquery``'s syntax), joined by ``&`` or ``|``,
phrases by ``<->``. The scope is a condition of the same statement that reads the
index. ``news.search.StagedSearch`` runs its stages on this as it does on SQLite.

PostgreSQL's rank functions know no idf, and on the answer engine's any-word queries
that costs the right story its place (bench/README.md). So :meth:`PgArticleStore.match`
ranks in two steps inside one statement: ``ts_rank`` picks the best RESCORE_POOL
matches, then each is scored as bm25 scores it, the sum over the query's words and
phrases of idf × that unit's own ``ts_rank`` (which saturates with repeats as bm25's
term frequency does). The idf comes from the document counts the staged search
(``news.search.StagedSearch``) already holds for the question.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from news.domain import MAX_PHRASES, SearchHit
from storage.articles import BODY_WEIGHT, MAX_QUERY_TERMS, TITLE_WEIGHT, ArticleStore, query_terms
from storage.sql import Row

TS_CONFIG = "english"  # the generated column's configuration (migration 001)
# ts_rank's length normalisation for the answer engine's candidates: none. The idf
# does what matters, and a divisor of 1 + log(length) cost recall (0, 1, 2, 8, 16 and
# 32 measured in bench/README.md).
RANK_NORMALISATION = 0
# /news search's ts_rank_cd divides by 1 + log(document length), as bm25 discounts
# long documents.
SEARCH_NORMALISATION = 1
# How many ts_rank matches are scored with idf (14, 30 and 200 measured alike).
RESCORE_POOL = 60
# The any-word query ranks about this many rows at most: ranking reads each row's
# tsvector (some microseconds each), and a common word holds tens of thousands of rows
# at 100k articles. Past it, the rows holding only the most common words are left out
# of the candidates (they still count in every candidate's score).
ANY_ROWS = 4_000
SNIPPET_OPTIONS = (
    'StartSel="", StopSel="", MaxWords=24, MinWords=12, ShortWord=0, MaxFragments=1,'
    ' FragmentDelimiter=" … "'
)


@dataclass(frozen=True)
class Unit:
    """One word or phrase of a query: its ``to_tsquery`` text and its plain words."""

    query: str
    words: tuple[str, ...]


def ts_units(terms: Sequence[str], phrases: Sequence[Sequence[str]] = ()) -> list[Unit]:
    """A query's units: each plain word, then each phrase (``'a' <-> 'b'``), at most
    MAX_PHRASES of them; none when no plain word is left (as on SQLite, phrases only
    join a query of plain words)."""
    words = list(dict.fromkeys(t for term in terms for t in query_terms(term)))
    if not words:
        return []
    units = [Unit(f"'{w}'", (w,)) for w in words]
    seen: set[str] = set()
    for phrase in phrases:
        inner = tuple(t for word in phrase for t in query_terms(word))[:MAX_QUERY_TERMS]
        if len(inner) >= 2:
            text = "(" + " <-> ".join(f"'{w}'" for w in inner) + ")"
            if text not in seen:
                seen.add(text)
                units.append(Unit(text, inner))
        if len(seen) >= MAX_PHRASES:
            break
    return units


def joined(units: Sequence[Unit], *, any_term: bool) -> str:
    return (" | " if any_term else " & ").join(u.query for u in units)


def ts_query(
    terms: Sequence[str], *, any_term: bool = False, phrases: Sequence[Sequence[str]] = ()
) -> str | None:
    """A ``to_tsquery`` text of plain words: every term (``&``) or any (``|``), with
    phrases (``a <-> b``) joined the same way; None when nothing is left to search."""
    units = ts_units(terms, phrases)
    return joined(units, any_term=any_term) if units else None


def idf(df: int, total: int) -> float:
    """bm25's (Lucene's) idf, never negative."""
    df = min(max(df, 0), total)
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


def unit_df(unit: Unit, counts: Mapping[str, int]) -> int:
    """A unit's document count: a word's own; a phrase's is taken as its rarest word's
    (an upper bound: counting a phrase reads every row holding its words)."""
    return min(counts.get(w, 0) for w in unit.words)


def candidate_units(units: Sequence[Unit], counts: Mapping[str, int], budget: int) -> list[Unit]:
    """The units whose rows an any-word query ranks: all of them when their counts add
    up to at most ``budget``, else the rarest that fit (at least the rarest). A phrase
    holding a word that is itself selected selects no more rows, and is left out (its
    rows would each be read once more to check the words' positions)."""

    def without_implied(chosen: Sequence[Unit]) -> list[Unit]:
        words = {u.words[0] for u in chosen if len(u.words) == 1}
        return [u for u in chosen if len(u.words) == 1 or not words.intersection(u.words)]

    needed = without_implied(units)
    if sum(unit_df(u, counts) for u in needed) <= budget:
        return needed
    chosen: list[Unit] = []
    used = 0
    for unit in sorted(units, key=lambda u: unit_df(u, counts)):
        df = unit_df(unit, counts)
        if chosen and used + df > budget:
            break
        chosen.append(unit)
        used += df
    return without_implied(chosen)


def _weights(title_weight: float) -> list[float]:
    """ts_rank's weights {D, C, B, A}, each at most 1: a title (A) match counts
    ``title_weight`` times a body (D) match."""
    ratio = max(float(title_weight), 1e-6) / BODY_WEIGHT
    title, body = (1.0, 1.0 / ratio) if ratio >= 1 else (ratio, 1.0)
    return [body, 0.0, 0.0, title]


def _hit(row: Row) -> SearchHit:
    return SearchHit(
        article_id=row["id"],
        title=row["title"],
        score=float(row["rank"]),
        snippet=row["snippet"] or "",
        published=date.fromisoformat(row["published"]) if row["published"] else None,
        source=row["source"],
        url=row["url"],
    )


class PgArticleStore(ArticleStore):
    """Articles in PostgreSQL; everything but full-text search is the SQLite store's SQL."""

    needs_counts = True  # ts_rank knows no idf: match weighs words by the search's counts

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
        """The best matches holding every term (or any term or phrase), ranked by idf ×
        ts_rank per word and phrase among the ts_rank's best RESCORE_POOL. The idf is
        of ``counts``, which the staged search keeps cached; without them (a direct
        caller) the words are counted here."""
        units = ts_units(terms, phrases)
        if not units:
            return []
        if counts is None:
            total = await self.total()
            counts = (total, await self.doc_counts([w for u in units for w in u.words], total))
        total, docs = counts
        found = candidate_units(units, docs, ANY_ROWS) if any_term else units
        scope, scope_params = _scope(guild_id)
        weights = _weights(title_weight)
        # The queries are parsed once, in FROM: in a generic plan a to_tsquery() in WHERE
        # or ORDER BY would be parsed again for every row.
        rows = await self.db.fetchall(
            f"WITH u AS MATERIALIZED (SELECT to_tsquery('{TS_CONFIG}', x) AS uq, w FROM"
            " unnest(CAST(? AS TEXT[]), CAST(? AS FLOAT8[])) AS u(x, w)),"
            f" q AS MATERIALIZED (SELECT to_tsquery('{TS_CONFIG}', ?) AS found,"
            f" to_tsquery('{TS_CONFIG}', ?) AS ranked),"
            " best AS (SELECT id, title, published, source, url, search FROM q, articles"
            f" WHERE search @@ q.found AND {scope}"
            f" ORDER BY ts_rank(CAST(? AS FLOAT4[]), search, q.ranked, {RANK_NORMALISATION})"
            " DESC, id LIMIT ?)"
            " SELECT id, title, published, source, url, '' AS snippet,"
            " (SELECT sum(u.w * ts_rank(CAST(? AS FLOAT4[]), best.search, u.uq,"
            f" {RANK_NORMALISATION})) FROM u) AS rank FROM best ORDER BY rank DESC, id LIMIT ?",
            (
                [u.query for u in units],
                [idf(unit_df(u, docs), total) for u in units],
                joined(found, any_term=any_term),
                joined(units, any_term=any_term),
                *scope_params,
                weights,
                max(RESCORE_POOL, limit),
                weights,
                limit,
            ),
        )
        return [_hit(row) for row in rows]

    async def search(
        self, text: str, guild_id: int | None, *, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        """Full-text search for user text: all words first, any word if that finds nothing."""
        terms = query_terms(text)
        hits = await self._ranked(ts_query(terms), guild_id, limit, offset)
        if not hits and len(terms) > 1:
            # Any word, bounded as the answer engine's any-word stage is: the rows of
            # the commonest words past ANY_ROWS are left out rather than all ranked.
            units = ts_units(terms)
            # Counts past the budget decide nothing: each is counted up to it.
            counts = await self.doc_counts([w for u in units for w in u.words], ANY_ROWS)
            query = joined(candidate_units(units, counts, ANY_ROWS), any_term=True)
            hits = await self._ranked(query, guild_id, limit, offset)
        return hits

    async def total(self) -> int:
        """Articles in every scope (an index-only count: PostgreSQL keeps no row count;
        the staged search asks once a minute)."""
        row = await self.db.fetchone("SELECT count(*) FROM articles")
        return int(row[0]) if row else 0

    async def doc_counts(self, words: Sequence[str], cap: int) -> dict[str, int]:
        """Articles holding each word, counted up to ``cap + 1``, in one statement. A stop
        word (which the index leaves out) counts as in every article."""
        queries = {w: q for w in dict.fromkeys(words) if (q := ts_query([w])) is not None}
        if not queries:
            return {}
        part = (
            "SELECT CAST(? AS TEXT), CASE WHEN numnode(q) = 0 THEN CAST(? AS BIGINT) ELSE"
            " (SELECT count(*) FROM (SELECT 1 FROM articles WHERE search @@ q LIMIT ?) AS hit)"
            f" END FROM to_tsquery('{TS_CONFIG}', ?) AS q"
        )
        params: list[object] = []
        for word, query in queries.items():
            params += [word, cap + 1, cap + 1, query]
        rows = await self.db.fetchall(" UNION ALL ".join([part] * len(queries)), tuple(params))
        return {row[0]: int(row[1]) for row in rows}

    async def _ranked(
        self, query: str | None, guild_id: int | None, limit: int, offset: int
    ) -> list[SearchHit]:
        """/news search: the best matches of ``query`` within the scope by ts_rank_cd,
        the title weighed as bm25's column weights weigh it; snippets for the page."""
        if query is None:
            return []
        scope, scope_params = _scope(guild_id)
        rows = await self.db.fetchall(
            "SELECT id, title, published, source, url, rank,"
            f" ts_headline('{TS_CONFIG}', body, q, '{SNIPPET_OPTIONS}') AS snippet FROM ("
            " SELECT id, title, published, source, url, body, q,"
            f" ts_rank_cd(CAST(? AS FLOAT4[]), search, q, {SEARCH_NORMALISATION}) AS rank"
            f" FROM articles, to_tsquery('{TS_CONFIG}', ?) AS q"
            f" WHERE search @@ q AND {scope}"
            " ORDER BY rank DESC, id LIMIT ? OFFSET ?) AS best ORDER BY rank DESC, id",
            (_weights(TITLE_WEIGHT), query, *scope_params, limit, offset),
        )
        return [_hit(row) for row in rows]


def _scope(guild_id: int | None) -> tuple[str, tuple[object, ...]]:
    if guild_id is None:
        return "guild_id IS NULL", ()
    return "ifnull(guild_id, 0) IN (0, ?)", (guild_id,)
