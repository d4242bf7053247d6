"""InsightStore: the questions members asked in a guild and their votes on the answers.

Every read and write names its guild: a vote counts only on a question of the same guild
(the write joins on it), and every summary reads one guild's rows through its
``(guild_id, asked_at)`` index. Members are never stored, only a hash salted per guild
(:meth:`InsightStore.salt`); retention deletes by the time indexes.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from news.domain import AskedQuestion, Outcome, QuestionCounts, RatedAnswer, VoteRow
from storage.db import utc_iso
from storage.sql import Row, SqlDatabase

_Q = (
    "q.id, q.guild_id, q.asked_at, q.question, q.outcome, q.answer, q.evidence,"
    " q.article_id, q.confidence, q.reader"
)
# What a stored question keeps of its text at most.
QUESTION_CHARS = 500
ANSWER_CHARS = 1000


def _question(row: Row) -> AskedQuestion:
    return AskedQuestion(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        asked_at=datetime.fromisoformat(row["asked_at"]),
        question=row["question"],
        outcome=Outcome(row["outcome"]),
        answer=row["answer"],
        evidence=row["evidence"],
        article_id=int(row["article_id"]) if row["article_id"] is not None else None,
        confidence=float(row["confidence"]),
        reader=row["reader"],
    )


def _cut(text: str | None, size: int) -> str | None:
    return text[:size].replace("\x00", "") if text is not None else None


class InsightStore:
    def __init__(self, db: SqlDatabase):
        self.db = db

    async def record(
        self,
        guild_id: int,
        *,
        question: str,
        outcome: Outcome,
        answer: str | None,
        evidence: str | None,
        article_id: int | None,
        confidence: float,
        reader: str,
        now: datetime,
    ) -> int:
        """Store one asked question; its id (the answer card's buttons carry it)."""
        async with self.db.transaction("insights") as conn:
            row = await conn.fetchone(
                "INSERT INTO asked_questions (guild_id, asked_at, question, outcome, answer,"
                " evidence, article_id, confidence, reader) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (
                    guild_id,
                    utc_iso(now),
                    _cut(question, QUESTION_CHARS) or "",
                    outcome.value,
                    _cut(answer, ANSWER_CHARS),
                    _cut(evidence, ANSWER_CHARS),
                    article_id,
                    float(confidence),
                    reader[:20],
                ),
            )
        assert row is not None
        return int(row[0])

    async def get(self, question_id: int, guild_id: int) -> AskedQuestion | None:
        """The question if it was asked in ``guild_id``."""
        row = await self.db.fetchone(
            f"SELECT {_Q} FROM asked_questions q WHERE q.id = ? AND q.guild_id = ?",
            (question_id, guild_id),
        )
        return _question(row) if row else None

    async def salt(self, guild_id: int) -> str:
        """The guild's salt for member hashes, made on first use."""
        row = await self.db.fetchone(
            "SELECT salt FROM insight_salts WHERE guild_id = ?", (guild_id,)
        )
        if row is not None:
            return str(row[0])
        async with self.db.transaction("insights") as conn:
            await conn.execute(
                "INSERT INTO insight_salts (guild_id, salt) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, secrets.token_hex(16)),
            )
            row = await conn.fetchone(
                "SELECT salt FROM insight_salts WHERE guild_id = ?", (guild_id,)
            )
        assert row is not None
        return str(row[0])

    async def vote(
        self, question_id: int, guild_id: int, member_hash: str, vote: int, *, now: datetime
    ) -> str | None:
        """A member's vote on an answer of ``guild_id``: "new", "changed" or "same";
        None when no such question was asked in this guild (nothing is written)."""
        if vote not in (-1, 1):
            raise ValueError("a vote is +1 or -1")
        async with self.db.transaction("insights") as conn:
            asked = await conn.fetchone(
                "SELECT id FROM asked_questions WHERE id = ? AND guild_id = ?",
                (question_id, guild_id),
            )
            if asked is None:
                return None
            before = await conn.fetchone(
                "SELECT vote FROM answer_votes WHERE question_id = ? AND member_hash = ?",
                (question_id, member_hash),
            )
            if before is not None and int(before[0]) == vote:
                return "same"
            await conn.execute(
                "INSERT INTO answer_votes (question_id, guild_id, member_hash, vote, voted_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_id, member_hash)"
                " DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
                (question_id, guild_id, member_hash, vote, utc_iso(now)),
            )
        return "new" if before is None else "changed"

    async def counts(self, guild_id: int, since: datetime) -> QuestionCounts:
        """How the guild's questions since ``since`` went (one index range)."""
        rows = await self.db.fetchall(
            "SELECT outcome, count(*) FROM asked_questions WHERE guild_id = ? AND asked_at >= ?"
            " GROUP BY outcome",
            (guild_id, utc_iso(since)),
        )
        by = {str(r[0]): int(r[1]) for r in rows}
        return QuestionCounts(
            total=sum(by.values()),
            answered=by.get(Outcome.ANSWERED.value, 0),
            passages=by.get(Outcome.PASSAGES.value, 0),
            not_found=by.get(Outcome.NOT_FOUND.value, 0),
        )

    async def lowest_rated(self, guild_id: int, *, limit: int = 5) -> list[RatedAnswer]:
        """The guild's answers with more down votes than up, worst first. Only votes
        cast in the guild count (a vote row names its guild, and must match)."""
        rows = await self.db.fetchall(
            f"SELECT {_Q}, v.up, v.down FROM (SELECT question_id,"
            " sum(CASE WHEN vote > 0 THEN 1 ELSE 0 END) AS up,"
            " sum(CASE WHEN vote < 0 THEN 1 ELSE 0 END) AS down"
            " FROM answer_votes WHERE guild_id = ? GROUP BY question_id) v"
            " JOIN asked_questions q ON q.id = v.question_id AND q.guild_id = ?"
            " WHERE v.down > v.up ORDER BY v.up - v.down, q.asked_at DESC LIMIT ?",
            (guild_id, guild_id, limit),
        )
        return [RatedAnswer(_question(r), int(r["up"]), int(r["down"])) for r in rows]

    async def unanswered(
        self, guild_id: int, since: datetime, *, limit: int = 200
    ) -> list[AskedQuestion]:
        """The guild's questions since ``since`` that no article answered, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_Q} FROM asked_questions q WHERE q.guild_id = ? AND q.asked_at >= ?"
            " AND q.outcome = ? ORDER BY q.asked_at DESC LIMIT ?",
            (guild_id, utc_iso(since), Outcome.NOT_FOUND.value, limit),
        )
        return [_question(r) for r in rows]

    async def votes(self, guild_id: int | None, *, limit: int = 100_000) -> list[VoteRow]:
        """Votes with what they rated, oldest first: one guild's, or every guild's."""
        where, params = ("WHERE v.guild_id = ?", (guild_id,)) if guild_id is not None else ("", ())
        rows = await self.db.fetchall(
            f"SELECT {_Q}, v.vote, v.voted_at FROM answer_votes v"
            " JOIN asked_questions q ON q.id = v.question_id AND q.guild_id = v.guild_id"
            f" {where} ORDER BY v.voted_at, q.id LIMIT ?",
            (*params, limit),
        )
        return [
            VoteRow(_question(r), int(r["vote"]), datetime.fromisoformat(r["voted_at"]))
            for r in rows
        ]

    async def guild_ids(self) -> list[int]:
        """The guilds that have questions stored (for the command line's report)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id FROM asked_questions ORDER BY guild_id"
        )
        return [int(r[0]) for r in rows]

    async def forget(self, before: datetime, *, guild_id: int | None = None) -> tuple[int, int]:
        """Delete questions and votes older than ``before`` (one guild's, or all);
        how many of each."""
        cut = utc_iso(before)
        scope, params = (" AND guild_id = ?", (guild_id,)) if guild_id is not None else ("", ())
        async with self.db.transaction("insights") as conn:
            votes = await conn.execute(
                f"DELETE FROM answer_votes WHERE (voted_at < ? OR question_id IN"
                f" (SELECT id FROM asked_questions WHERE asked_at < ?{scope})){scope}",
                (cut, cut, *params, *params),
            )
            questions = await conn.execute(
                f"DELETE FROM asked_questions WHERE asked_at < ?{scope}", (cut, *params)
            )
        return questions, votes
