"""Asking: a question answered from the scope's articles (or one pinned article), by
the offline engine and, when one is configured, the model reader (:mod:`bot.app.readers`).

Candidates come from the store through the staged search, are re-ranked and answered in
the worker thread; whether to commit to an answer is the engine's call
(:mod:`news.answer.engine`).

Time, after retrieval and never inside the search: a question that names a time
(:func:`news.when.find_window`, in the server's timezone: its digest's, else UTC) is
searched without its time words over a wider pool, whose dates come from one look-up by
primary key (``Articles.stamps``). A strict window keeps only the stories it holds (the
reply says which window; when it holds none, it says so in one line and all are read);
a loose one ("the 2004 tsunami") only lifts the stories within it. A question that
names no time is answered by the newest version of its story (:mod:`news.versions`)
when that version answers too; a newer version that does not answer is named on the
card instead ("Newer:"). Such a question may also lift newer stories among its
candidates by their age (:func:`news.versions.recency_prior`, from the dates the
articles were read with: no query of its own); its strength, RECENCY_STRENGTH, is 0
(off), as cross-validation chose it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.app.articles import ArticleCases
from bot.app.readers import READER_OFF, Asked, ReaderChoice, read_with_model
from news.answer import Answer, Passage
from news.domain import Article, SearchHit
from news.errors import InputError
from news.search import Hit, StagedSearch
from news.text import MAX_QUESTION_CHARS, normalize_ws
from news.when import Window, find_window, without

if TYPE_CHECKING:
    from bot.app.insights import InsightCases
    from news import retrieval
    from news.answer.followup import Resolved
    from news.answer.model import ModelReader
    from news.versions import Version
    from storage.interfaces import Stores

# The retrieval (with its weights), story versions, follow-ups and the engine are
# imported by the functions that use them: every command builds the desk, and newsbot
# show and list never ask.

# A question that names a time is searched over this many bm25 candidates, whose dates
# are then read by id. At 100k articles /ask p95 with a time word was 52-59 ms with 60,
# 34-46 ms with 30 and 36-43 ms with 20 (37-44 ms without one; bench/README.md).
WINDOW_POOL = 30
# /news search with a window filters this many hits by date (its pages come from them).
SEARCH_POOL = 100
# A loose window's stories count this much more than their bm25 score says.
WINDOW_BOOST = 1.5
# Newer versions tried for an answer, newest first.
NEWER_TRIES = 2
# The recency prior's strength for questions that name no time (news.versions.
# recency_prior: a bm25 score times exp(-strength * days behind the newest candidate / 7)).
# Off: fitted by bench.recency_cv (grid 0-2, 5 folds grouped by developing story, chosen by
# the newest-figure rate), 0 was chosen in every fold and on all of them; every strength
# above 0 answered the newest figure less often (0.296 at 0, 0.247 at 0.05, 0.074 at 1),
# because the newest-version rule after the answer (news.versions) already picks the
# update and the prior only pushes older stories under newer unrelated ones.
# bench/README.md, issue 23.
RECENCY_STRENGTH = 0.0


class AskCases(ArticleCases):
    """Questions over the articles: an answer with its evidence, and which reader gave it."""

    staged_search: StagedSearch
    answer_threshold: float | None
    model_reader: ModelReader | None
    stores: Stores
    clock: Callable[[], datetime]
    insights: InsightCases
    recency_strength: float = RECENCY_STRENGTH

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
            # On first use: see the note at the imports.
            from news.answer.engine import answer_question

            passages = [Passage(article.id, article.title, article.text, 1.0)]
            answer = functools.partial(answer_question, commit_at=self.answer_threshold)
            offline = await self.cpu.run(answer, question, passages)
            note, newer = None, None
        else:
            # Re-ranking by proximity and hand-over of the best few, with answering,
            # run off the loop.
            window = find_window(question, self.clock(), await self.zone(guild_id))
            searched = (without(question, window) if window else question) or question
            candidates, stories, note, timed = await self.timely_candidates(
                searched, guild_id, window
            )
            counts = await self.store_counts(searched)
            passages, offline, newer = await self.cpu.run(
                _answer_open,
                searched,
                candidates,
                counts,
                self.answer_threshold,
                stories,
                not timed,
            )
            offline = dataclasses.replace(offline, question=question)
        if self.model_reader is None:
            return Asked(offline, window_note=note, newer=newer)
        asked = await read_with_model(
            self.model_reader, question, passages, offline, reader, self.cpu.run
        )
        return dataclasses.replace(asked, window_note=note, newer=newer)

    async def follow_up(
        self,
        question_id: int,
        guild_id: int,
        followup: str,
        *,
        reader: ReaderChoice = "auto",
    ) -> tuple[Asked, Resolved]:
        """A follow-up to an answer this guild gave: its pronouns and bare references
        written out from that question, answer and evidence, and asked about the same
        story (the one that answered, or whose sentences were shown)."""
        before = await self.insights.question(question_id, guild_id)
        if before is None:
            raise InputError("That answer is no longer stored: ask again with /ask.")
        followup = normalize_ws(followup).replace("\n", " ")[:MAX_QUESTION_CHARS]
        if not followup:
            raise InputError("Write a follow-up question, for example: what did she say?")
        from news.answer.followup import resolve  # on first use: see the note at the imports

        resolved = await self.cpu.run(
            resolve, followup, before.question, before.answer, before.evidence
        )
        asked = await self.ask_read(resolved.question, guild_id, before.article_id, reader=reader)
        return asked, resolved

    async def search_when(
        self,
        query: str,
        guild_id: int | None,
        *,
        since: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> tuple[list[SearchHit], str | None]:
        """/news search with time: the query's own time words ("strike this week") or
        ``since`` (a date, YYYY-MM-DD, or words such as "Monday" or "1 December")
        narrow the hits by date, after the search; the second value is what the reply
        says of the window (None without one). Without a window this is :meth:`search`.
        """
        query = normalize_ws(query).replace("\n", " ")[:MAX_QUESTION_CHARS]
        now, zone = self.clock(), await self.zone(guild_id)
        window = find_window(query, now, zone)
        words = (without(query, window) if window else query) or query
        if since is not None and since.strip():
            window = self._since(since.strip()[:40], now, zone)
        if window is None:
            return await self.search(words, guild_id, limit=limit, offset=offset), None
        hits = await self.search(words, guild_id, limit=SEARCH_POOL, offset=0)
        stamps = await self.store.stamps([hit.article_id for hit in hits])
        held = [
            h for h in hits if h.article_id in stamps and window.holds(stamps[h.article_id].when)
        ]
        said = window.describe(now.astimezone(zone).date())
        if not window.strict:
            rest = [h for h in hits if h not in held]
            return (held + rest)[offset : offset + limit], f"Window: {said} first."
        if not held:
            note = f"No stored story matches {said}; showing all of them."
            return hits[offset : offset + limit], note
        return held[offset : offset + limit], f"Window: {said}."

    @staticmethod
    def _since(text: str, now: datetime, zone: tzinfo) -> Window:
        """The window from ``since`` to today: a date, or words find_window reads."""
        try:
            day = date.fromisoformat(text)
        except ValueError:
            window = find_window(f"since {text}", now, zone)
            if window is None or not window.since:
                raise InputError(
                    "That since is not a time I can read: use a date (2026-12-01) or words"
                    " such as Monday or 1 December."
                ) from None
            return window
        today = now.astimezone(zone).date()
        if day > today:
            raise InputError("That since is in the future: choose a day up to today.")
        return Window(day, today, zone, f"since {text}", (0, 0), strict=True, since=True)

    async def zone(self, guild_id: int | None) -> tzinfo:
        """The server's timezone: its digest's, else UTC (one look-up by primary key)."""
        if guild_id is None:
            return UTC
        schedule = await self.stores.digests.get_schedule(guild_id)
        if schedule is None:
            return UTC
        try:
            return ZoneInfo(schedule.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC

    async def timely_candidates(
        self, question: str, guild_id: int | None, window: Window | None
    ) -> tuple[list[retrieval.Candidate], list[Version], str | None, bool]:
        """The candidates to read, every story's dates for the version test, what the
        reply says of the window (None when the question names no time), and whether a
        strict window chose the stories (then the newest version does not answer by
        right: the member asked about a time).

        With a window, WINDOW_POOL bm25 hits are dated in one look-up by primary key;
        a strict window keeps the ones it holds (all, with a line saying so, when it
        holds none), a loose one lifts them; the best FETCH are then read.
        """
        from news import retrieval  # on first use: see the note at the imports
        from news.versions import Version, recency_prior

        terms = retrieval.search_terms(question)
        phrases = retrieval.search_phrases(question)
        if window is None:
            hits = list(
                await self.staged_search.candidates(
                    terms, guild_id, limit=retrieval.FETCH, phrases=phrases
                )
            )
            candidates, articles = await self._read(hits, {})
            # The prior reads the dates the articles came with: no query of its own.
            days = {a.id: a.published or a.added_at.date() for a in articles}
            candidates = recency_prior(candidates, days, self.recency_strength)
            return candidates, [_version(a) for a in articles], None, False
        hits = list(
            await self.staged_search.candidates(terms, guild_id, limit=WINDOW_POOL, phrases=phrases)
        )
        stamps = await self.store.stamps([hit.article_id for hit in hits])
        held = {i for i, s in stamps.items() if window.holds(s.when)}
        today = self.clock().astimezone(window.zone).date()
        said = window.describe(today)
        boost: dict[int, float] = {}
        if window.strict:
            if held:
                hits = [hit for hit in hits if hit.article_id in held]
                note = f"Window: {said}."
            else:
                note = f"No stored story matches {said}; answered from all of them."
        else:
            boost = dict.fromkeys(held, WINDOW_BOOST)
            note = f"Window: {said} first."
        hits.sort(key=lambda hit: -hit.score * boost.get(hit.article_id, 1.0))
        candidates, articles = await self._read(hits[: retrieval.FETCH], boost)
        read = {a.id for a in articles}
        stories = [_version(a) for a in articles] + [
            Version(s.id, s.title, s.published, s.added_at)
            for s in stamps.values()
            if s.id not in read
        ]
        return candidates, stories, note, window.strict and bool(held)

    async def _read(
        self, hits: Sequence[Hit], boost: dict[int, float]
    ) -> tuple[list[retrieval.Candidate], list[Article]]:
        from news import retrieval  # on first use: see the note at the imports

        ids = [hit.article_id for hit in hits]
        articles = await self.store.get_many(ids)
        candidates = [
            retrieval.Candidate(a.id, a.title, a.text, hit.score * boost.get(a.id, 1.0))
            for hit in hits
            if (a := articles.get(hit.article_id)) is not None
        ]
        return candidates, [articles[c.article_id] for c in candidates]

    async def candidates(self, question: str, guild_id: int | None) -> list[retrieval.Candidate]:
        """The articles an open question is read against, best bm25 first.

        Words and adjacent pairs of the question (a regex pass over a capped question:
        no thread hop), then a small bm25 pool with room for near-duplicates to
        collapse when it is re-ranked. The benchmarks call this too, so they measure
        the path the bot runs.
        """
        from news import retrieval  # on first use: see the note at the imports

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
        from news import retrieval  # on first use: see the note at the imports

        total, docs = await self.staged_search.word_counts(retrieval.search_terms(question))
        return retrieval.StoreCounts(total, docs)


def _version(article: Article) -> Version:
    from news.versions import Version  # on first use: see the note at the imports

    return Version(article.id, article.title, article.published, article.added_at, article.text)


def _answer_open(
    question: str,
    candidates: Sequence[retrieval.Candidate],
    counts: retrieval.StoreCounts,
    commit_at: float | None,
    stories: Sequence[Version] = (),
    prefer_newest: bool = True,
) -> tuple[list[Passage], Answer, Version | None]:
    """Re-rank the store's candidates, then answer from the best few (a worker's job);
    the passages come back too, for the model reader, and the newest version of the
    answer's story that did not answer.

    With ``prefer_newest`` (the question names no time), a committed answer whose story
    has newer versions among ``stories`` is asked again of each newer one, newest
    first: the first that commits answers instead.
    """
    # On first use: see the note at the imports.
    from news import retrieval
    from news.answer.engine import answer_question
    from news.versions import Versions, same_sentence

    passages = retrieval.open_passages(question, candidates, counts)
    answer = answer_question(question, passages, commit_at=commit_at)
    versions = Versions(stories)
    lead = answer.article_id if answer.committed else None
    if lead is None and answer.passages:
        lead = answer.passages[0].article_id
    newer = versions.newer(lead) if lead is not None else []
    if prefer_newest and answer.committed and newer:
        texts = {c.article_id: c for c in candidates}
        for version in [v for v in newer if v.article_id in texts][:NEWER_TRIES]:
            # The same passages, the newer version in the older one's place: the engine
            # reads what it read before, with the story as it stands now.
            c = texts[version.article_id]
            swapped = [
                Passage(c.article_id, c.title, c.text, p.retrieval_score)
                if p.article_id == lead
                else p
                for p in passages
                if p.article_id != c.article_id
            ]
            again = answer_question(question, swapped, commit_at=commit_at)
            if again.committed and again.article_id == c.article_id:
                answer, passages = again, swapped
                newer = versions.newer(c.article_id)
                break
            guess = again.guess
            if (
                guess is not None
                and guess.article_id == c.article_id
                and same_sentence(guess.evidence, answer.evidence)
            ):
                # The update states the figure in the sentence that answered, changed:
                # its value answers, as sure as the older one was. (Its confidence alone
                # is lower only because the older copies no longer agree with it.)
                answer = dataclasses.replace(
                    again,
                    answer=guess.text,
                    evidence=guess.evidence,
                    article_id=c.article_id,
                    score=answer.confidence,
                    confidence=answer.confidence,
                    extra=None,
                )
                passages = swapped
                newer = versions.newer(c.article_id)
                break
    return passages, answer, newer[0] if newer else None
