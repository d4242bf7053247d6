"""Asking: a question answered from the scope's articles (or one pinned article), by
the offline engine and, when one is configured, the model reader (:mod:`bot.app.readers`).

Candidates come from the store through the staged search, are re-ranked and answered in
the worker thread; whether to commit to an answer is the engine's call
(:mod:`news.answer.engine`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.app.articles import ArticleCases
from bot.app.readers import READER_OFF, Asked, ReaderChoice, read_with_model
from news import retrieval
from news.answer import Answer, Passage, answer_question
from news.errors import InputError
from news.search import StagedSearch
from news.text import MAX_QUESTION_CHARS, normalize_ws

if TYPE_CHECKING:
    from news.answer.model import ModelReader


class AskCases(ArticleCases):
    """Questions over the articles: an answer with its evidence, and which reader gave it."""

    staged_search: StagedSearch
    answer_threshold: float | None
    model_reader: ModelReader | None

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
