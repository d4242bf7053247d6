"""Benchmark the extractive summarizer against Lead-3 on SummEval dev.

Run as ``.venv/bin/python -m bench.summary_eval [--shared DIR] [--cv]``.

Reads ``shared/eval/summeval-dev.jsonl`` (100 CNN/DailyMail articles) at run
time; nothing from it is stored in the repository.  Scores ROUGE-1/2/Lsum F1
(``rouge-score`` with stemming) against ``references[0]``.  For Lsum both the
system output and the reference are split into sentences (``news.text``) and
joined with newlines, which is what Lsum expects; without splitting the
reference, Lsum degenerates to a single-sentence LCS.

Rows: Lead-3 (first three sentences, no length budget: the usual baseline),
a TextRank-like baseline (cosine graph + PageRank), and newsbot's
``summarize`` with its defaults (3 sentences, <= 600 chars).

``--cv`` also reports a 5-fold cross-validated score for the small weight grid
the defaults were picked from, so the tuned number can be checked for
overfitting to these 100 articles.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

from news.summarize import DEFAULT_WEIGHTS, Weights, summarize
from news.text import split_sentences, words

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
METRICS = ("rouge1", "rouge2", "rougeLsum")

Summarizer = Callable[[str], list[str]]

# The grid the defaults came from; caption_penalty is a product rule, not tuned.
GRID: dict[str, Sequence[float]] = {
    "position_decay": (0.2, 0.35, 0.6, 1.0),
    "length_weight": (0.0, 0.15, 0.3),
    "midthought_penalty": (0.0, 0.25, 0.5, 1.0),
}


def load(shared: Path) -> list[dict[str, object]]:
    path = shared / "eval" / "summeval-dev.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def lead3(text: str) -> list[str]:
    return split_sentences(text)[:3]


def textrank(text: str, k: int = 3) -> list[str]:
    """Plain TextRank: cosine similarity of word counts, PageRank, top k in order."""
    sentences = split_sentences(text)
    if len(sentences) <= k:
        return sentences
    bags = [Counter(w.casefold() for w in words(s)) for s in sentences]
    norms = [math.sqrt(sum(v * v for v in bag.values())) or 1.0 for bag in bags]
    n = len(sentences)
    sim = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            dot = sum(c * bags[j].get(w, 0) for w, c in bags[i].items())
            sim[i, j] = sim[j, i] = dot / (norms[i] * norms[j])
    rows = sim.sum(axis=1, keepdims=True)
    rows[rows == 0] = 1.0
    transition = sim / rows
    rank = np.full(n, 1.0 / n)
    for _ in range(50):
        rank = 0.15 / n + 0.85 * transition.T @ rank
    top = sorted(np.argsort(-rank)[:k].tolist())
    return [sentences[i] for i in top]


def score_all(
    scorer: rouge_scorer.RougeScorer,
    articles: list[dict[str, object]],
    system: Summarizer,
) -> tuple[list[tuple[float, float, float]], list[float]]:
    """Per-article (R1, R2, RLsum) F1 and per-article wall time in ms."""
    scores: list[tuple[float, float, float]] = []
    times: list[float] = []
    for article in articles:
        text = str(article["text"])
        refs = article["references"]
        assert isinstance(refs, list)
        start = time.perf_counter()
        summary = system(text)
        times.append((time.perf_counter() - start) * 1000)
        reference = "\n".join(split_sentences(str(refs[0])))
        result = scorer.score(reference, "\n".join(summary))
        r1, r2, rl = (result[m].fmeasure for m in METRICS)
        scores.append((r1, r2, rl))
    return scores, times


def mean3(scores: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    return (
        100 * statistics.fmean(s[0] for s in scores),
        100 * statistics.fmean(s[1] for s in scores),
        100 * statistics.fmean(s[2] for s in scores),
    )


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def table(rows: list[tuple[str, tuple[float, float, float], float, float]]) -> str:
    header = f"{'system':<22}{'R1':>7}{'R2':>7}{'RLsum':>8}{'ms mean':>10}{'ms p95':>9}"
    lines = [header, "-" * len(header)]
    for name, (r1, r2, rl), mean_ms, p95_ms in rows:
        lines.append(f"{name:<22}{r1:>7.1f}{r2:>7.1f}{rl:>8.1f}{mean_ms:>10.2f}{p95_ms:>9.2f}")
    return "\n".join(lines)


def cross_validate(
    scorer: rouge_scorer.RougeScorer, articles: list[dict[str, object]], folds: int = 5
) -> tuple[tuple[float, float, float], list[Weights]]:
    """Pick the best grid point (R1 + R2) on 4/5, score it on the held-out 1/5."""
    names = list(GRID)
    configs = [
        replace(DEFAULT_WEIGHTS, **dict(zip(names, values, strict=True)))
        for values in itertools.product(*GRID.values())
    ]
    per_config = []
    for weights in configs:
        scores, _ = score_all(scorer, articles, partial(summarize, weights=weights))
        per_config.append(scores)
    order = list(range(len(articles)))
    random.Random(0).shuffle(order)
    held_out: list[tuple[float, float, float]] = []
    chosen: list[Weights] = []
    for fold in range(folds):
        test = set(order[fold::folds])
        train = [i for i in order if i not in test]

        def train_score(c: int, train: list[int] = train) -> float:
            r1, r2, _ = mean3([per_config[c][i] for i in train])
            return r1 + r2

        best = max(range(len(configs)), key=train_score)
        chosen.append(configs[best])
        held_out.extend(per_config[best][i] for i in sorted(test))
    return mean3(held_out), chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--no-textrank", action="store_true", help="skip the slow baseline")
    parser.add_argument("--cv", action="store_true", help="also run 5-fold CV of the grid")
    args = parser.parse_args(argv)

    articles = load(args.shared)
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    systems: list[tuple[str, Summarizer]] = [("Lead-3", lead3)]
    if not args.no_textrank:
        systems.append(("TextRank-like", textrank))
    systems.append(("newsbot", summarize))

    summarize("warm up the regex caches. Second sentence here.")
    rows = []
    for name, system in systems:
        scores, times = score_all(scorer, articles, system)
        rows.append((name, mean3(scores), statistics.fmean(times), p95(times)))
    print(f"SummEval dev, {len(articles)} articles, F1 x100 vs references[0]")
    print(table(rows))

    if args.cv:
        (r1, r2, rl), chosen = cross_validate(scorer, articles)
        print(f"\nnewsbot 5-fold CV over {math.prod(len(v) for v in GRID.values())} grid points:")
        print(f"  R1 {r1:.1f}  R2 {r2:.1f}  RLsum {rl:.1f}")
        for i, weights in enumerate(chosen):
            picked = ", ".join(f"{k}={getattr(weights, k)}" for k in GRID)
            print(f"  fold {i}: {picked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
