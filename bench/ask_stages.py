"""Where an open ``/ask`` spends its time, stage by stage, on one store.

``python -m bench.ask_stages STORE [--rounds 3]`` runs the bench's 50 questions through
the desk's own steps, as ``AskCases.ask_read`` runs them for a question with no time in
it, and times each:

* ``search``: the staged search and reading the candidates (``timely_candidates``);
* ``counts``: the store's document counts of the question's words (cached after search);
* ``worker``: re-ranking and the answer engine in the desk's worker thread.

It prints the percentiles of each and the questions whose whole ask took longest, with
how they split. The store is opened as it is: FTS5 or Tantivy, whichever it uses
(``newsbot index use``).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import percentile, print_table
from bench.measure import QUESTIONS

STAGES = ("search", "counts", "worker", "total")


async def stage_times(store: Path, rounds: int) -> tuple[dict[str, list[float]], list[tuple]]:
    from bot.app.ask import _answer_open
    from bot.app.desk import NewsDesk

    desk = await NewsDesk.open(store)
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    slow: list[tuple] = []
    try:
        for question in QUESTIONS:  # warm the page cache and the code paths once
            await desk.ask(question)
        for _ in range(rounds):
            for question in QUESTIONS:
                t0 = time.perf_counter()
                candidates, stories, _, _ = await desk.timely_candidates(question, None, None)
                t1 = time.perf_counter()
                counts = await desk.store_counts(question)
                t2 = time.perf_counter()
                await desk.cpu.run(
                    _answer_open, question, candidates, counts, desk.answer_threshold, stories
                )
                t3 = time.perf_counter()
                for stage, ms in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
                    times[stage].append(ms * 1000)
                slow.append(((t3 - t0) * 1000, (t1 - t0) * 1000, (t3 - t2) * 1000, question))
    finally:
        await desk.close()
    return times, sorted(slow, reverse=True)[:5]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    times, slow = asyncio.run(stage_times(args.store, args.rounds))
    print_table(
        f"/ask by stage on {args.store.name} ({len(QUESTIONS)} questions x {args.rounds})",
        ["stage", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        [
            [stage, percentile(v, 50), percentile(v, 95), percentile(v, 99), max(v)]
            for stage, v in times.items()
        ],
    )
    print_table(
        "Slowest asks",
        ["total ms", "search ms", "worker ms", "question"],
        [list(row) for row in slow],
    )


if __name__ == "__main__":
    main()
