"""Refit the answer confidence with members' votes (issue 23): a server that votes makes
its own bot more careful.

Input: the JSON lines ``newsbot feedback export`` writes (question, answer, evidence,
article id, label 1 helpful / 0 not). Each voted answer is read again by the engine
(:func:`news.answer.engine.read`) to get the signals the confidence weighs:

- with ``--db`` (the bot's SQLite file or PostgreSQL URL), twice: as /ask reads it
  (the store's candidates, re-ranked: the "open" setting) and against its article alone
  (a pinned or follow-up question: "given");
- without, against the evidence sentence the export holds ("given" only: a weaker
  reading, one sentence for a whole story).

A reading is kept only when its best span is the answer that was voted on (the label is
about that answer, not another one the store now gives).

The refit starts from the shipped model (news/weights/confidence.json), not from the dev
rows: those are ``bench.trust_eval``'s out-of-fold readings, about fifteen minutes to
remake. Per setting, the shipped weights are the centre of a Gaussian prior
(``--prior``: its L2 strength on standardised signals, about four feedback rows per unit)
and the feedback rows pull the weights from it (Newton steps, as
:func:`bench.trust_confidence.fit_logistic`). The threshold never falls: it rises from
the shipped one, on ``bench.trust_confidence.GRID``, until at least HELPFUL of the
feedback answers it still commits to were voted helpful. Printed: the thresholds and, on
the feedback rows, the share committed and the helpful share of those, before and after.
``--write`` writes news/weights/confidence.json (default: print only).

Run: ``PYTHONPATH=. .venv/bin/python -m bench.feedback_fit --feedback votes.jsonl
[--db newsbot.sqlite3] [--prior 5] [--write]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import normalize_answer
from bench.trust_confidence import GRID, Model, Row, fit_logistic, matrix, predict
from news.answer import Passage
from news.answer.confidence import SETTINGS, SIGNALS, load_model, save_model
from news.answer.engine import Reading, read

PRIOR_L2 = 5.0
# The threshold rises until this share of the committed feedback answers was helpful.
HELPFUL = 0.5


@dataclass(frozen=True)
class Vote:
    question: str
    answer: str
    evidence: str
    article_id: int | None
    guild: int | None
    label: int


def load_votes(path: Path) -> list[Vote]:
    """The export's rows with a question, an answer and a label (others are skipped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row: dict[str, Any] = json.loads(line)
        if not row.get("question") or not row.get("answer") or row.get("label") not in (0, 1):
            continue
        article = row.get("article_id")
        guild = row.get("guild")
        out.append(
            Vote(
                str(row["question"]),
                str(row["answer"]),
                str(row.get("evidence") or ""),
                int(article) if isinstance(article, int) else None,
                int(guild) if isinstance(guild, int) else None,
                int(row["label"]),
            )
        )
    return out


def to_row(reading: Reading, vote: Vote) -> Row | None:
    """A training row labelled by the vote, when the reading's best span is the answer
    that was voted on."""
    guess = reading.guess
    if guess is None or normalize_answer(guess.text) != normalize_answer(vote.answer):
        return None
    gate = reading.supported and reading.typed and not reading.tied and bool(guess.text)
    helpful = bool(vote.label)
    return Row("feedback", dict(reading.signals), gate, float(helpful), helpful, helpful, True)


async def read_votes(votes: Sequence[Vote], db: str | None) -> dict[str, list[Row]]:
    """Each vote read again, per setting (see the module's docstring)."""
    rows: dict[str, list[Row]] = {s: [] for s in SETTINGS}
    if db is None:
        for v in votes:
            if v.evidence:
                row = to_row(read(v.question, [Passage(0, "", v.evidence, 1.0)]), v)
                if row is not None:
                    rows["given"].append(row)
        return rows
    from bot.app.desk import NewsDesk
    from news import retrieval

    desk = await NewsDesk.open(db)
    try:
        ids = [v.article_id for v in votes if v.article_id is not None]
        articles = await desk.store.get_many(ids)
        for v in votes:
            cands = await desk.candidates(v.question, v.guild)
            counts = await desk.store_counts(v.question)
            passages = retrieval.open_passages(v.question, cands, counts)
            readings = [read(v.question, passages)] if len(passages) > 1 else []
            a = articles.get(v.article_id) if v.article_id is not None else None
            if a is not None:
                readings.append(read(v.question, [Passage(a.id, a.title, a.text, 1.0)]))
            for reading in readings:
                row = to_row(reading, v)
                if row is not None:
                    rows[reading.setting].append(row)
    finally:
        await desk.close()
    return rows


