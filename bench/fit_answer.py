"""Fit the answer engine's sentence and span rankers on NewsQA dev, with cross-validation.

For every dev question (article given) the engine's heuristic shortlist of
sentences is taken with its sentence features (label: the sentence holds the gold
answer), and every shortlist sentence's candidate spans with their features
(label: token F1 against the gold answer). Two linear listwise rankers (softmax
over a question's rows, L2-regularised, Adam) are fitted in turn: the sentence
ranker, then the span ranker over the spans of the sentence ranker's best
fitting.TOP_SENTENCES sentences (its logit and rank are span features). The
engine's final choice (minimum Bayes risk for the forms in fitting.MBR_FORMS) is
scored. Both stages are refitted inside each of 5 folds grouped by article, so
the reported cross-validated F1 is out of sample end to end. The final fit on all
questions is written to ``news/weights/answer.json`` (with ``--write``).

The engine is reached only through :mod:`news.answer.fitting`.

Run: ``.venv/bin/python -m bench.fit_answer [--write] [--shared DIR] [--limit N]``
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import DEFAULT_SHARED, Item, load, normalize_answer, token_f1
from news.answer import Passage, fitting
from news.answer.fitting import FEATURES, SENT_FEATURES


@dataclass
class Question:
    """One dev question: its shortlist sentences and all their span candidates."""

    group: int
    sx: np.ndarray  # sentence features (shortlist x SENT_FEATURES)
    sy: np.ndarray  # 1 where the sentence holds the gold answer
    x: np.ndarray  # span features (candidates x FEATURES)
    y: np.ndarray  # token F1 of each candidate
    si: np.ndarray  # shortlist index of each candidate's sentence
    span: np.ndarray  # (start, end) token range of each candidate in its sentence
    form: str = "other"  # the question's form (fitting.FORMS)


def build(shared: Path, limit: int | None = None) -> list[Question]:
    texts, items = load(shared, limit)
    return build_questions(texts, items)


def build_questions(texts: Sequence[str], items: Sequence[Item]) -> list[Question]:
    """Every question's shortlist and span candidates (the article given)."""
    out: list[Question] = []
    for it in items:
        passage = Passage(it.article_index, "", texts[it.article_index])
        pool = fitting.candidate_pool(it.question, [passage], keep=fitting.SHORTLIST)
        gold = normalize_answer(it.gold)
        sx = np.array(pool.sent_feats, dtype=np.float64).reshape(-1, len(SENT_FEATURES))
        sy = np.array([float(gold in normalize_answer(sc.sentence.text)) for sc in pool.top])
        if pool.cands:
            x = np.array([fitting.full_features(pool, c) for c in pool.cands], dtype=np.float64)
            y = np.array([token_f1(fitting.answer_text(pool, c), it.gold) for c in pool.cands])
            si = np.array([c.sent_index for c in pool.cands])
            span = np.array([(c.start, c.end) for c in pool.cands])
        else:
            x, y = np.zeros((0, len(FEATURES))), np.zeros(0)
            si, span = np.zeros(0, dtype=int), np.zeros((0, 2), dtype=int)
        out.append(Question(it.article_index, sx, sy, x, y, si, span, pool.info.form))
    return out


def fit_listwise(
    data: list[tuple[np.ndarray, np.ndarray]], d: int, *, l2: float, steps: int = 400
) -> np.ndarray:
    """Softmax over each list's rows towards the target distribution, L2, Adam."""
    w = np.zeros(d)
    m = np.zeros(d)
    v = np.zeros(d)
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


def fit_sentences(qs: list[Question], *, l2: float) -> np.ndarray:
    data = []
    for q in qs:
        if len(q.sy) and q.sy.max() > 0:
            data.append((q.sx, q.sy / q.sy.sum()))
    return fit_listwise(data, len(SENT_FEATURES), l2=l2)


_SENT = FEATURES.index("sent")
_RANK0 = FEATURES.index("rank0")


@dataclass
class Kept:
    """The candidates the span ranker sees once the sentence ranker has chosen."""

    x: np.ndarray
    y: np.ndarray
    si: np.ndarray
    span: np.ndarray
    gold_rank: int  # fitted rank of the first gold-holding sentence (-1: none)
    form: str


def restrict(q: Question, sw: np.ndarray) -> Kept:
    """The candidates of the best fitting.TOP_SENTENCES sentences under sentence
    weights ``sw``, with their sentence-dependent features filled in."""
    if not len(q.sy):
        return Kept(q.x, q.y, q.si, q.span, -1, q.form)
    logits = q.sx @ sw
    order = np.argsort(-logits, kind="stable")
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    gold_rank = int(rank[q.sy > 0].min()) if q.sy.max() > 0 else -1
    if not len(q.y):
        return Kept(q.x, q.y, q.si, q.span, gold_rank, q.form)
    keep = rank[q.si] < fitting.TOP_SENTENCES
    x = q.x[keep].copy()
    r = rank[q.si][keep]
    x[:, _SENT] = logits[q.si][keep] - logits.max()
    x[:, _RANK0 : _RANK0 + 3] = 0.0
    for k in range(3):
        x[r == k, _RANK0 + k] = 1.0
    return Kept(x, q.y[keep], r, q.span[keep], gold_rank, q.form)


