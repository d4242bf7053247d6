"""Developing stories (issue 23): does the newest version of a story answer?

Made at run time from NewsQA dev (../shared/eval/newsqa-dev.jsonl; nothing is copied
into the repository). Every dev question whose gold answer is a figure the story states
becomes a developing story: the story as it is, dated day 0, and UPDATES updates, each a
day later, in which that figure has risen (new figures drawn with a fixed seed, never a
number the story already holds) and an opening line says it is an update. All dev
stories and every update are stored in one shuffled order, then each question is asked
through the desk, as the bot asks it (no time in the question).

Measured:
- newest: the answer holds the newest figure, of the committed answers and of those
  that name one of the story's figures (the rest answer something else; target >= 95%);
- older bold: the answer holds an older figure (target <= 2%, counted over every question);
and recall@1 of the unchanged dev set (every dev story, no updates), the answer's
article being the question's story.

Run: ``.venv/bin/python -m bench.developing [--limit N] [--seed 7] [--shared DIR]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import DEFAULT_SHARED, Item, load, print_table

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk

UPDATES = 2
DAY0 = date(2026, 11, 2)
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_DATE_WORDS = re.compile(
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|\b(?:19|20)\d\d\b",
    re.IGNORECASE,
)
OPENINGS = (
    "Updated on {day}: the figures below have changed since the first report.",
    "This story was updated on {day} with new figures.",
    "Update, {day}: officials gave new figures.",
)


@dataclass(frozen=True)
class Story:
    item: Item
    figures: tuple[str, ...]  # oldest first; the last is the newest
    texts: tuple[str, ...]  # one per version, oldest first


def _number(figure: str) -> float:
    return float(figure.replace(",", ""))


def _written(n: float, like: str) -> str:
    places = len(like.partition(".")[2])
    text = f"{n:,.{places}f}" if "," in like else f"{n:.{places}f}"
    return text


def developing(texts: list[str], items: list[Item], rng: random.Random) -> list[Story]:
    """A developing story per dev question whose gold answer is a figure its story
    states (the first question per story)."""
    out: list[Story] = []
    used: set[int] = set()
    for it in items:
        found = _FIGURE.search(it.gold)
        if it.article_index in used or found is None or _DATE_WORDS.search(it.gold):
            continue
        gold = found.group().rstrip(",")
        text = texts[it.article_index]
        pattern = re.compile(rf"(?<![\d,.]){re.escape(gold)}(?![\d,]|\.\d)")
        if not pattern.search(text):
            continue
        held = {m.group().rstrip(",") for m in _FIGURE.finditer(text)}
        figures = [gold]
        n = _number(gold)
        step = 10 ** -len(gold.partition(".")[2])
        for _ in range(UPDATES):
            n = max(n + step, round(n * rng.uniform(1.2, 2.5), 6))
            while _written(n, gold) in held or _written(n, gold) in figures:
                n += step
            figures.append(_written(n, gold))
        versions = [text]
        for k, figure in enumerate(figures[1:], start=1):
            day = (DAY0 + timedelta(days=k)).strftime("%-d %B")
            opening = rng.choice(OPENINGS).format(day=day)
            versions.append(opening + " " + pattern.sub(figure, text))
        used.add(it.article_index)
        out.append(Story(it, tuple(figures), tuple(versions)))
    return out


def _holds(answer: str | None, figure: str) -> bool:
    if not answer:
        return False
    found = {m.group().rstrip(",").replace(",", "") for m in _FIGURE.finditer(answer)}
    return figure.replace(",", "") in found


async def store_developing(
    desk: NewsDesk, texts: list[str], stories: list[Story], rng: random.Random, day0: date
) -> None:
    """Every dev story, the chosen ones as their dated versions (day0, then a day apart),
    added in one shuffled order, so ids say nothing of which version is newer."""
    from news.domain import NewArticle
    from news.text import first_sentence

    base = {s.item.article_index for s in stories}
    rows: list[NewArticle] = [
        NewArticle(title=first_sentence(t) or "untitled", text=t)
        for i, t in enumerate(texts)
        if i not in base
    ]
    for s in stories:
        for k, text in enumerate(s.texts):
            title = first_sentence(s.texts[0]) or "untitled"
            if k:
                title = f"{title} (updated)"
            rows.append(NewArticle(title=title, text=text, published=day0 + timedelta(days=k)))
    rng.shuffle(rows)
    for row in rows:
        await desk.store.add(row)


async def run(texts: list[str], items: list[Item], stories: list[Story], seed: int) -> None:
    from bot.app.desk import NewsDesk
    from news.domain import NewArticle
    from news.text import first_sentence

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        # The developing set: every dev story, with the updates of the chosen ones.
        desk = await NewsDesk.open(Path(tmp) / "developing.sqlite3")
        try:
            await store_developing(desk, texts, stories, rng, DAY0)
            committed = newest = older = 0
            t0 = time.perf_counter()
            for s in stories:
                ans = await desk.ask(s.item.question)
                if not ans.committed:
                    continue
                committed += 1
                newest += _holds(ans.answer, s.figures[-1])
                older += any(_holds(ans.answer, f) for f in s.figures[:-1])
            ms = 1000 * (time.perf_counter() - t0) / max(len(stories), 1)
        finally:
            await desk.close()
        # The unchanged dev set: recall@1 of the answer's (or first passage's) article.
        desk = await NewsDesk.open(Path(tmp) / "unchanged.sqlite3")
        try:
            ids = [
                (
                    await desk.store.add(NewArticle(title=first_sentence(t) or "untitled", text=t))
                ).article.id
                for t in texts
            ]
            hits = 0
            for it in items:
                ans = await desk.ask(it.question)
                # As bench.qa_eval counts it: the committed answer's article, else the
                # engine's best guess's.
                guess = ans.guess
                got = ans.article_id if ans.committed else (guess.article_id if guess else None)
                hits += got == ids[it.article_index]
        finally:
            await desk.close()
    n = len(stories)
    print_table(
        f"{n} developing stories ({UPDATES} updates each) among {len(texts)} dev stories",
        ["measure", "value"],
        [
            ["questions answered (committed)", f"{committed}/{n}"],
            ["newest figure answers (of committed)", f"{newest / max(committed, 1):.3f}"],
            [
                "newest figure answers (of answers naming a figure of the story)",
                f"{newest / max(newest + older, 1):.3f} ({newest}/{newest + older})",
            ],
            ["older figure in bold (of all asked)", f"{older / max(n, 1):.3f}"],
            ["older figure in bold (of committed)", f"{older / max(committed, 1):.3f}"],
            ["recall@1, unchanged dev set", f"{hits / max(len(items), 1):.3f}"],
            ["ms per developing question", f"{ms:.1f}"],
        ],
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="dev questions read")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = ap.parse_args(argv)
    texts, items = load(args.shared, args.limit)
    stories = developing(texts, items, random.Random(args.seed))
    asyncio.run(run(texts, items, stories, args.seed))


if __name__ == "__main__":
    main()
