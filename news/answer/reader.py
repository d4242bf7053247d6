"""What an answer reader takes and gives: candidate articles in, an answer (or an
abstention) with its evidence out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    """One candidate article."""

    article_id: int
    title: str
    text: str
    retrieval_score: float = 0.0  # higher is better, normalised by the caller


@dataclass(frozen=True)
class Answer:
    """An answer with its evidence, or an abstention (``answer is None``)."""

    question: str
    answer: str | None
    evidence: str | None
    article_id: int | None
    score: float
    qtype: str
    related: tuple[int, ...] = ()
    extra: str | None = None
