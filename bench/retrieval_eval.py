"""Open-setting retrieval diagnostic on NewsQA dev: recall@1/5 without answering.

Stores every dev article (first sentence as title, as bench.qa_eval does) in a
temporary SQLite store, optionally compares query builders and bm25 title weights,
then takes the candidates the desk takes (``news.search.StagedSearch`` with the
question's words and phrases, ``retrieval.FETCH`` of them, near-duplicates collapsed
to ``retrieval.POOL`` distinct stories by ``retrieval.distinct``) and fits the re-ranking mix
of news/retrieval.py: listwise logistic regression over the features named by
``--features`` (any of ``retrieval.FEATURES``), scored by 5-fold cross-validation
grouped by article (no article's questions are in both the fitting and the scoring
folds). The weights printed are fitted on every question; ``--write`` saves those of
the first pool and L2 to news/weights/retrieval.json with the CV figure, which is
what the bot loads at start-up. Recall@1 is given strictly (the very article the
question was written on) and copy-aware (a stored near-duplicate of it counts too:
the two are one story); the CV figure saved is the strict one. The cost of the
re-ranking per question (near-duplicate collapse included) is timed in CPU ms with
a cold cache (as at 100k articles, where the cache rarely hits) and a warm one, next
to the bm25-top-POOL path without collapse. ``--self-check`` checks the fitter on a
synthetic table (no data needed) and exits.

Run: ``.venv/bin/python -m bench.retrieval_eval [--shared DIR] [--limit N]
[--pools 10 20] [--fetch 14] [--no-collapse] [--features bm25 win1 ...] [--l2 1e-3]
[--skip-grid] [--write]``
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.common import DEFAULT_SHARED, Item, load
from news import retrieval, weights
from news.search import Hit, StagedSearch
from storage.articles import fts_query

Query = Callable[[str], str | None]
Table = Sequence[Sequence[retrieval.Ranked]]
Copies = dict[int, frozenset[int]]


def _phrase_query(question: str) -> str | None:
    terms = retrieval.search_terms(question)
    if not terms:
        return None
    parts = [f'"{t}"' for t in terms]
    parts += [f'"{a} {b}"' for a, b in retrieval.search_phrases(question)]
    return " OR ".join(parts)


QUERIES: dict[str, Query] = {
    "search_terms": lambda q: fts_query(retrieval.search_terms(q), any_term=True),
    "search_terms+phrases": _phrase_query,
}


async def build(texts: Sequence[str], path: Path) -> list[int]:
    from news.domain import NewArticle
    from news.text import first_sentence
    from storage.articles import ArticleStore
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

METHOD = (
    "listwise logistic regression (softmax over a question's candidates, the"
    " asked-about story the target), 5-fold CV grouped by article"
)


def _score(r: retrieval.Ranked, w: dict[str, float]) -> float:
    return sum(v * r.features.get(k, 0.0) for k, v in w.items())


def recall_at(
    table: Table,
    gold: Sequence[int],
    idx: Sequence[int],
    w: dict[str, float],
    k: int,
    copies: Copies | None = None,
) -> float:
    """Share of questions whose story is among the top ``k``; with ``copies`` (each
    article's stored near-duplicates, itself included) a copy of it counts too."""
    hit = 0
    for i in idx:
        order = sorted(table[i], key=lambda r: -_score(r, w))
        right = copies[gold[i]] if copies is not None else {gold[i]}
        hit += any(r.article_id in right for r in order[:k])
    return hit / max(1, len(idx))


def fit(
    table: Table,
    gold: Sequence[int],
    idx: Sequence[int],
    names: Sequence[str],
    *,
    l2: float = 1e-3,
    steps: int = 300,
    rate: float = 5.0,
) -> dict[str, float]:
    """Listwise logistic regression: softmax over each question's candidates, the gold
    story the target, L2-penalised, by plain gradient descent (the loss is convex).
    Questions whose story is not among the candidates teach nothing and are skipped."""
    rows: list[tuple[list[list[float]], int]] = []
    for i in idx:
        ids = [r.article_id for r in table[i]]
        if gold[i] in ids:
            xs = [[r.features.get(n, 0.0) for n in names] for r in table[i]]
            rows.append((xs, ids.index(gold[i])))
    w = [0.0] * len(names)
    if not rows:
        return {}
    dims = range(len(names))
    for _ in range(steps):
        grad = [l2 * v * len(rows) for v in w]
        for xs, g in rows:
            scores = [sum(a * b for a, b in zip(x, w, strict=True)) for x in xs]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            z = sum(exps)
            for x, e in zip(xs, exps, strict=True):
                p = e / z
                for d in dims:
                    grad[d] += p * x[d]
            for d in dims:
                grad[d] -= xs[g][d]
        w = [v - rate * gv / len(rows) for v, gv in zip(w, grad, strict=True)]
    return {n: round(v, 2) for n, v in zip(names, w, strict=True) if abs(v) >= 0.005}


def cross_validate(
    table: Table,
    gold: Sequence[int],
    fold: Sequence[int],
    names: Sequence[str],
    l2: float = 1e-3,
    copies: Copies | None = None,
) -> float:
    """recall@1 of weights fitted without the scored fold (folds grouped by article)."""
    hits = 0.0
    for f in sorted(set(fold)):
        train = [i for i, x in enumerate(fold) if x != f]
        test = [i for i, x in enumerate(fold) if x == f]
        w = fit(table, gold, train, names, l2=l2)
        hits += recall_at(table, gold, test, w, 1, copies) * len(test)
    return hits / len(gold)


def report_fit(
    label: str,
    table: Table,
    gold: Sequence[int],
    fold: Sequence[int],
    names: Sequence[str],
    l2: float,
    copies: Copies,
) -> tuple[dict[str, float], dict[str, float]]:
    """Fit on every question, print recall@1/5 and the CV figure (strict, then
    copy-aware); return the weights and the strict figures (for the weights file's
    record of how they were fitted)."""
    every = list(range(len(gold)))
    w_all = fit(table, gold, every, names, l2=l2)
    figures = {
        "bm25_recall_at_1": recall_at(table, gold, every, {"bm25": 1.0}, 1),
        "fit_recall_at_1": recall_at(table, gold, every, w_all, 1),
        "cv_recall_at_1": cross_validate(table, gold, fold, names, l2),
    }
    in_pool = recall_at(table, gold, every, {}, 10**6)
    in_pool_copy = recall_at(table, gold, every, {}, 10**6, copies)
    cv_copy = cross_validate(table, gold, fold, names, l2, copies)
    print(
        f"{label:<28} in pool {in_pool:.3f} (copy-aware {in_pool_copy:.3f})"
        f" | bm25 R@1 {figures['bm25_recall_at_1']:.3f}"
        f" | shipped R@1 {recall_at(table, gold, every, retrieval.WEIGHTS, 1):.3f}"
        f" | fit R@1 {figures['fit_recall_at_1']:.3f}"
        f" R@5 {recall_at(table, gold, every, w_all, 5):.3f}"
        f" | CV R@1 strict {figures['cv_recall_at_1']:.3f} copy-aware {cv_copy:.3f}"
        f"\n    {w_all}"
    )
    return w_all, {k: round(v, 3) for k, v in figures.items()}


def self_check() -> None:
    """The fitter finds the feature that marks the asked-about story and ignores noise."""
    table: list[list[retrieval.Ranked]] = []
    gold: list[int] = []
    for q in range(40):
        table.append(
            [
                retrieval.Ranked(
                    10 * q + k, 0.0, {"good": float(k == q % 3), "noise": float((k + q) % 2)}
                )
                for k in range(3)
            ]
        )
        gold.append(10 * q + q % 3)
    every = list(range(len(gold)))
    w = fit(table, gold, every, ["good", "noise"], steps=100)
    checks = {
        "the marking feature gets a large weight": w.get("good", 0.0) > 1.0,
        "noise weighs less than it": abs(w.get("noise", 0.0)) < w.get("good", 0.0),
        "the fitted mix finds every story": recall_at(table, gold, every, w, 1) == 1.0,
        "cross-validation finds every story": cross_validate(
            table, gold, [i % 5 for i in every], ["good", "noise"]
        )
        == 1.0,
    }
    for what, ok in checks.items():
        print(f"{'ok ' if ok else 'FAIL'} {what}")
    if not all(checks.values()):
        raise SystemExit(f"self-check failed: {w}")


async def desk_pools(
    path: Path, questions: Sequence[str], pool: int
) -> tuple[list[list[Hit]], list[retrieval.StoreCounts]]:
    """The bm25 candidates the desk asks the store for, ``pool`` of them per question,
    and the store's counts of each question's words (the desk's ``store_counts``)."""
    from storage.articles import ArticleStore
    from storage.db import open_database

    db = await open_database(path)
    try:
        search = StagedSearch(ArticleStore(db))
        hits: list[list[Hit]] = []
        counts: list[retrieval.StoreCounts] = []
        for q in questions:
            terms = retrieval.search_terms(q)
            hits.append(
                await search.candidates(
                    terms, None, limit=pool, phrases=retrieval.search_phrases(q)
                )
            )
            counts.append(retrieval.StoreCounts(*await search.word_counts(terms)))
        return hits, counts
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions")
    ap.add_argument("--pools", type=int, nargs="+", default=[retrieval.POOL])
    ap.add_argument(
        "--features", nargs="+", choices=retrieval.FEATURES, default=list(retrieval.FEATURES)
    )
    ap.add_argument("--fetch", type=int, default=retrieval.FETCH, help="bm25 hits before collapse")
    ap.add_argument(
        "--no-collapse",
        dest="collapse",
        action="store_false",
        help="re-rank bm25's top POOL as they come, near-duplicates and all",
    )
    ap.add_argument("--l2", type=float, nargs="+", default=[1e-3])
    ap.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[13],
        help="seeds of the CV folds; the first one's figure is the one written",
    )
    ap.add_argument("--skip-grid", action="store_true")
    ap.add_argument(
        "--write",
        action="store_true",
        help="save the weights of the first pool and L2 to news/weights/retrieval.json",
    )
    ap.add_argument("--self-check", action="store_true", help="check the fitter and exit")
    args = ap.parse_args(argv)
    if args.self_check:
        self_check()
        return
    texts, items = load(args.shared, args.limit)
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

        fold = folds(items, seed=args.seeds[0])
        questions = [it.question for it in items]
        copies = stored_copies(bodies)
        print(f"near-duplicate pairs in the store: {sum(len(c) - 1 for c in copies.values()) // 2}")
        pools: dict[int, list[list[retrieval.Candidate]]] = {}
        for pool in args.pools:
            fetch = max(pool, args.fetch) if args.collapse else pool
            hits, counts = asyncio.run(desk_pools(path, questions, fetch))
            pools[pool] = [
                _pool(
                    [
                        retrieval.Candidate(
                            h.article_id, titles[h.article_id], bodies[h.article_id], h.score
                        )
                        for h in hs
                    ],
                    pool,
                    args.collapse,
                )
                for hs in hits
            ]
            table = [
                retrieval.rerank(q, cands, weights={}, counts=n)
                for q, cands, n in zip(questions, pools[pool], counts, strict=True)
            ]
            label = f"desk pool={pool}" + (f" fetch={fetch} collapsed" if args.collapse else "")
            for l2 in args.l2:
                w_all, figures = report_fit(
                    f"{label} l2={l2:g}", table, gold, fold, args.features, l2, copies
                )
                for seed in args.seeds[1:]:
                    other = folds(items, seed=seed)
                    strict = cross_validate(table, gold, other, args.features, l2)
                    aware = cross_validate(table, gold, other, args.features, l2, copies)
                    print(
                        f"    folds seed {seed}: CV R@1 strict {strict:.3f} copy-aware {aware:.3f}"
                    )
                if args.write and pool == args.pools[0] and l2 == args.l2[0]:
                    path = weights.save(
                        "retrieval",
                        w_all,
                        fitter="bench/retrieval_eval.py",
                        method=METHOD,
                        dev_set="NewsQA dev",
                        questions=len(items),
                        pool=pool,
                        fetch=fetch,
                        near_duplicates_collapsed=args.collapse,
                        l2=l2,
                        **figures,
                    )
                    print(f"    wrote {path}")

        # Cost per question of what runs on the worker before answering: the collapse
        # and re-ranking of the desk's pool (bm25 top POOL without collapse, for
        # comparison). CPU time, so a loaded machine inflates it less than wall time.
        pool = args.pools[0]
        plain, counts = asyncio.run(desk_pools(path, questions, pool))
        wide, _ = asyncio.run(desk_pools(path, questions, max(pool, args.fetch)))

        def cands(hs: Sequence[Hit]) -> list[retrieval.Candidate]:
            return [
                retrieval.Candidate(
                    h.article_id, titles[h.article_id], bodies[h.article_id], h.score
                )
                for h in hs
            ]

        paths = {
            f"bm25 top {pool}": (plain, lambda q, c, n: retrieval.rerank(q, c, counts=n)),
            f"fetch {max(pool, args.fetch)}, collapse to {pool}": (
                wide,
                lambda q, c, n: retrieval.rerank(q, retrieval.distinct(c, pool), counts=n),
            ),
        }
        for name, (hs_of, run) in paths.items():
            lists = [cands(hs) for hs in hs_of]
            for cache in ("cold", "warm"):
                times = []
                for q, cl, n in zip(questions, lists, counts, strict=True):
                    if cache == "cold":
                        retrieval.clear_caches()
                    t0 = time.process_time()
                    run(q, cl, n)
                    times.append(1000 * (time.process_time() - t0))
                times.sort()
                print(
                    f"{name:<28} {cache} cache: p50 {times[len(times) // 2]:.2f} ms,"
                    f" p95 {times[int(0.95 * len(times))]:.2f} ms CPU per question"
                )


def _pool(
    candidates: list[retrieval.Candidate], pool: int, collapse: bool
) -> list[retrieval.Candidate]:
    return retrieval.distinct(candidates, pool) if collapse else candidates[:pool]


def stored_copies(bodies: dict[int, str]) -> Copies:
    """Each stored article's near-duplicates by retrieval's own test, itself included."""
    ids = sorted(bodies)
    sets = {i: retrieval.opening_shingles(bodies[i]) for i in ids}
    out = {i: {i} for i in ids}
    for k, a in enumerate(ids):
        for b in ids[k + 1 :]:
            if retrieval.same_story(sets[a], sets[b]):
                out[a].add(b)
                out[b].add(a)
    return {i: frozenset(c) for i, c in out.items()}


if __name__ == "__main__":
    main()
