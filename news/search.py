"""Candidate search for the answer engine: which full-text queries to run, and in what order.

This is policy, not SQL. A :class:`TextIndex` (the article store) runs plain operations:
a bm25 match within a scope, document counts, the number of articles. :class:`StagedSearch`
decides what to ask of it for one question:

1. on a large store, articles holding every word of the question;
2. then, if some words are common, articles holding every word that is not common;
3. then articles holding any word that is not common, or any phrase of the question;

each stage's hits following the earlier ones without repeats, until ``limit``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

# For the answer engine's candidates a title match counts twice a body match: the
# title is one short line, and weighed like /news search's 10 it would outweigh a body
# that holds every question word. 2 keeps a real headline worth more than any one body
# sentence without letting it decide alone (figures in bench/README.md).
ASK_TITLE_WEIGHT = 2.0
# A word in more than this share of a store (and at least COMMON_MIN_DOCS articles) is
# dropped from the any-word query: it costs time and carries almost no idf.
COMMON_SHARE = 0.05
COMMON_MIN_DOCS = 2_000
# From this many articles, the query tries all words before any word.
ALL_TERMS_FIRST_FROM = 20_000
# The store's size is read again after this many seconds: it only decides the stages
# above, which a minute's growth does not change.
COUNT_TTL = 60.0
# Document counts are kept until the store grows by a tenth, for at most this many words.
DF_CACHE_MAX = 50_000
# On an index that scores every posting of an any-word query (FTS5, PostgreSQL's GIN),
# that stage keeps the question's rarest words up to this many postings in all (always
# the rarest one). A question of common words only ("how much profit did the media
# group report for the last quarter") otherwise read 97,000 postings at 100k articles,
# 0.5 s under load and the whole of /ask's p99 (bench/README.md); FTS5 reads about 1.5
# us a posting, so this bounds the stage near 45 ms at any size. An index that skips
# blocks that cannot reach the top k (Tantivy) is not held to it.
ANY_WORD_POSTINGS = 30_000


class Hit(Protocol):
    """One candidate article: its id and its bm25 score (higher is better)."""

    @property
    def article_id(self) -> int: ...

    @property
    def score(self) -> float: ...


class TextIndex(Protocol):
    """The plain full-text operations the strategy needs of an article store.

    ``needs_counts``: the index's ranking has no idf of its own (PostgreSQL's), so
    :meth:`match` is handed the document counts the strategy holds. ``prunes``: an
    any-word query costs the index about its top k, not every posting of its words
    (block-max pruning), so the strategy need not bound it.
    """

    needs_counts: bool
    prunes: bool

    def query_words(self, terms: Sequence[str]) -> list[str]:
        """The words of ``terms`` as the index looks them up (its tokenisation)."""
        ...

    async def match(
        self,
        terms: Sequence[str],
        guild_id: int | None,
        *,
        limit: int,
        title_weight: float,
        any_term: bool = False,
        phrases: Sequence[Sequence[str]] = (),
        counts: tuple[int, Mapping[str, int]] | None = None,
    ) -> Sequence[Hit]:
        """Best bm25 matches in the guild's scope holding every term (or, with
        ``any_term``, any term or phrase), best first, at most ``limit``. ``counts``
        (the store's size and its document counts of the words, as the strategy has
        them cached) serve an index that weighs words by idf itself."""
        ...

    async def doc_counts(self, words: Sequence[str], cap: int) -> dict[str, int]:
        """How many articles (every scope) hold each word; counting stops past ``cap``."""
        ...

    async def total(self) -> int:
        """How many articles the index holds, every scope."""
        ...


def merge_hits(first: Sequence[Hit], then: Sequence[Hit], limit: int) -> list[Hit]:
    """``first``, then the hits of ``then`` not already in it, at most ``limit``."""
    if not first:
        return list(then[:limit])
    seen = {hit.article_id for hit in first}
    return [*first, *(hit for hit in then if hit.article_id not in seen)][:limit]


class StagedSearch:
    """The answer engine's bm25 candidates from one index (one per desk: it holds the
    caches of document counts and of the store's size)."""

    def __init__(
        self,
        index: TextIndex,
        *,
        all_terms_first_from: int = ALL_TERMS_FIRST_FROM,
        common_share: float = COMMON_SHARE,
        common_min_docs: int = COMMON_MIN_DOCS,
        title_weight: float = ASK_TITLE_WEIGHT,
        count_ttl: float = COUNT_TTL,
        any_word_postings: int = ANY_WORD_POSTINGS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.index = index
        self.all_terms_first_from = all_terms_first_from
        self.common_share = common_share
        self.common_min_docs = common_min_docs
        self.title_weight = title_weight
        self.count_ttl = count_ttl
        self.any_word_postings = any_word_postings
        self._clock = clock
        self._df: dict[str, int] = {}
        self._df_total = 0
        self._total = 0
        self._total_at = float("-inf")

    async def candidates(
        self,
        terms: Sequence[str],
        guild_id: int | None,
        *,
        limit: int = 10,
        phrases: Sequence[Sequence[str]] = (),
    ) -> list[Hit]:
        """bm25 candidates for ``terms`` and ``phrases`` in the guild's scope.

        A phrase (adjacent words, e.g. ``("white", "house")``) is one more any-word
        alternative that only matches the words side by side, so a story naming the
        thing ranks above one that uses both words apart.
        """
        large = len(terms) > 1 and await self._store_size() >= self.all_terms_first_from
        found: list[Hit] = []
        if large:
            # On a large store, articles holding every word of the question come first:
            # the intersection is cheap to find (a few ms at 100k) and, unlike the
            # queries below, keeps the common words that pin the story down ("which
            # airline plans a share listing in London" is not just "airline").
            found = list(await self._match(terms, guild_id, limit))
            if len(found) >= limit:
                return found
        common = await self._common_words(self.index.query_words(terms))
        if common:
            terms = [t for t in terms if t.casefold() not in common]
            phrases = [p for p in phrases if not any(w.casefold() in common for w in p)]
        if large and common and len(terms) > 1:
            # Then articles holding every word that is not common, when enough do: bm25
            # scores those, not every article with any word.
            hits = await self._match(terms, guild_id, limit)
            if len(hits) >= limit:
                return merge_hits(found, hits, limit)
        if not self.index.prunes:
            terms, phrases = await self._within_budget(terms, phrases)
        elif phrases:
            # Pruning skips blocks of a word's postings, not a phrase's: a phrase reads
            # both words' postings and positions in full, so a pair of common words
            # ("last quarter") cost Tantivy 30 ms at 1M. Phrases keep to the budget.
            phrases = (await self._within_budget(terms, phrases))[1]
        hits = await self._match(terms, guild_id, limit, any_term=True, phrases=phrases)
        return merge_hits(found, hits, limit)

    async def _within_budget(
        self, terms: Sequence[str], phrases: Sequence[Sequence[str]]
    ) -> tuple[list[str], list[Sequence[str]]]:
        """The rarest of ``terms`` whose postings add up to at most ``any_word_postings``
        (the rarest always), and the phrases made only of those."""
        total = await self._store_size()
        df = await self._doc_counts(self.index.query_words(terms), total)
        cost = {t: sum(df.get(w, 0) for w in self.index.query_words([t])) for t in terms}
        if sum(cost.values()) <= self.any_word_postings:
            return list(terms), list(phrases)
        kept: set[str] = set()
        spent = 0
        for term in sorted(terms, key=lambda t: cost[t]):
            if kept and spent + cost[term] > self.any_word_postings:
                break
            kept.add(term)
            spent += cost[term]
        words = {t.casefold() for t in kept}
        return (
            [t for t in terms if t in kept],
            [p for p in phrases if all(w.casefold() in words for w in p)],
        )

    async def _match(
        self,
        terms: Sequence[str],
        guild_id: int | None,
        limit: int,
        *,
        any_term: bool = False,
        phrases: Sequence[Sequence[str]] = (),
    ) -> Sequence[Hit]:
        counts = None
        if self.index.needs_counts:
            total = await self._store_size()
            words = self.index.query_words([*terms, *(word for p in phrases for word in p)])
            counts = (total, await self._doc_counts(words, total))
        return await self.index.match(
            terms,
            guild_id,
            limit=limit,
            title_weight=self.title_weight,
            any_term=any_term,
            phrases=phrases,
            counts=counts,
        )

    async def word_counts(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """The store's size and how many articles hold each of ``terms``' words (as the
        index looks them up), for the re-ranking's idf. After :meth:`candidates` for the
        same terms this asks the index nothing: both come from the caches."""
        words = self.index.query_words(terms)
        total = await self._store_size()
        return total, await self._doc_counts(words, total)

    async def _doc_counts(self, words: Sequence[str], total: int) -> dict[str, int]:
        """Document counts of ``words``, capped at the common-word threshold, asked for
        in one call and cached until the store grows by a tenth (on every store size:
        the re-ranking weighs the question's words by them)."""
        if abs(total - self._df_total) > self._df_total // 10:
            self._df.clear()
            self._df_total = total
        unknown = [w for w in dict.fromkeys(words) if w not in self._df]
        if unknown:
            # Counted past the common-word threshold up to the any-word budget when the
            # index is held to it: the budget must know which common word is rarest
            # (counting costs ~0.3 us a row, scoring ~1.5).
            cap = self._cap(total)
            if not self.index.prunes:
                cap = max(cap, self.any_word_postings)
            got = await self.index.doc_counts(unknown, cap)
            # A word the index leaves out (no letter or digit) counts as in no article.
            self._df.update({w: got.get(w, 0) for w in unknown})
            if len(self._df) > DF_CACHE_MAX:
                self._df.clear()
                self._df.update(got)
        return {w: self._df.get(w, 0) for w in words}

    def _cap(self, total: int) -> int:
        return max(int(total * self.common_share), self.common_min_docs)

    async def _common_words(self, words: Sequence[str]) -> set[str]:
        """Words found in so many articles that they only slow an any-word query down.

        bm25 already gives such a word little weight, but the index still scores every
        article that holds it: at 100k articles "week" or "people" touch tens of
        thousands of rows. A word in more than ``common_share`` of a large store is
        left out (never all of them).
        """
        total = await self._store_size()
        if not words:
            return set()
        df = await self._doc_counts(words, total)
        cap = self._cap(total)
        if total <= cap:
            return set()
        common = {w for w in words if df.get(w, 0) > cap}
        return common if len(common) < len(set(words)) else set()

    async def _store_size(self) -> int:
        now = self._clock()
        if now - self._total_at > self.count_ttl:
            self._total = await self.index.total()
            self._total_at = now
        return self._total
