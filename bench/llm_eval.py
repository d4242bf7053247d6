"""Run the NewsQA dev set (../shared/eval/newsqa-dev.jsonl) through the model reader.

For whoever has an OpenAI-compatible server (Ollama, llama.cpp, vLLM, a hosted API):

    python -m bench.llm_eval --base-url http://localhost:11434/v1 --model llama3.1:8b

The API key, if the server wants one, is read from NEWSBOT_LLM_API_KEY (never from
the command line, where other users of the machine could read it). ``--fake`` runs
the fake server of tests/harness/fake_openai.py instead (a crude lexical stand-in
that quotes truly, with ``--fake-noise`` of its replies spoiled), to exercise the
plumbing without a model.

Each question goes through the same retrieval and offline engine as the bot, then
the model reader. Printed per setting (article given; open, all articles stored):
F1 and EM of what a member is shown, the offline engine's F1 alone, the share of
questions verified / not found / rejected / fallen back, how often the gold answer
was inside the context sent, the words sent, and the reader's latency p50/p95.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import DEFAULT_SHARED, Item, exact_match, load, token_f1
from news.answer import Passage, answer_question
from news.answer.model import ModelConfig, ModelReader, ReaderOutcome
from news.secret import Secret

STATUSES = ("verified", "not_found", "rejected", "fallback", "disputed")


@dataclass
class Tally:
    f1: list[float] = field(default_factory=list)
    em: list[float] = field(default_factory=list)
    offline_f1: list[float] = field(default_factory=list)
    verified_f1: list[float] = field(default_factory=list)  # the model's, where verified
    offline_on_verified: list[float] = field(default_factory=list)
    in_context: list[float] = field(default_factory=list)
    words: list[int] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    status: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def _mean(values: list[float] | list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


def _reason_kind(outcome: ReaderOutcome) -> str:
    # "quote is not in article #12" and "#40" are one kind of rejection.
    return " ".join(w for w in outcome.reason.split() if not w.startswith("#"))


Passages = Callable[[Item], Awaitable[list[Passage]]]


async def run(reader: ModelReader, items: list[Item], passages_for: Passages) -> Tally:
    t = Tally()
    for it in items:
        passages = await passages_for(it)
        offline = answer_question(it.question, passages)
        t0 = time.perf_counter()
        shown, outcome = await reader.read(it.question, passages, offline)
        t.ms.append(1000 * (time.perf_counter() - t0))
        t.f1.append(token_f1(shown.answer, it.gold))
        t.em.append(exact_match(shown.answer, it.gold))
        t.offline_f1.append(token_f1(offline.answer, it.gold))
        if outcome.status == "verified":
            t.verified_f1.append(t.f1[-1])
            t.offline_on_verified.append(t.offline_f1[-1])
        t.status[outcome.status] += 1
        if outcome.status in ("rejected", "fallback"):
            t.reasons[_reason_kind(outcome)] += 1
        if outcome.context is not None:
            t.in_context.append(float(outcome.context.contains(it.gold)))
            t.words.append(outcome.context.words)
    return t


def report(title: str, t: Tally) -> None:
    n = len(t.f1)
    print(f"\n== {title}: {n} questions")
    print(f"F1 shown {100 * _mean(t.f1):.1f}  EM {100 * _mean(t.em):.1f}")
    print(f"F1 offline engine alone {100 * _mean(t.offline_f1):.1f}")
    shares = "  ".join(f"{s} {t.status[s] / n:.3f}" for s in STATUSES) if n else "-"
    print(f"share: {shares}")
    if t.verified_f1:
        print(
            f"on verified answers: model F1 {100 * _mean(t.verified_f1):.1f}, "
            f"offline F1 {100 * _mean(t.offline_on_verified):.1f}"
        )
    print(f"gold answer inside the context sent: {_mean(t.in_context):.3f}")
    print(f"words sent: mean {_mean(t.words):.0f}, max {max(t.words, default=0)}")
    print(f"reader latency ms: p50 {_pct(t.ms, 0.5):.1f}  p95 {_pct(t.ms, 0.95):.1f}")
    for reason, count in t.reasons.most_common(6):
        print(f"  {count:4d}  {reason}")


async def open_setting(texts: list[str], stack: AsyncExitStack) -> Passages:
    """Every article stored; candidates as the desk finds them (bm25 in stages, then
    the re-ranking's best few)."""
    from bot.app.desk import NewsDesk
    from news import retrieval
    from news.domain import NewArticle
    from news.text import first_sentence
    from storage.backend import sqlite_stores
    from storage.db import open_database

    tmp = stack.enter_context(tempfile.TemporaryDirectory())
    db = await open_database(Path(tmp) / "bench.sqlite3")
    desk = NewsDesk(sqlite_stores(db))
    stack.push_async_callback(desk.close)
    await desk.store.add_many(
        NewArticle(title=first_sentence(text) or "untitled", text=text, guild_id=None)
        for text in texts
    )

    async def passages_for(it: Item) -> list[Passage]:
        # The desk's own candidates, re-ranked and handed over as the bot does.
        candidates = await desk.candidates(it.question, None)
        counts = await desk.store_counts(it.question)
        return retrieval.open_passages(it.question, candidates, counts)

    return passages_for


async def main_async(args: argparse.Namespace) -> None:
    texts, items = load(args.shared, args.limit)
    async with AsyncExitStack() as stack:
        base_url, model = args.base_url, args.model
        if args.fake:
            from tests.harness.fake_openai import FakeOpenAI, noisy

            fake = await stack.enter_async_context(FakeOpenAI(models=(model,)))
            fake.respond = noisy(args.fake_noise)
            base_url = fake.base_url
        key = os.environ.get("NEWSBOT_LLM_API_KEY") or None
        config = ModelConfig(
            base_url,
            model,
            api_key=Secret(key) if key else None,
            timeout=args.timeout,
            max_concurrency=args.concurrency,
            budget_words=args.budget,
        )
        reader = ModelReader(config)
        stack.push_async_callback(reader.close)
        check = await reader.check()
        print("\n".join(check.lines()))
        where = "the fake server" if args.fake else config.shown_url
        print(f"{len(items)} questions over {len(texts)} articles; {model} at {where}")

        async def given(it: Item) -> list[Passage]:
            return [Passage(it.article_index, "", texts[it.article_index], 1.0)]

        report("article given", await run(reader, items, given))
        if not args.skip_open:
            opened = await open_setting(texts, stack)
            report(f"open (all {len(texts)} articles stored)", await run(reader, items, opened))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base-url", default="http://localhost:11434/v1")
    ap.add_argument("--model", default="fake-model")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--budget", type=int, default=1500, help="words of passages sent")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--skip-open", action="store_true")
    ap.add_argument("--fake", action="store_true", help="run the fake server, not a model")
    ap.add_argument("--fake-noise", type=float, default=0.1)
    asyncio.run(main_async(ap.parse_args(argv)))


if __name__ == "__main__":
    main()
