"""Write every answer, evidence, summary and digest the dev sets produce, to one file.

A refactor that must not change behaviour is checked by running this on both sides
and comparing the files (``cmp`` or ``diff``): the same inputs must give byte-identical
output. It reads ``../shared/eval/`` at run time and writes JSON lines:

- ``given``: each NewsQA question asked of its own article (the article given);
- ``open``: each question asked through :class:`bot.app.desk.NewsDesk` over a store that
  holds all 401 articles, added the way a moderator's paste is (cleaned, summarized);
- ``card``: the ``/ask`` embed the bot would send for each open answer;
- ``stored``: each stored article's cleaned title, body hash and summary;
- ``summary``: the summarizer's output for each SummEval article;
- ``digest``: the digest markdown and Discord messages over the stored articles.

Run: ``.venv/bin/python -m bench.snapshot OUT.jsonl [--shared DIR] [--limit N]
[--database-url URL]``. The open setting stores its articles in a fresh SQLite file, or,
with ``--database-url`` (an empty PostgreSQL database of a superuser's), in PostgreSQL,
so a refactor is checked on both backends.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_SHARED, load


def _answer(ans: Any) -> dict[str, Any]:
    return dataclasses.asdict(ans)


def _lines(kind: str, rows: list[dict[str, Any]]) -> list[str]:
    return [json.dumps({"kind": kind, **row}, ensure_ascii=False, sort_keys=True) for row in rows]


def given(texts: list[str], items: list[Any]) -> list[str]:
    from news.answer import Passage, answer_question

    rows = []
    for it in items:
        ans = answer_question(it.question, [Passage(it.article_index, "", texts[it.article_index])])
        rows.append({"q": it.question, **_answer(ans)})
    return _lines("given", rows)


async def open_setting(
    texts: list[str], items: list[Any], database_url: str | None = None
) -> list[str]:
    from bot import render
    from bot.app.desk import NewsDesk
    from news.text import first_sentence

    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        desk = await NewsDesk.open(database_url or Path(tmp) / "snapshot.sqlite3")
        try:
            stored = []
            for text in texts:
                result = await desk.add_text(text, title=first_sentence(text) or "untitled")
                a = result.article
                stored.append(
                    {
                        "id": a.id,
                        "title": a.title,
                        "body_sha": hashlib.sha256(a.text.encode()).hexdigest(),
                        "summary": list(a.summary or ()),
                        "duplicate": result.duplicate,
                    }
                )
            out += _lines("stored", stored)
            answers, cards = [], []
            for it in items:
                ans = await desk.ask(it.question)
                answers.append({"q": it.question, **_answer(ans)})
                cards.append({"q": it.question, "embed": await _card(render, desk, ans)})
            out += _lines("open", answers) + _lines("card", cards)
            out += await _digest(desk)
        finally:
            await desk.close()
    return out


async def _card(render: Any, desk: Any, ans: Any) -> dict[str, Any]:
    """The /ask reply as cogs/ask.py builds it: the bold answer with "See also", or the
    passages card; the closest-articles fallback is left out (it is a search)."""
    if ans.committed:
        cited = await desk.get(ans.article_id, None)
        others = [i for i in ans.related if i != ans.article_id][: render.SEE_ALSO_LIMIT]
        see_also = [await desk.get(i, None) for i in others]
        data: dict[str, Any] = render.answer_embed(ans, cited, see_also).to_dict()
        return data
    if ans.passages:
        quotes = [(q, await desk.get(q.article_id, None)) for q in ans.passages]
        passages: dict[str, Any] = render.passages_embed(ans.question, quotes).to_dict()
        return passages
    return {}


async def _digest(desk: Any) -> list[str]:
    from bot import digest

    # Every article was added moments ago: a window from the epoch holds them all, and
    # the build time is pinned so the rendered window sentence does not move.
    since = datetime(2000, 1, 1, tzinfo=UTC)
    now = datetime(2100, 1, 1, tzinfo=UTC)
    built = await digest.build_digest(desk, None, since, 10, now=now)
    messages = [
        {"content": m.content, "embeds": [e.to_dict() for e in m.embeds]}
        for m in digest.render_messages(built)
    ]
    row = {
        "ids": [a.id for a in built.articles],
        "more": built.more,
        "markdown": digest.render_markdown(built),
        "messages": messages,
    }
    return _lines("digest", [row])


def summaries(shared: Path, limit: int | None) -> list[str]:
    from news.summarize import summarize

    rows = []
    with (shared / "eval" / "summeval-dev.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                break
            row = json.loads(line)
            rows.append({"id": row["id"], "summary": summarize(row["text"])})
    return _lines("summary", rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--limit", type=int, default=None, help="questions (and summaries) to take")
    ap.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = ap.parse_args(argv)
    texts, items = load(args.shared, args.limit)
    steps: list[tuple[str, Callable[[], list[str]]]] = [
        ("given", lambda: given(texts, items)),
        ("open", lambda: asyncio.run(open_setting(texts, items, args.database_url))),
        ("summary", lambda: summaries(args.shared, args.limit)),
    ]
    lines: list[str] = []
    for name, step in steps:
        got = step()
        print(f"{name}: {len(got)} lines")
        lines += got
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]
    print(f"wrote {len(lines)} lines to {args.out} (sha256 {digest})")


if __name__ == "__main__":
    main()
