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
class Quote:
    """One sentence shown to a member, exactly as the stored article has it."""

    article_id: int
    text: str


@dataclass(frozen=True)
class Guess:
    """The engine's best span, whether it commits to it or not.

    Benchmarks score it at every coverage; a member sees it only when the engine
    commits (then it is also ``Answer.answer``, ``evidence`` and ``article_id``).
    """

    text: str
    evidence: str
    article_id: int


@dataclass(frozen=True)
class Answer:
    """What a reader gives back for one question.

    ``answer`` is set only when the reader commits: its ``confidence`` (the calibrated
    probability that the answer is right) reached the threshold. Then ``evidence`` is
    the sentence that holds it and ``article_id`` its article. Otherwise all three are
    None, and ``passages`` holds the few sentences most relevant to the question.
    When it commits, ``passages`` holds the evidence first and up to two more.
    No passage repeats a sentence. ``related`` lists the closest articles, the
    fallback when no sentence is relevant. ``extra``, only beside a committed count, is
    one whole line with its own label, the running total the evidence or its neighbour
    gives (:mod:`.totals`): "Running total: 180 (lifeguards hired)". ``score`` is
    ``confidence`` under its old name, kept for one release.
    """

    question: str
    answer: str | None
    evidence: str | None
    article_id: int | None
    score: float
    qtype: str
    related: tuple[int, ...] = ()
    extra: str | None = None
    confidence: float = 0.0
    passages: tuple[Quote, ...] = ()
    guess: Guess | None = None

    @property
    def committed(self) -> bool:
        return self.answer is not None
