"""Open-setting retrieval diagnostic on NewsQA dev: recall@1/5/10 without answering.

Stores every dev article (first sentence as title, as bench.qa_eval does) in a
temporary SQLite store, then compares query builders and bm25 title weights, and
fits the re-ranking mix of news/retrieval.py (coordinate ascent over a grid) with
5-fold cross-validation grouped by article: no article's questions are in both the
fitting and the scoring folds.

Run: ``.venv/bin/python -m bench.retrieval_eval [--shared DIR] [--pools 20]
[--title-weights 2] [--skip-grid]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.qa_eval import DEFAULT_SHARED, Item, load
from news import retrieval
from news.answer import question_terms
from storage.articles import fts_query

Query = Callable[[str], str | None]
Table = Sequence[Sequence[retrieval.Ranked]]


def _phrase_query(question: str) -> str | None:
    terms = retrieval.search_terms(question)
    if not terms:
        return None
    parts = [f'"{t}"' for t in terms]
    parts += [f'"{a} {b}"' for a, b in retrieval.search_phrases(question)]
    return " OR ".join(parts)


QUERIES: dict[str, Query] = {
    "question_terms": lambda q: fts_query(question_terms(q), any_term=True),
    "search_terms": lambda q: fts_query(retrieval.search_terms(q), any_term=True),
    "search_terms+phrases": _phrase_query,
}


async def build(texts: Sequence[str], path: Path) -> list[int]:
    from news.text import first_sentence
    from storage.articles import ArticleStore, NewArticle
    from storage.db import open_database

    db = await open_database(path)
    try:
        store = ArticleStore(db)
        outcomes = await store.add_many(
            NewArticle(title=first_sentence(t) or "untitled", text=t) for t in texts
        )
        return [o.article.id for o in outcomes]
    finally:
        await db.close()


def top_k(
    conn: sqlite3.Connection, query: str | None, title_w: float, k: int
) -> list[tuple[int, float]]:
    if query is None:
        return []
    rows = conn.execute(
        f"SELECT rowid, bm25(articles_fts, {title_w}, 1.0) AS r FROM articles_fts"
        " WHERE articles_fts MATCH ? ORDER BY r LIMIT ?",
        (query, k),
    ).fetchall()
    return [(int(r[0]), -float(r[1])) for r in rows]


def recall(ranks: Sequence[int | None], k: int) -> float:
    return statistics.fmean(1.0 if r is not None and r < k else 0.0 for r in ranks)


def folds(items: Sequence[Item], n: int = 5, seed: int = 13) -> list[int]:
    arts = sorted({it.article_index for it in items})
    random.Random(seed).shuffle(arts)
    fold_of = {a: i % n for i, a in enumerate(arts)}
    return [fold_of[it.article_index] for it in items]


# ------------------------------------------------------------------ fitting the mix

GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def _score(r: retrieval.Ranked, w: dict[str, float]) -> float:
    return r.features["bm25"] + sum(v * r.features.get(k, 0.0) for k, v in w.items())


def recall_at(
    table: Table, gold: Sequence[int], idx: Sequence[int], w: dict[str, float], k: int
) -> float:
    hit = 0
    for i in idx:
        order = sorted(table[i], key=lambda r: -_score(r, w))
        hit += gold[i] in [r.article_id for r in order[:k]]
    return hit / max(1, len(idx))


def fit(
    table: Table, gold: Sequence[int], idx: Sequence[int], names: Sequence[str]
) -> dict[str, float]:
    """Coordinate ascent on recall@1 (bm25's weight fixed at 1)."""
    w = dict.fromkeys(names, 0.0)
    best = recall_at(table, gold, idx, w, 1)
    for _ in range(3):
        improved = False
        for name in names:
            for v in GRID:
                trial = {**w, name: v}
                r = recall_at(table, gold, idx, trial, 1)
                if r > best + 1e-9:
                    best, w, improved = r, trial, True
        if not improved:
            break
    return {k: v for k, v in w.items() if v}


def report_fit(
    label: str, table: Table, gold: Sequence[int], fold: Sequence[int], names: Sequence[str]
) -> None:
    every = list(range(len(gold)))
    w_all = fit(table, gold, every, names)
    hits = 0.0
    for f in sorted(set(fold)):
        train = [i for i, x in enumerate(fold) if x != f]
        test = [i for i, x in enumerate(fold) if x == f]
        hits += recall_at(table, gold, test, fit(table, gold, train, names), 1) * len(test)
    print(
        f"{label:<40} bm25 R@1 {recall_at(table, gold, every, {}, 1):.3f}"
        f" R@5 {recall_at(table, gold, every, {}, 5):.3f}"
        f" | fit R@1 {recall_at(table, gold, every, w_all, 1):.3f}"
        f" R@5 {recall_at(table, gold, every, w_all, 5):.3f}"
        f" | CV R@1 {hits / len(gold):.3f} | {w_all}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--pools", type=int, nargs="+", default=[20])
    ap.add_argument("--title-weights", type=float, nargs="+", default=[2.0])
    ap.add_argument(
        "--features", nargs="+", default=["win1", "win2", "win3", "lead3", "lead6", "doc"]
    )
    ap.add_argument("--queries", nargs="+", default=["search_terms", "search_terms+phrases"])
    ap.add_argument("--skip-grid", action="store_true")
    args = ap.parse_args(argv)
    texts, items = load(args.shared, None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "retrieval.sqlite3"
        ids = asyncio.run(build(texts, path))
        conn = sqlite3.connect(path)
        gold = [ids[it.article_index] for it in items]
        titles = dict(conn.execute("SELECT id, title FROM articles").fetchall())
        bodies = dict(conn.execute("SELECT id, body FROM articles").fetchall())
        print(f"{len(items)} questions, {len(texts)} articles")

        if not args.skip_grid:
            print(f"{'query':<22} {'title_w':>7} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'R@20':>6}")
            for qname, build_q in QUERIES.items():
                for tw in (10.0, 4.0, 3.0, 2.0, 1.0):
                    ranks: list[int | None] = []
                    for it, g in zip(items, gold, strict=True):
                        got = [i for i, _ in top_k(conn, build_q(it.question), tw, 20)]
                        ranks.append(got.index(g) if g in got else None)
                    print(
                        f"{qname:<22} {tw:>7g} {recall(ranks, 1):6.3f} {recall(ranks, 5):6.3f}"
                        f" {recall(ranks, 10):6.3f} {recall(ranks, 20):6.3f}"
                    )

        fold = folds(items)
        for qname in args.queries:
            for tw in args.title_weights:
                for pool in args.pools:
                    table = []
                    for it in items:
                        hs = top_k(conn, QUERIES[qname](it.question), tw, pool)
                        cands = [retrieval.Candidate(i, titles[i], bodies[i], s) for i, s in hs]
                        table.append(retrieval.rerank(it.question, cands, weights={}))
                    report_fit(f"{qname} tw={tw:g} pool={pool}", table, gold, fold, args.features)

        # Latency of the re-ranking itself (warm sentence cache, as in a running bot).
        pool = max(args.pools)
        cand_lists = [
            [
                retrieval.Candidate(i, titles[i], bodies[i], s)
                for i, s in top_k(conn, QUERIES["search_terms"](it.question), 2.0, pool)
            ]
            for it in items
        ]
        for cl, it in zip(cand_lists, items, strict=True):
            retrieval.rerank(it.question, cl)
        times = []
        for cl, it in zip(cand_lists, items, strict=True):
            t0 = time.perf_counter()
            retrieval.rerank(it.question, cl)
            times.append(1000 * (time.perf_counter() - t0))
        times.sort()
        print(
            f"\nrerank of {pool} candidates: p50 {times[len(times) // 2]:.2f} ms,"
            f" p95 {times[int(0.95 * len(times))]:.2f} ms (warm cache)"
        )


if __name__ == "__main__":
    main()
