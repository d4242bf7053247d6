"""Fit the answer engine's span-scoring weights on NewsQA dev, with cross-validation.

For every dev question (article given) the engine's own candidate spans are
generated with their features; each is labelled by its token F1 against the gold
answer. A linear listwise ranker (softmax over a question's candidates, target
spread over the best-F1 candidates, L2-regularised, Adam) is fitted with 5-fold
cross-validation grouped by article; the cross-validated F1 of the top-ranked span
is reported next to the hand-set weights and the candidate oracle. The final fit
on all questions is written to ``news/answer_weights.py``.

Run: ``.venv/bin/python -m bench.fit_answer [--write] [--shared DIR]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench.qa_eval import DEFAULT_SHARED, load, token_f1
from news import answer as engine
from news.answer import FEATURES, Passage

WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "news" / "answer_weights.py"


def build(shared: Path) -> tuple[list[np.ndarray], list[np.ndarray], list[int]]:
    texts, items = load(shared, None)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    groups: list[int] = []
    for it in items:
        pool = engine._pool(it.question, [Passage(it.article_index, "", texts[it.article_index])])
        if not pool.cands:
            xs.append(np.zeros((0, len(FEATURES))))
            ys.append(np.zeros(0))
        else:
            x = np.array(
                [engine.expand_features(c.feats, pool.info.form) for c in pool.cands],
                dtype=np.float64,
            )
            y = np.array(
                [
                    token_f1(
                        engine._cand_text(pool.info, pool.top[c.sent_index].sentence, c), it.gold
                    )
                    for c in pool.cands
                ]
            )
            xs.append(x)
            ys.append(y)
        groups.append(it.article_index)
    return xs, ys, groups


def fit(
    xs: list[np.ndarray], ys: list[np.ndarray], *, l2: float = 1e-3, steps: int = 400
) -> np.ndarray:
    d = len(FEATURES)
    w = np.zeros(d)
    m = np.zeros(d)
    v = np.zeros(d)
    data = []
    for x, y in zip(xs, ys, strict=True):
        if len(y) == 0 or y.max() <= 0:
            continue
        target = y**4
        data.append((x, target / target.sum()))
    lr, b1, b2 = 0.05, 0.9, 0.999
    for step in range(1, steps + 1):
        grad = l2 * w
        for x, p in data:
            s = x @ w
            s -= s.max()
            e = np.exp(s)
            q = e / e.sum()
            grad += x.T @ (q - p) / len(data)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + 1e-8)
    return w


def picked_f1(w: np.ndarray, xs: list[np.ndarray], ys: list[np.ndarray]) -> float:
    total = 0.0
    for x, y in zip(xs, ys, strict=True):
        if len(y):
            total += float(y[int(np.argmax(x @ w))])
    return 100 * total / len(xs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--write", action="store_true", help="write news/answer_weights.py")
    args = ap.parse_args(argv)
    xs, ys, groups = build(args.shared)
    oracle = 100 * sum(float(y.max()) if len(y) else 0.0 for y in ys) / len(ys)
    hand = np.array([engine._HAND_WEIGHTS.get(f, 0.0) for f in FEATURES])
    print(f"{len(xs)} questions, {sum(len(y) for y in ys)} candidates, {len(FEATURES)} features")
    print(f"oracle F1 (best candidate)        {oracle:.1f}")
    print(f"hand weights F1 (all questions)   {picked_f1(hand, xs, ys):.1f}")
    rng = np.random.default_rng(0)
    articles = sorted(set(groups))
    fold_of = dict(zip(articles, rng.permutation(len(articles)) % args.folds, strict=True))
    scores = []
    for k in range(args.folds):
        tr = [i for i, g in enumerate(groups) if fold_of[g] != k]
        te = [i for i, g in enumerate(groups) if fold_of[g] == k]
        w = fit([xs[i] for i in tr], [ys[i] for i in tr], l2=args.l2)
        scores.append(picked_f1(w, [xs[i] for i in te], [ys[i] for i in te]))
    print(
        f"cross-validated F1 ({args.folds}-fold)     {np.mean(scores):.1f}"
        f"  (folds: {', '.join(f'{s:.1f}' for s in scores)})"
    )
    w = fit(xs, ys, l2=args.l2)
    print(f"fitted on all (train) F1          {picked_f1(w, xs, ys):.1f}")
    if args.write:
        lines = [
            '"""Span-scoring weights fitted by bench/fit_answer.py on NewsQA dev (do not edit)."""',
            "",
            f"# cross-validated F1 ({args.folds}-fold, grouped by article): {np.mean(scores):.1f}",
            "WEIGHTS: dict[str, float] = {",
            *[f'    "{name}": {value:.4f},' for name, value in zip(FEATURES, w, strict=True)],
            "}",
            "",
        ]
        WEIGHTS_FILE.write_text("\n".join(lines), encoding="utf-8")
        print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