def mbr_pick(scores: np.ndarray, si: np.ndarray, span: np.ndarray) -> int:
    """The engine's minimum-Bayes-risk choice (news.answer.choose.mbr_pick), vectorised."""
    top = np.argsort(-scores, kind="stable")[: fitting.MBR_TOP]
    p = np.exp((scores[top] - scores[top[0]]) / fitting.MBR_TEMPERATURE)
    st, en, se = span[top, 0], span[top, 1], si[top]
    overlap = np.minimum(en[:, None], en[None, :]) - np.maximum(st[:, None], st[None, :])
    same = se[:, None] == se[None, :]
    lengths = (en - st)[:, None] + (en - st)[None, :]
    sim = np.where(same & (overlap > 0), 2 * overlap / lengths, 0.0)
    return int(top[int(np.argmax(sim @ p))])


def fit(xs: list[np.ndarray], ys: list[np.ndarray], *, l2: float) -> np.ndarray:
    data = []
    for x, y in zip(xs, ys, strict=True):
        if len(y) == 0 or y.max() <= 0:
            continue
        target = y**4
        data.append((x, target / target.sum()))
    return fit_listwise(data, len(FEATURES), l2=l2)


def picked_f1(w: np.ndarray, kept: list[Kept]) -> float:
    total = 0.0
    for k in kept:
        if len(k.y):
            s = k.x @ w
            pick = mbr_pick(s, k.si, k.span) if k.form in fitting.MBR_FORMS else int(np.argmax(s))
            total += float(k.y[pick])
    return 100 * total / len(kept)


def fit_both(qs: list[Question], *, l2: float, sl2: float) -> tuple[np.ndarray, np.ndarray]:
    sw = fit_sentences(qs, l2=sl2)
    kept = [restrict(q, sw) for q in qs]
    return sw, fit([k.x for k in kept], [k.y for k in kept], l2=l2)


def evaluate(qs: list[Question], sw: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """Picked F1, share of gold sentences ranked first, and oracle F1 over kept spans."""
    kept = [restrict(q, sw) for q in qs]
    top1 = sum(k.gold_rank == 0 for k in kept)
    oracle = 100 * sum(float(k.y.max()) if len(k.y) else 0.0 for k in kept) / len(kept)
    return picked_f1(w, kept), 100 * top1 / len(qs), oracle


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=1e-2)
    ap.add_argument("--sl2", type=float, default=1e-3, help="L2 of the sentence ranker")
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions")
    ap.add_argument("--write", action="store_true", help="write news/weights/answer.json")
    args = ap.parse_args(argv)
    qs = build(args.shared, args.limit)
    n_cands = sum(len(q.y) for q in qs)
    print(f"{len(qs)} questions, {n_cands} shortlist candidates, {len(FEATURES)} span features")
    rng = np.random.default_rng(0)
    articles = sorted({q.group for q in qs})
    fold_of = dict(zip(articles, rng.permutation(len(articles)) % args.folds, strict=True))
    scores, firsts, oracles = [], [], []
    for k in range(args.folds):
        tr = [q for q in qs if fold_of[q.group] != k]
        te = [q for q in qs if fold_of[q.group] == k]
        sw, w = fit_both(tr, l2=args.l2, sl2=args.sl2)
        f1, first, orc = evaluate(te, sw, w)
        scores.append(f1)
        firsts.append(first)
        oracles.append(orc)
    print(
        f"cross-validated F1 ({args.folds}-fold)     {np.mean(scores):.1f}"
        f"  (folds: {', '.join(f'{s:.1f}' for s in scores)})"
    )
    print(f"cross-validated gold sentence first  {np.mean(firsts):.1f}%")
    print(f"cross-validated oracle (kept spans)  {np.mean(oracles):.1f}")
    sw, w = fit_both(qs, l2=args.l2, sl2=args.sl2)
    f1, first, orc = evaluate(qs, sw, w)
    print(f"fitted on all (train) F1          {f1:.1f}  (gold sentence first {first:.1f}%)")
    if args.write:
        path = fitting.save_fitted(
            dict(zip(FEATURES, w, strict=True)),
            dict(zip(SENT_FEATURES, sw, strict=True)),
            fitted_by="bench/fit_answer.py",
            data="NewsQA dev",
            folds=args.folds,
            cv_f1=float(f"{np.mean(scores):.1f}"),
        )
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