def shipped(setting: str) -> tuple[Model, float]:
    model = load_model()
    w = model.weights[setting]
    weights = np.array([w[n] for n in SIGNALS[setting]], dtype=np.float64)
    return (w["intercept"], weights), model.commit_at[setting]


def probabilities(model: Model, rows: Sequence[Row], setting: str) -> np.ndarray:
    p = predict(model, matrix(rows, setting)) if rows else np.zeros(0)
    return np.where([r.can_commit for r in rows], p, 0.0)


def threshold(rows: Sequence[Row], p: np.ndarray, floor: float) -> float:
    """From ``floor`` up the grid: the first threshold at which at least HELPFUL of the
    committed feedback answers were voted helpful (or none is committed)."""
    labels = np.array([r.right for r in rows])
    for t in sorted({floor, *(g for g in GRID if g > floor)}):
        commit = p >= t
        if not commit.any() or labels[commit].mean() >= HELPFUL:
            return t
    return max(GRID)


@dataclass(frozen=True)
class Refit:
    setting: str
    rows: int
    model: Model
    before: float  # threshold
    after: float
    committed_before: float  # share of the feedback rows
    committed_after: float
    helpful_before: float  # helpful share of those committed
    helpful_after: float


def refit(rows: Sequence[Row], setting: str, l2: float = PRIOR_L2) -> Refit:
    """The setting's model refitted on ``rows`` from the shipped one, and its threshold."""
    prior, cut = shipped(setting)
    use = [r for r in rows if r.can_commit]
    model = prior
    if use:
        model = fit_logistic(matrix(use, setting), np.array([r.right for r in use]), l2, prior)
    p0, p1 = probabilities(prior, rows, setting), probabilities(model, rows, setting)
    after = threshold(rows, p1, cut)
    labels = np.array([r.right for r in rows])

    def shares(p: np.ndarray, t: float) -> tuple[float, float]:
        commit = p >= t
        n = max(len(rows), 1)
        return float(commit.sum() / n), float(labels[commit].mean()) if commit.any() else 0.0

    (c0, h0), (c1, h1) = shares(p0, cut), shares(p1, after)
    return Refit(setting, len(rows), model, cut, after, c0, c1, h0, h1)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--feedback", type=Path, required=True, help="newsbot feedback export's file")
    ap.add_argument("--db", default=None, help="the bot's SQLite file or PostgreSQL URL")
    ap.add_argument("--prior", type=float, default=PRIOR_L2, help="pull toward the shipped model")
    ap.add_argument("--write", action="store_true", help="write news/weights/confidence.json")
    ap.add_argument("--json", action="store_true", help="the figures as one JSON object")
    args = ap.parse_args(argv)
    votes = load_votes(args.feedback)
    rows = asyncio.run(read_votes(votes, args.db))
    fits = {s: refit(rows[s], s, args.prior) for s in SETTINGS}
    if args.json:
        figures = {
            s: {
                "rows": f.rows,
                "threshold": [f.before, f.after],
                "committed": [f.committed_before, f.committed_after],
                "helpful": [f.helpful_before, f.helpful_after],
                "confidence": [
                    float(probabilities(shipped(s)[0], rows[s], s).mean()) if rows[s] else 0.0,
                    float(probabilities(f.model, rows[s], s).mean()) if rows[s] else 0.0,
                ],
            }
            for s, f in fits.items()
        }
        print(json.dumps({"votes": len(votes), "settings": figures}))
    else:
        kept = ", ".join(f"{s} {len(rows[s])}" for s in rows)
        print(f"{len(votes)} votes; readings kept: {kept}")
        print("setting  rows  threshold before -> after  committed before -> after  helpful")
        for f in fits.values():
            print(
                f"{f.setting:7}  {f.rows:4d}  {f.before:16.2f} -> {f.after:.2f}"
                f"  {f.committed_before:16.3f} -> {f.committed_after:.3f}"
                f"  {f.helpful_before:.3f} -> {f.helpful_after:.3f}"
            )
    if args.write:
        weights = {
            s: {
                "intercept": f.model[0],
                **dict(zip(SIGNALS[s], f.model[1].tolist(), strict=True)),
            }
            for s, f in fits.items()
        }
        path = save_model(
            weights,
            {s: f.after for s, f in fits.items()},
            fitter="bench/feedback_fit.py",
            dev_set=f"the shipped confidence as a prior; {len(votes)} members' votes",
            method="logistic regression per setting toward the shipped weights (Gaussian"
            f" prior, L2 {args.prior} on standardised signals) on the votes' readings;"
            f" threshold raised until {HELPFUL} of the committed votes were helpful",
        )
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
