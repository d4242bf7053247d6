"""Kill -9 of one process during an import loses nothing committed; the other keeps serving.

Two processes on one PostgreSQL database: a real ``newsbot --db postgresql://... import``
subprocess, SIGKILLed (with the workers it spawned) once its first batch is committed,
and this test's own NewsDesk on the same database, which adds articles and answers
``ask``/``search``/``recent``/``get`` the whole time, before and after the kill.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import asyncpg
import pytest

from bot.app.desk import NewsDesk
from tests.harness.crash import (
    check_store,
    kill_group,
    problems,
    run_import,
    start_import,
    wait_for_articles,
    write_jsonl,
)
from tests.harness.load import LoadReport, run_load
from tests.harness.postgres import require_postgres, scratch_database

LINES = 1000  # four CLI batches of 250: the kill lands after the first commit, before the end
GUILD = 4_815_162_342  # the import's articles, apart from the ones the serving desk adds


def served(report: LoadReport) -> tuple[int, int]:
    return sum(report.reads.values()), report.adds["ok"]


@pytest.mark.timeout(90)
async def test_kill_import_on_postgres_loses_nothing_and_the_other_process_serves(
    tmp_path: Path,
) -> None:
    async with scratch_database(require_postgres()) as url:
        await (await NewsDesk.open(url)).close()  # migrated before either process starts
        jsonl = tmp_path / "articles.jsonl"
        total = write_jsonl(jsonl, LINES, seed=4)

        live, stop = LoadReport(), asyncio.Event()
        serving = asyncio.create_task(
            run_load(
                url,
                writers=2,
                readers=3,
                seconds=80,
                seed=9,
                writer_offset=500,
                audit=False,
                report=live,
                stop=stop,
            )
        )
        proc = start_import(url, jsonl, guild=GUILD)
        try:
            first = await asyncio.to_thread(wait_for_articles, url, proc, 40, guild=GUILD)
        finally:
            await asyncio.to_thread(kill_group, proc)
        at_kill = served(live)
        await asyncio.sleep(1.5)  # the other process goes on serving after the kill
        stop.set()
        await serving

        assert first > 0, "the import committed nothing before it was killed"
        assert proc.returncode in (-signal.SIGKILL, 0)
        assert live.errors == []
        reads, adds = served(live)
        assert at_kill[0] > 0 and at_kill[1] > 0, "nothing was served during the import"
        assert reads > at_kill[0] and adds > at_kill[1], "serving stopped with the kill"

        after_kill = await asyncio.to_thread(check_store, url, guild=GUILD)
        assert problems(after_kill) == []
        stored = int(after_kill["articles"])  # type: ignore[call-overload]
        assert 0 < stored < total  # killed part-way: the re-run has work left
        assert stored % 250 == 0 or stored == total  # whole batches: one transaction each

        # Whole through the app too: a committed article gets its summary when first
        # shown, and `search` finds it by its title, in its guild.
        conn = await asyncpg.connect(url)
        try:
            sample = [
                row["id"]
                for row in await conn.fetch(
                    "SELECT id FROM articles WHERE guild_id = $1 ORDER BY random() LIMIT 8", GUILD
                )
            ]
        finally:
            await conn.close()
        desk = await NewsDesk.open(url)
        try:
            for article_id in sample:
                article = await desk.get(article_id, GUILD)
                assert await desk.summary(article)
                hits = await desk.search(article.title, GUILD)
                assert article_id in {hit.article_id for hit in hits}, article.title
        finally:
            await desk.close()

        summary = await asyncio.to_thread(run_import, url, jsonl, 60, guild=GUILD)
        final = await asyncio.to_thread(check_store, url, guild=GUILD)
        assert problems(final) == []
        assert final["articles"] == total
        assert summary.startswith(f"added {total - stored}, duplicates {stored}, failed 0")
