"""Insights: what members asked and how they rated the answers, per guild.

Every /ask the bot answers is recorded (question, outcome, answer, evidence, article,
confidence, reader; no member). A vote keeps only a hash of the member, salted per
guild, so one member has one vote per answer and can change it, and nothing names
them. A moderator's report covers this week: the share answered, shown as passages or
not found; the lowest-rated answers; and the unanswered questions grouped by their main
words. Rows older than the retention (``NEWSBOT_INSIGHTS_DAYS``) are deleted daily.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.app.readers import Asked
from news.domain import AskedQuestion, Outcome, QuestionCounts, RatedAnswer, VoteRow
from news.text import MAX_QUESTION_CHARS
from storage.interfaces import Insights

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

REPORT_DAYS = 7
RETENTION_HOURS = 6
GROUPS = 10
LOWEST = 5


@dataclass(frozen=True)
class Group:
    """Unanswered questions that share their main word."""

    word: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    since: datetime
    counts: QuestionCounts
    lowest: tuple[RatedAnswer, ...]
    unanswered: tuple[Group, ...]


def outcome_of(asked: Asked) -> Outcome:
    if asked.answer.committed:
        return Outcome.ANSWERED
    if asked.answer.passages:
        return Outcome.PASSAGES
    return Outcome.NOT_FOUND


def groups(questions: Sequence[str], limit: int = GROUPS) -> list[Group]:
    """Questions grouped by their main word: of each question's content words, the one
    most of the questions share (ties: the first in the question). Largest groups first."""
    # Imported here: the retrieval loads its weights, which a command that only reads
    # (every command builds the desk, and these insights with it) does not need.
    from news.retrieval import search_terms, stem_key

    words_of = [
        list(dict.fromkeys(stem_key(w) for w in search_terms(q[:MAX_QUESTION_CHARS])))
        for q in questions
    ]
    shared = Counter(w for words in words_of for w in words)
    shown: dict[str, str] = {}  # stem -> a word as a member wrote it
    grouped: dict[str, list[str]] = {}
    for question, words in zip(questions, words_of, strict=True):
        if not words:
            key = "(no words)"
        else:
            key = max(words, key=lambda w: (shared[w], -words.index(w)))
            for term in search_terms(question):
                if stem_key(term) == key:
                    shown.setdefault(key, term)
                    break
        grouped.setdefault(key, []).append(question)
    ordered = sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [Group(shown.get(k, k), tuple(qs)) for k, qs in ordered[:limit]]


class InsightCases:
    """Recording questions and votes, the report, the export and the retention."""

    def __init__(self, store: Insights, clock: Callable[[], datetime], days: int = 90):
        self.store = store
        self.clock = clock
        self.days = days

    async def record(self, guild_id: int, asked: Asked) -> int:
        """Record an answered /ask; the id its card's buttons carry."""
        answer = asked.answer
        outcome = outcome_of(asked)
        article_id = answer.article_id
        if article_id is None and answer.passages:
            article_id = answer.passages[0].article_id
        return await self.store.record(
            guild_id,
            question=answer.question,
            outcome=outcome,
            answer=answer.answer,
            evidence=answer.evidence
            if outcome is Outcome.ANSWERED
            else (answer.passages[0].text if answer.passages else None),
            article_id=article_id,
            confidence=answer.confidence,
            reader=asked.reader,
            now=self.clock(),
        )

    async def question(self, question_id: int, guild_id: int) -> AskedQuestion | None:
        return await self.store.get(question_id, guild_id)

    async def vote(self, question_id: int, guild_id: int, member_id: int, up: bool) -> str | None:
        """A member's vote: "new", "changed", "same", or None for an answer this guild
        never gave."""
        salt = await self.store.salt(guild_id)
        member = hashlib.sha256(f"{salt}:{guild_id}:{member_id}".encode()).hexdigest()
        return await self.store.vote(
            question_id, guild_id, member, 1 if up else -1, now=self.clock()
        )

    async def report(self, guild_id: int) -> Report:
        since = self.clock() - timedelta(days=REPORT_DAYS)
        counts = await self.store.counts(guild_id, since)
        lowest = await self.store.lowest_rated(guild_id, limit=LOWEST)
        unanswered = await self.store.unanswered(guild_id, since)
        return Report(since, counts, tuple(lowest), tuple(groups([q.question for q in unanswered])))

    async def guilds(self) -> list[int]:
        """The guilds with questions stored."""
        return await self.store.guild_ids()

    async def export(self, guild_id: int | None) -> list[VoteRow]:
        return await self.store.votes(guild_id)

    async def clear(self, guild_id: int) -> tuple[int, int]:
        """Delete every question and vote of the guild now."""
        return await self.store.forget(self.clock() + timedelta(days=1), guild_id=guild_id)

    async def prune(self) -> tuple[int, int]:
        """Delete questions and votes older than the retention (every guild)."""
        return await self.store.forget(self.clock() - timedelta(days=self.days))


class RetentionJob:
    """The retention's job on the bot's one APScheduler (id ``insights:retention``): every
    RETENTION_HOURS it deletes questions and votes older than ``NEWSBOT_INSIGHTS_DAYS``.
    A delete by the time indexes, harmless to run from several processes at once."""

    JOB_ID = "insights:retention"

    def __init__(self, insights: InsightCases, scheduler: AsyncIOScheduler) -> None:
        self.insights = insights
        self._scheduler = scheduler

    def start(self) -> None:
        self._scheduler.add_job(
            self.run,
            "interval",
            hours=RETENTION_HOURS,
            next_run_time=datetime.now(UTC) + timedelta(minutes=5),
            id=self.JOB_ID,
            name="delete old questions and votes",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    async def run(self) -> None:
        try:
            questions, votes = await self.insights.prune()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("insights retention failed")
            return
        if questions or votes:
            log.info("insights retention: deleted %d questions and %d votes", questions, votes)

    def close(self) -> None:
        job = self._scheduler.get_job(self.JOB_ID)
        if job is not None:
            job.remove()
