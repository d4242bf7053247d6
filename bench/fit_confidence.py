"""Fit the answer engine's calibrated confidence on NewsQA dev, with cross-validation.

For every dev question, in both settings (the article given; open: every article
stored, retrieval as the desk runs it), the engine's reading gives its best span
and the confidence signals (news.answer.confidence.SIGNALS). A logistic model per
setting predicts "the best span is right" (token F1 >= 0.5). Confidences are
out-of-fold: 5 folds grouped by article, so no question is scored by a model that
saw its article. Questions the article does not support (news.answer.support: the
engine never commits to them) get confidence 0 and are left out of the fit. The
default threshold is the lowest on a grid whose out-of-fold
committed F1 reaches TARGET_F1 in both settings. With ``--write`` the model fitted
on all questions and that threshold go to ``news/weights/confidence.json``.

Caveat: the sentence and span weights the signals come from were themselves fitted
on this dev set (bench/fit_answer.py), so the signals are in-sample for those.

Run: ``.venv/bin/python -m bench.fit_confidence [--write] [--shared DIR] [--limit N]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.qa_eval import DEFAULT_SHARED, Item, load, normalize_answer, token_f1
from news.answer import Passage, Quote
from news.answer.confidence import SETTINGS, SIGNALS, save_model
from news.answer.engine import Reading, read

FOLDS = 5
SEED = 13
L2 = 1.0
# The shipped threshold keeps the committed answers' F1 at least this high (out of fold).
TARGET_F1 = 0.53
GRID = tuple(round(0.2 + 0.01 * k, 2) for k in range(61))
COVERAGES = (0.25, 0.5, 0.75, 1.0)


@dataclass
class Row:
    """One question in one setting."""

    group: int  # its article (the CV group)
    signals: dict[str, float]
    has_guess: bool
    f1: float  # the guess's token F1
    shown_commit: bool  # gold in answer/evidence/passages if the engine commits
    shown_open: bool  # gold in the passages if it does not
    ms: float = 0.0
    supported: bool = True  # news.answer.support lets it commit (else confidence 0)

    @property
    def right(self) -> float:
        return float(self.f1 >= 0.5)


def _shown(quotes: tuple[Quote, ...], gold: str) -> bool:
    g = normalize_answer(gold)
    return bool(g) and any(g in normalize_answer(q.text) for q in quotes)


def to_row(reading: Reading, item: Item, ms: float) -> Row:
    guess = reading.guess
    text = guess.text if guess else None
    return Row(
        item.article_index,
        reading.signals,
        guess is not None,
        token_f1(text, item.gold),
        _shown(reading.committed_quotes, item.gold) if guess else False,
        _shown(reading.open_quotes, item.gold),
        ms,
        reading.supported,
    )


def collect_given(texts: list[str], items: list[Item]) -> list[Row]:
    rows = []
    for it in items:
        t0 = time.perf_counter()
        reading = read(it.question, [Passage(it.article_index, "", texts[it.article_index], 1.0)])
        rows.append(to_row(reading, it, 1000 * (time.perf_counter() - t0)))
    return rows


async def collect_open(texts: list[str], items: list[Item]) -> list[Row]:
    """Retrieval as the desk runs it (bot.desk.NewsDesk.ask), then the engine's reading."""
    from bot.desk import NewsDesk
    from news import retrieval
    from news.text import first_sentence
    from storage.articles import NewArticle
    from storage.backend import sqlite_stores
    from storage.db import open_database

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        desk = NewsDesk(sqlite_stores(await open_database(Path(tmp) / "bench.sqlite3")))
        try:
            for text in texts:
                title = first_sentence(text) or "untitled"
                await desk.store.add(NewArticle(title=title, text=text, guild_id=None))
            for it in items:
                q = it.question
                t0 = time.perf_counter()
                cands = await desk.candidates(q, None)
                counts = await desk.store_counts(q)
                reading = read(q, retrieval.open_passages(q, cands, counts))
                rows.append(to_row(reading, it, 1000 * (time.perf_counter() - t0)))
        finally:
            await desk.close()
    return rows


# ------------------------------------------------------------------ the model


