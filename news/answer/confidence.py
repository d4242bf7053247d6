"""Calibrated confidence: the probability that the engine's best span is right.

A logistic model over a few signals that predict correctness under grouped
cross-validation on the dev set (``bench/fit_confidence.py`` fits it and writes
``news/weights/confidence.json``; "right" means token F1 >= 0.5 against the gold):

- ``mbr_agree``: the softmax mass of the best spans that overlap the chosen one or
  give the same answer; spans that agree reinforce each other, a split vote means doubt;
- ``evidence_margin``: how far the chosen sentence stands above the best other one in
  the passage order (fitted sentence logit plus its best span's score, see
  :func:`news.answer.passages.relevance`); a question whose words match two sentences
  that offer equally good answers has a small one. It is taken after the span choice:
  a sentence that leads on its words alone but whose only answer the span scorer
  rules out (a running total) is no rival;
- ``nterms``: the question's content words; a short question matches by chance;
- ``rr_margin`` (open setting only): how far the re-ranker's best story stands above
  the second, from the passages' retrieval odds.

The question type and whether the span has the asked-for shape were tried too and
added nothing once these were in (their information is already in the span scores).
The article-given and open settings have a model each: in the open setting the
retrieval can also be wrong. The file also holds each setting's default threshold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from news.answer.reader import Passage
from news.answer.spans import Candidate
from news.weights import WeightsError, load, save, table

NAME = "confidence"
SETTINGS = ("given", "open")
_BOTH = (
    "mbr_agree",
    "evidence_margin",
    "nterms",
    "missing",
    "span_score",
    "sent_logit",
    "is_count",
    "is_time",
    "is_person",
    "is_place",
)
SIGNALS: dict[str, tuple[str, ...]] = {"given": _BOTH, "open": (*_BOTH, "rr_margin")}
# Margins are told apart up to this many logits (a lone sentence or story counts as this).
MARGIN_CLIP = 5.0
# The agreement vote: the best AGREE_TOP spans, softmax at AGREE_TEMPERATURE (the
# minimum-Bayes-risk pick's own settings, so the vote is the one that chose).
AGREE_TOP = 30
AGREE_TEMPERATURE = 0.5
_WORD = re.compile(r"\w+")


def setting_of(passages: Sequence[Passage]) -> str:
    """``given`` for one pinned article, ``open`` when retrieval handed several."""
    return "given" if len(passages) <= 1 else "open"


def agreement(
    cands: Sequence[Candidate], win: Candidate, text_of: Callable[[Candidate], str]
) -> float:
    """Softmax mass of the best spans that agree with ``win``: they overlap it in its
    sentence, or they give the same answer text (the same figure in two sentences)."""
    top = sorted(cands, key=lambda c: c.score, reverse=True)[:AGREE_TOP]
    best = top[0].score
    win_text = _norm(text_of(win))
    total = agree = 0.0
    for c in top:
        p = math.exp((c.score - best) / AGREE_TEMPERATURE)
        total += p
        overlaps = c.sent_index == win.sent_index and min(c.end, win.end) > max(c.start, win.start)
        if overlaps or (win_text and _norm(text_of(c)) == win_text):
            agree += p
    return agree / total if total else 0.0


def _norm(text: str) -> str:
    return " ".join(w for w in _WORD.findall(text.lower()) if w not in ("a", "an", "the"))


def clip_margin(value: float) -> float:
    return max(-MARGIN_CLIP, min(MARGIN_CLIP, value))


def retrieval_margin(passages: Sequence[Passage]) -> float:
    """The re-ranker's margin of the best story over the second, in logits.

    The passages carry odds against the best story (exp(score - best)), so the
    margin is -log of the second-best odds over the best.
    """
    odds = sorted((max(0.0, float(p.retrieval_score or 0.0)) for p in passages), reverse=True)
    if len(odds) < 2 or odds[0] <= 0.0:
        return MARGIN_CLIP
    if odds[1] <= 0.0:
        return MARGIN_CLIP
    return clip_margin(math.log(odds[0] / odds[1]))


@dataclass(frozen=True)
class Model:
    """Per setting: intercept and a weight per signal, and the default threshold (each
    setting has its own: in the open setting the retrieval can be wrong too, so the
    same probability buys a different share of answers)."""

    weights: dict[str, dict[str, float]]
    commit_at: dict[str, float]

    def probability(self, setting: str, signals: Mapping[str, float]) -> float:
        w = self.weights[setting]
        z = w["intercept"] + sum(w[name] * signals[name] for name in SIGNALS[setting])
        z = max(-30.0, min(30.0, z))
        return 1.0 / (1.0 + math.exp(-z))


def load_model(name: str = NAME) -> Model:
    """The fitted model; raises :class:`WeightsError` if the file is missing or does not
    fit the engine's signals."""
    tables = load(name, expect=frozenset((*SETTINGS, "commit_at")))["weights"]
    commit_at = tables.get("commit_at")
    if not isinstance(commit_at, dict) or set(commit_at) != set(SETTINGS):
        raise WeightsError(f"weights file news/weights/{name}.json: commit_at needs {SETTINGS}")
    for value in commit_at.values():
        if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise WeightsError(f"weights file news/weights/{name}.json: commit_at is not in [0, 1]")
    return Model(
        {s: table(name, tables, s, ("intercept", *SIGNALS[s])) for s in SETTINGS},
        {s: float(commit_at[s]) for s in SETTINGS},
    )


def save_model(
    weights: Mapping[str, Mapping[str, float]], commit_at: Mapping[str, float], **meta: Any
) -> Path:
    """Write a fitted model (rounded to 4 places) and how it was fitted (``meta``)."""
    rounded = {s: {n: float(f"{v:.4f}") for n, v in weights[s].items()} for s in SETTINGS}
    tables: dict[str, Any] = {
        s: table(NAME, rounded, s, ("intercept", *SIGNALS[s])) for s in SETTINGS
    }
    tables["commit_at"] = {s: float(f"{commit_at[s]:.4f}") for s in SETTINGS}
    return save(NAME, tables, **meta)
