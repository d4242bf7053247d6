"""The recency prior's strength (issue 23), fitted under cross-validation.

The developing-story set of :mod:`bench.developing` (made at run time from NewsQA dev,
../shared/eval/newsqa-dev.jsonl; nothing is copied into the repository) is stored once,
as that bench stores it, and each developing story's question is asked through the desk
once per strength of ``GRID`` (``NewsDesk.recency_strength``; the question names no time,
so the prior applies). Folds are grouped by story: a story, its updates and its question
are in one fold. On the training folds the strength with the highest newest-figure rate
(share of the questions whose answer holds the newest figure; ties: fewer older figures
in bold, then the weaker prior) is chosen and scored on the held-out fold. Printed: the
out-of-fold newest-figure and older-bold rates with the prior against without it (strength
0), the strength chosen on all folds (the one to ship), and recall@1 on the unchanged dev
set (every dev story, no dates, no updates) at strength 0 and at every strength tried.

Dates: bench.developing dates a story and its updates from DAY0 (2 November 2026) while
the other dev stories have none and count as added on the day the bench runs, so every
developing story is a month older than the stories around it. ``--day0 today`` dates
them instead so that the last update is today's: the prior then only tells a story's
versions apart, which is what it is for. Both are reported in bench/README.md.

Run: ``PYTHONPATH=. .venv/bin/python -m bench.recency_cv [--folds 5] [--seed 7]
[--day0 developing|today] [--limit N] [--shared DIR] [--skip-recall]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import DEFAULT_SHARED, Item, load, print_table
from bench.developing import DAY0, UPDATES, Story, _holds, developing, store_developing

GRID = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Outcome:
    committed: bool
    newest: bool
    older: bool


async def outcomes(
    texts: list[str], stories: list[Story], seed: int, grid: tuple[float, ...], day0: date
) -> list[dict[float, Outcome]]:
    """Per developing story, what its question's answer holds at each strength."""
    from bot.app.desk import NewsDesk

    rng = random.Random(seed)
    out: list[dict[float, Outcome]] = [{} for _ in stories]
    with tempfile.TemporaryDirectory() as tmp:
        desk = await NewsDesk.open(Path(tmp) / "developing.sqlite3")
        try:
            await store_developing(desk, texts, stories, rng, day0)
            for strength in grid:
                desk.recency_strength = strength
                for i, s in enumerate(stories):
                    ans = await desk.ask(s.item.question)
                    ok = ans.committed
                    out[i][strength] = Outcome(
                        ok,
                        ok and _holds(ans.answer, s.figures[-1]),
                        ok and any(_holds(ans.answer, f) for f in s.figures[:-1]),
                    )
        finally:
            await desk.close()
    return out


async def recall_at_1(texts: list[str], items: list[Item], grid: tuple[float, ...]) -> list[float]:
    """recall@1 on the unchanged dev set at each strength, counted as bench.developing
    counts it."""
    from bot.app.desk import NewsDesk
    from news.domain import NewArticle
    from news.text import first_sentence

    with tempfile.TemporaryDirectory() as tmp:
        desk = await NewsDesk.open(Path(tmp) / "unchanged.sqlite3")
        try:
            ids = [
                (
                    await desk.store.add(NewArticle(title=first_sentence(t) or "untitled", text=t))
                ).article.id
                for t in texts
            ]
            rates = []
            for strength in grid:
                desk.recency_strength = strength
                hits = 0
                for it in items:
                    ans = await desk.ask(it.question)
                    guess = ans.guess
                    got = ans.article_id if ans.committed else (guess.article_id if guess else None)
                    hits += got == ids[it.article_index]
                rates.append(hits / max(len(items), 1))
        finally:
            await desk.close()
    return rates


def _rates(rows: list[Outcome]) -> tuple[float, float]:
    n = max(len(rows), 1)
    return sum(r.newest for r in rows) / n, sum(r.older for r in rows) / n


def choose(table: list[dict[float, Outcome]], grid: tuple[float, ...]) -> float:
    """The strength with the best newest-figure rate over ``table``; ties: fewer older
    figures in bold, then the weaker prior."""

    def key(strength: float) -> tuple[float, float, float]:
        newest, older = _rates([t[strength] for t in table])
        return (-newest, older, strength)

    return min(grid, key=key)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--limit", type=int, default=None, help="dev questions read")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--day0", choices=("developing", "today"), default="developing")
    ap.add_argument("--skip-recall", action="store_true")
    args = ap.parse_args(argv)
    texts, items = load(args.shared, args.limit)
    stories = developing(texts, items, random.Random(args.seed))
    today = datetime.now(UTC).date()
    day0 = DAY0 if args.day0 == "developing" else today - timedelta(days=UPDATES)
    print(f"developing stories dated from {day0}, the other dev stories added {today}")
    table = asyncio.run(outcomes(texts, stories, args.seed, GRID, day0))

    # Grouped folds: one row per developing story (its versions are one group).
    order = list(range(len(stories)))
    random.Random(args.seed).shuffle(order)
    folds = [order[k :: args.folds] for k in range(args.folds)]
    with_prior: list[Outcome] = []
    without: list[Outcome] = []
    per_fold = []
    for k, held in enumerate(folds):
        held_set = set(held)
        train = [table[i] for i in order if i not in held_set]
        strength = choose(train, GRID)
        with_prior += [table[i][strength] for i in held]
        without += [table[i][0.0] for i in held]
        newest, older = _rates([table[i][strength] for i in held])
        per_fold.append([str(k + 1), f"{strength:g}", f"{newest:.3f}", f"{older:.3f}"])
    print_table(
        f"Per fold ({args.folds} folds grouped by story, {len(stories)} stories)",
        ["fold", "strength chosen on the others", "newest figure", "older bold"],
        per_fold,
    )
    rows = []
    for name, got in (("without the prior (0)", without), ("with the prior (CV)", with_prior)):
        newest, older = _rates(got)
        named = sum(r.newest for r in got) + sum(r.older for r in got)
        rows.append(
            [
                name,
                f"{newest:.3f}",
                f"{sum(r.newest for r in got) / max(named, 1):.3f}",
                f"{older:.3f}",
                f"{sum(r.committed for r in got)}/{len(got)}",
            ]
        )
    print_table(
        "Out of fold",
        ["", "newest figure (of all)", "newest (of naming a figure)", "older bold", "committed"],
        rows,
    )
    print_table(
        "Every strength on all stories (in-sample)",
        ["strength", "newest figure", "older bold"],
        [[f"{s:g}", *(f"{v:.3f}" for v in _rates([t[s] for t in table]))] for s in GRID],
    )
    print(f"\nchosen on all folds: {choose(table, GRID):g}")
    if not args.skip_recall:
        rates = asyncio.run(recall_at_1(texts, items, GRID))
        print_table(
            "recall@1, unchanged dev set",
            ["strength", "recall@1"],
            [[f"{s:g}", f"{r:.3f}"] for s, r in zip(GRID, rates, strict=True)],
        )


if __name__ == "__main__":
    main()