def matrix(rows: list[Row], setting: str) -> np.ndarray:
    return np.array(
        [[r.signals.get(n, 0.0) for n in SIGNALS[setting]] for r in rows], dtype=np.float64
    ).reshape(len(rows), len(SIGNALS[setting]))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[float, np.ndarray]:
    """L2 logistic regression (Newton steps on standardised signals, intercept free);
    returns the intercept and weights on the raw signals."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])
    w = np.zeros(z.shape[1])
    pen = l2 * np.eye(z.shape[1])
    pen[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        grad = z.T @ (p - y) + pen @ w
        hess = (z * (p * (1 - p))[:, None]).T @ z + pen
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    raw = w[1:] / sd
    return float(w[0] - raw @ mu), raw


def predict(model: tuple[float, np.ndarray], x: np.ndarray) -> np.ndarray:
    b, w = model
    return 1.0 / (1.0 + np.exp(-np.clip(b + x @ w, -30, 30)))


def folds(groups: list[int], seed: int = SEED) -> np.ndarray:
    arts = sorted(set(groups))
    random.Random(seed).shuffle(arts)
    fold = {a: i % FOLDS for i, a in enumerate(arts)}
    return np.array([fold[g] for g in groups])


def out_of_fold(rows: list[Row], setting: str) -> np.ndarray:
    """Each question's confidence from the model fitted on the other folds' articles
    (0 where the engine has no guess or the article does not support one, as at run
    time; the model is fitted on the questions it will be asked to score)."""
    fo = folds([r.group for r in rows])
    has = np.array([r.has_guess and r.supported for r in rows])
    x, y = matrix(rows, setting), np.array([r.right for r in rows])
    p = np.zeros(len(rows))
    for f in range(FOLDS):
        train, test = has & (fo != f), has & (fo == f)
        if train.sum() and test.sum():
            p[test] = predict(fit_logistic(x[train], y[train]), x[test])
    return p


def auc(p: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(p, kind="stable")
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    for v in np.unique(p):
        m = p == v
        ranks[m] = ranks[m].mean()
    n1 = y.sum()
    n0 = len(y) - n1
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else 0.5


def at_threshold(rows: list[Row], p: np.ndarray, t: float) -> tuple[float, float, float]:
    """Commit rate, F1 when committed, and the share of questions whose gold is shown."""
    commit = np.array([r.has_guess and r.supported for r in rows]) & (p >= t)
    f1 = np.array([r.f1 for r in rows])
    shown = np.array(
        [r.shown_commit if c else r.shown_open for r, c in zip(rows, commit, strict=True)]
    )
    return float(commit.mean()), float(f1[commit].mean()) if commit.any() else 0.0, shown.mean()


def risk_coverage(rows: list[Row], p: np.ndarray) -> list[tuple[float, float, float]]:
    """At each coverage c: the F1 of the guesses of the top-c questions by confidence,
    and the share of all questions whose gold is shown when those commit."""
    order = np.argsort(-p, kind="stable")
    f1 = np.array([r.f1 for r in rows])
    out = []
    for c in COVERAGES:
        k = round(c * len(rows))
        top = set(order[:k].tolist())
        shown = [
            (r.shown_commit if i in top and r.has_guess and r.supported else r.shown_open)
            for i, r in enumerate(rows)
        ]
        out.append((c, float(f1[order[:k]].mean()) if k else 0.0, float(np.mean(shown))))
    return out


def choose_threshold(oof: dict[str, tuple[list[Row], np.ndarray]]) -> float:
    for t in GRID:
        if all(at_threshold(rows, p, t)[1] >= TARGET_F1 for rows, p in oof.values()):
            return t
    return GRID[-1]


def report(setting: str, rows: list[Row], p: np.ndarray, t: float, label: str) -> None:
    y = np.array([r.right for r in rows])
    gated = [r for r in rows if r.has_guess and not r.supported]
    print(f"\n== {setting} ({label}): n={len(rows)}, AUC {auc(p, y):.3f}")
    gated_f1 = 100 * float(np.mean([r.f1 for r in gated])) if gated else 0.0
    print(f"  not supported by the article: {len(gated)} (their guesses' F1 {gated_f1:.1f})")
    print("  coverage   F1    gold shown")
    for c, f1, shown in risk_coverage(rows, p):
        print(f"  {100 * c:6.0f}%  {100 * f1:5.1f}  {shown:.3f}")
    commit, f1, shown = at_threshold(rows, p, t)
    print(f"  at {t:.2f}: commit {commit:.3f}, F1 committed {100 * f1:.1f}, gold shown {shown:.3f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    texts, items = load(args.shared, args.limit)
    data = {"given": collect_given(texts, items), "open": asyncio.run(collect_open(texts, items))}
    oof = {s: (rows, out_of_fold(rows, s)) for s, rows in data.items()}
    t = choose_threshold(oof)
    models = {}
    for s in SETTINGS:
        rows, p = oof[s]
        report(s, rows, p, t, "out-of-fold, 5 folds grouped by article")
        has = [r for r in rows if r.has_guess and r.supported]
        b, w = fit_logistic(matrix(has, s), np.array([r.right for r in has]))
        models[s] = {"intercept": b, **dict(zip(SIGNALS[s], w.tolist(), strict=True))}
        print(f"  fitted on all: {models[s]}")
    print(f"\nthreshold {t:.2f} (lowest with out-of-fold committed F1 >= {100 * TARGET_F1:.0f})")
    if args.write:
        cv = {s: at_threshold(*oof[s], t) for s in SETTINGS}
        path = save_model(
            models,
            t,
            fitter="bench/fit_confidence.py",
            dev_set="NewsQA dev",
            questions=len(items),
            method="logistic regression per setting, label token F1 >= 0.5; "
            "threshold and figures from 5-fold CV grouped by article",
            cv_commit_rate={s: round(v[0], 3) for s, v in cv.items()},
            cv_f1_committed={s: round(100 * v[1], 1) for s, v in cv.items()},
            cv_gold_shown={s: round(v[2], 3) for s, v in cv.items()},
        )
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
