"""The confidence of ``bench.trust_eval``: a logistic model over a reading's signals,
its variants, the threshold, and the scores of committed answers at a threshold and
at each coverage.

Split from the nested loop at its seam: this module knows readings (:class:`Row`) and
numbers, not stories, folds of articles, weights or the store.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from news.answer.confidence import SIGNALS

FOLDS = 5
FOLD_SEED = 13
# The threshold makes the inner folds commit on at least this share of the answerable
# questions: the targets' coverage (30% given, 25% open) plus three points, fixed
# before any fold was scored. (A floor on committed F1 was the first rule; inner folds
# could not reach one above the targets at any useful coverage.)
TRAIN_COVERAGE = {"given": 0.33, "open": 0.28}
GRID = tuple(round(0.2 + 0.01 * k, 2) for k in range(71))
COVERAGES = (0.25, 0.30, 0.40, 0.50, 1.0)


@dataclass
class Row:
    """A reading of one question in one setting."""

    kind: str  # Q.kind
    signals: dict[str, float]
    can_commit: bool  # a guess the gates let through (else confidence 0)
    f1: float  # 0 for a question the story cannot answer
    shown_commit: bool
    shown_open: bool
    answerable: bool
    group: int = -1

    @property
    def right(self) -> float:
        return float(self.answerable and self.f1 >= 0.5)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 1.0,
    prior: tuple[float, np.ndarray] | None = None,
) -> tuple[float, np.ndarray]:
    """L2 logistic regression (Newton steps on standardised signals; ``y`` may be soft,
    in [0, 1]); returns the intercept and weights on the raw signals. The penalty pulls
    toward zero, the intercept free; with ``prior`` (an intercept and raw weights) it
    pulls toward that model, intercept included: a maximum a posteriori fit with it as
    a Gaussian prior (``bench.feedback_fit`` refits the shipped model so)."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])
    pen = l2 * np.eye(z.shape[1])
    if prior is None:
        centre = np.zeros(z.shape[1])
        pen[0, 0] = 0.0
    else:
        b0, w0 = prior
        centre = np.concatenate([[b0 + w0 @ mu], w0 * sd])
    w = centre.copy()
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + pen @ (w - centre)
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


# The confidence's variants, chosen inside the training folds by inner
# cross-validation: the signals it reads (the four of issue 11, or all the engine
# gives), and its label (right: F1 >= 0.5; or the F1 itself, a soft label).
_BASE = ("mbr_agree", "evidence_margin", "nterms", "rr_margin")
VARIANTS = tuple((names, label) for names in ("base", "all") for label in ("right", "f1"))
# Coverage at which inner folds compare the variants: the targets'.
TARGET_COVERAGE = {"given": 0.30, "open": 0.25}


def _names(setting: str, names: str) -> tuple[str, ...]:
    every = SIGNALS[setting]
    return every if names == "all" else tuple(n for n in every if n in _BASE)


def matrix(rows: Sequence[Row], setting: str) -> np.ndarray:
    names = SIGNALS[setting]
    return np.array(
        [[r.signals.get(n, 0.0) for n in names] for r in rows], dtype=np.float64
    ).reshape(len(rows), len(names))


Model = tuple[float, np.ndarray]


def fit_confidence(rows: Sequence[Row], setting: str, variant: tuple[str, str]) -> Model:
    """A logistic model over the variant's signals (zero weight on the others)."""
    names, label = variant
    use = [r for r in rows if r.can_commit]
    keep = [k for k, n in enumerate(SIGNALS[setting]) if n in _names(setting, names)]
    x = matrix(use, setting)[:, keep]
    y = np.array([r.right if label == "right" else (r.f1 if r.answerable else 0.0) for r in use])
    b, w = fit_logistic(x, y)
    full = np.zeros(len(SIGNALS[setting]))
    full[keep] = w
    return b, full


