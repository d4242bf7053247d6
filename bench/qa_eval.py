"""Benchmark the answer engine on NewsQA dev (../shared/eval/newsqa-dev.jsonl).

Two settings: the article given (one Passage), and open (all articles stored in a
temporary store, the question asked through the desk). Prints, overall and per
question type, the engine's best guess scored whether or not it commits (EM / token F1
with SQuAD normalisation, its sentence holding the gold answer, the article it comes
from: recall@1, the gold answer inside what the card shows), how often it does not
commit, and latency; then ``bench.trust_eval``'s nested cross-validation: the
risk-coverage tables and false commits on unanswerable questions (SQLite only).

The open setting's store is a temporary SQLite file, or with ``--backend postgres`` a
fresh database on the server ``bench.pg`` finds (``--database-url``, else
NEWSBOT_TEST_DATABASE_URL, else a throwaway cluster), dropped afterwards.

Run: ``.venv/bin/python -m bench.qa_eval [--limit N] [--shared DIR]
[--backend sqlite|postgres] [--database-url URL] [--skip-given] [--skip-confidence]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import DEFAULT_SHARED, Item, exact_match, load, normalize_answer, token_f1
from news.answer import Answer, Passage, answer_question

# ------------------------------------------------------------------ results


@dataclass
class Row:
    em: list[float] = field(default_factory=list)
    f1: list[float] = field(default_factory=list)
    evid: list[float] = field(default_factory=list)
    r1: list[float] = field(default_factory=list)
    abst: list[float] = field(default_factory=list)
    shown: list[float] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)

    def add(self, ans: Answer, gold: str, gold_article: int | None, ms: float) -> None:
        guess = ans.guess
        text = ans.answer if ans.committed else (guess.text if guess else None)
        evidence = ans.evidence if ans.committed else (guess.evidence if guess else None)
        got = ans.article_id if ans.committed else (guess.article_id if guess else None)
        self.em.append(exact_match(text, gold))
        self.f1.append(token_f1(text, gold))
        ev = normalize_answer(evidence or "")
        self.evid.append(float(bool(ev) and normalize_answer(gold) in ev))
        if gold_article is not None:
            self.r1.append(float(got == gold_article))
        self.abst.append(float(not ans.committed))
        # What the card shows: the answer and its passages (the evidence leads them).
        g = normalize_answer(gold)
        shown = [ans.answer or "", *(q.text for q in ans.passages)]
        self.shown.append(float(bool(g) and any(g in normalize_answer(t) for t in shown)))
        self.ms.append(ms)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _mean(values: Iterable[float]) -> float:
    vals = list(values)
    return statistics.fmean(vals) if vals else 0.0


def print_table(title: str, rows: dict[str, Row]) -> None:
    head = ("type", "n", "EM", "F1", "evid", "R@1", "shown", "no commit", "p50ms", "p95ms")
    lines = [head]
    for name, r in rows.items():
        lines.append(
            (
                name,
                str(len(r.f1)),
                f"{100 * _mean(r.em):.1f}",
                f"{100 * _mean(r.f1):.1f}",
                f"{_mean(r.evid):.3f}",
                f"{_mean(r.r1):.3f}" if r.r1 else "-",
                f"{_mean(r.shown):.3f}",
                f"{_mean(r.abst):.3f}",
                f"{_pct(r.ms, 0.5):.2f}",
                f"{_pct(r.ms, 0.95):.2f}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    print(f"\n== {title}")
    for k, line in enumerate(lines):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if k == 0:
            print("  ".join("-" * w for w in widths))


def _rows() -> dict[str, Row]:
    return defaultdict(Row)


def _finish(rows: dict[str, Row]) -> dict[str, Row]:
    ordered = {"all": rows.pop("all")}
    ordered.update(sorted(rows.items()))
    return ordered


# ------------------------------------------------------------------ settings


def run_given(texts: list[str], items: list[Item]) -> dict[str, Row]:
    rows = _rows()
    for it in items:
        passage = Passage(it.article_index, "", texts[it.article_index])
        t0 = time.perf_counter()
        ans = answer_question(it.question, [passage])
        ms = 1000 * (time.perf_counter() - t0)
        for key in ("all", ans.qtype):
            rows[key].add(ans, it.gold, None, ms)
    return _finish(rows)


async def run_open(
    texts: list[str], items: list[Item], location: str | Path
) -> tuple[dict[str, Row], str]:
    """Store every article at ``location`` (a new SQLite file or an empty PostgreSQL
    database), then ask each question through the desk."""
    from bot.app.desk import NewsDesk
    from news.domain import NewArticle
    from news.text import first_sentence

    rows = _rows()
    desk = await NewsDesk.open(location)
    try:
        ids: list[int] = []
        for text in texts:
            outcome = await desk.store.add(
                NewArticle(title=first_sentence(text) or "untitled", text=text, guild_id=None)
            )
            ids.append(outcome.article.id)
        for it in items:
            t0 = time.perf_counter()
            # The desk's own ask: retrieval, re-ranking and answering, as the bot runs them.
            ans = await desk.ask(it.question, guild_id=None, article_id=None)
            ms = 1000 * (time.perf_counter() - t0)
            gold_id = ids[it.article_index]
            for key in ("all", ans.qtype):
                rows[key].add(ans, it.gold, gold_id, ms)
    finally:
        await desk.close()
    return _finish(rows), f"bot.app.desk.NewsDesk.ask on {type(desk.store).__name__}"


async def run_open_on(
    texts: list[str],
    items: list[Item],
    backend: str,
    database_url: str | None,
    index: str = "fts5",
) -> tuple[dict[str, Row], str]:
    """:func:`run_open` on a throwaway store of ``backend`` (on SQLite, searching with
    ``index``: fts5 or tantivy)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.sqlite3"
            if index != "fts5":
                from storage.db import open_database
                from storage.search_index import use

                db = await open_database(path)
                try:
                    await use(db, index)  # type: ignore[arg-type]
                finally:
                    await db.close()
            return await run_open(texts, items, path)
    from bench import pg

    with pg.server(database_url) as base:
        async with pg.scratch(base, "qa") as url:
            return await run_open(texts, items, url)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--skip-open", action="store_true")
    ap.add_argument("--skip-given", action="store_true")
    ap.add_argument("--skip-confidence", action="store_true", help="no risk-coverage tables")
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--database-url", help="a PostgreSQL server to make a database on")
    ap.add_argument(
        "--index", choices=("fts5", "tantivy"), default="fts5", help="SQLite's full-text index"
    )
    args = ap.parse_args(argv)
    texts, items = load(args.shared, args.limit)
    print(f"{len(items)} questions over {len(texts)} articles")
    if not args.skip_given:
        print_table("article given", run_given(texts, items))
    if not args.skip_open:
        rows, how = asyncio.run(
            run_open_on(texts, items, args.backend, args.database_url, args.index)
        )
        print_table(f"open (all {len(texts)} articles stored; via {how})", rows)
    if not args.skip_open and not args.skip_confidence:
        # What /ask commits to, with every weight, the confidence and the threshold
        # fitted inside the training folds, beside the false commits on questions the
        # articles cannot answer (the in-sample figures above flatter the engine).
        from bench import trust_eval

        trust_eval.main(["--shared", str(args.shared)])


if __name__ == "__main__":
    main()