def probabilities(model: Model, rows: Sequence[Row], setting: str) -> np.ndarray:
    p = predict(model, matrix(rows, setting)) if rows else np.zeros(0)
    return np.where([r.can_commit for r in rows], p, 0.0)


def f1_at(rows: Sequence[Row], p: np.ndarray, coverage: float) -> float:
    """F1 of the most confident ``coverage`` of the answerable questions."""
    ans = sorted((i for i, r in enumerate(rows) if r.answerable), key=lambda i: -p[i])
    top = ans[: max(1, round(coverage * len(ans)))]
    return float(np.mean([rows[i].f1 for i in top])) if top else 0.0


def choose_variant(
    rows: Sequence[Row], extra: Sequence[Row], setting: str
) -> tuple[tuple[str, str], np.ndarray]:
    """The variant whose inner out-of-fold F1 at the target coverage is best, and its
    out-of-fold probabilities (``extra``, SQuAD, joins every training side)."""
    groups = sorted({r.group for r in rows})
    fold = {
        g: k % FOLDS for k, g in enumerate(random.Random(FOLD_SEED + 1).sample(groups, len(groups)))
    }
    best: tuple[float, tuple[str, str], np.ndarray] | None = None
    for variant in VARIANTS:
        p = np.zeros(len(rows))
        for k in range(FOLDS):
            train = [r for r in rows if fold[r.group] != k]
            test = [i for i, r in enumerate(rows) if fold[r.group] == k]
            model = fit_confidence([*train, *extra], setting, variant)
            p[test] = probabilities(model, [rows[i] for i in test], setting)
        value = f1_at(rows, p, TARGET_COVERAGE[setting])
        if best is None or value > best[0] + 1e-9:
            best = (value, variant, p)
    assert best is not None
    return best[1], best[2]


@dataclass
class Scores:
    coverage: float  # answerable questions committed
    f1: float  # F1 of those
    shown: float
    swap: float  # name-swapped questions committed
    wrong: float
    n: int


def score(rows: Sequence[Row], p: np.ndarray, t: float) -> Scores:
    commit = p >= t
    ans = np.array([r.kind == "answerable" for r in rows])
    f1 = np.array([r.f1 for r in rows])
    shown = np.array(
        [r.shown_commit if c else r.shown_open for r, c in zip(rows, commit, strict=True)]
    )
    kinds = np.array([r.kind for r in rows])

    def rate(kind: str) -> float:
        m = kinds == kind
        return float(commit[m].mean()) if m.any() else float("nan")

    sel = ans & commit
    return Scores(
        float(commit[ans].mean()) if ans.any() else 0.0,
        float(f1[sel].mean()) if sel.any() else 0.0,
        float(shown[ans].mean()) if ans.any() else 0.0,
        rate("swap"),
        rate("wrong"),
        int(ans.sum()),
    )


def choose_threshold(rows: list[Row], p: np.ndarray, setting: str) -> float:
    """The highest threshold at which the inner folds commit on at least the setting's
    TRAIN_COVERAGE of the answerable questions."""
    fits = [t for t in GRID if score(rows, p, t).coverage >= TRAIN_COVERAGE[setting]]
    return max(fits) if fits else GRID[0]


def risk_coverage(rows: Sequence[Row], p: np.ndarray) -> list[tuple[float, float, float]]:
    """At each coverage of the answerable questions: the F1 of the most confident ones,
    and the share of name-swapped questions at least as confident (false commits)."""
    ans = [i for i, r in enumerate(rows) if r.kind == "answerable"]
    order = sorted(ans, key=lambda i: -p[i])
    swaps = np.array([p[i] for i, r in enumerate(rows) if r.kind == "swap"])
    out = []
    for c in COVERAGES:
        k = round(c * len(ans))
        top = order[:k]
        cut = p[top[-1]] if top else 1.0
        f1 = float(np.mean([rows[i].f1 for i in top])) if top else 0.0
        out.append((c, f1, float((swaps >= max(cut, 1e-9)).mean()) if len(swaps) else 0.0))
    return out
