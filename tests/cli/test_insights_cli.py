"""``newsbot insights`` and ``newsbot feedback export`` (issue 23): the same report as
/newsbot insights, per guild or for one; the votes as labelled rows with no member in
them; hostile text comes out as data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from news.domain import Outcome
from storage.backend import open_stores

GUILD, OTHER = 1001, 1002


@pytest.fixture
def runner(tmp_path, monkeypatch) -> Iterator[tuple[CliRunner, Path]]:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "NEWSBOT_DB", "NEWSBOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    yield CliRunner(), tmp_path / "cli.db"


def invoke(runner: tuple[CliRunner, Path], *args: str):
    cli_runner, db = runner
    return cli_runner.invoke(cli, ["--db", str(db), *args])


def fill(db: Path) -> None:
    async def work() -> None:
        stores = await open_stores(db)
        now = datetime.now(UTC)
        try:
            ins = stores.insights
            asked = await ins.record(
                GUILD,
                question="Who runs Brightline?",
                outcome=Outcome.ANSWERED,
                answer="Laura Menendez",
                evidence="Laura Menendez runs Brightline.",
                article_id=1,
                confidence=0.7,
                reader="offline",
                now=now,
            )
            for q in ("When does the ferry strike end?", 'Ferry "strike" {"label": 1}?'):
                await ins.record(
                    GUILD,
                    question=q,
                    outcome=Outcome.NOT_FOUND,
                    answer=None,
                    evidence=None,
                    article_id=None,
                    confidence=0.1,
                    reader="offline",
                    now=now,
                )
            await ins.record(
                OTHER,
                question="Old question",
                outcome=Outcome.NOT_FOUND,
                answer=None,
                evidence=None,
                article_id=None,
                confidence=0.0,
                reader="offline",
                now=now - timedelta(days=30),
            )
            await ins.vote(asked, GUILD, "a" * 64, -1, now=now)
            await ins.vote(asked, GUILD, "b" * 64, -1, now=now)
            assert await ins.vote(asked, OTHER, "c" * 64, 1, now=now) is None
        finally:
            await stores.close()

    asyncio.run(work())


def test_insights_print_each_guilds_week_and_json(runner) -> None:
    fill(runner[1])
    result = invoke(runner, "insights")
    assert result.exit_code == 0, result.output
    assert "Guild 1001: 3 questions since" in result.output
    assert "33% answered, 0% shown as passages, 67% not found." in result.output
    assert "  -2 +0  Who runs Brightline? -> Laura Menendez" in result.output
    assert "  1. ferry (2)" in result.output
    assert "Guild 1002: 0 questions" in result.output  # its one question is a month old

    result = invoke(runner, "insights", "--guild", str(GUILD), "--json")
    assert result.exit_code == 0, result.output
    (data,) = [json.loads(line) for line in result.output.splitlines()]
    assert data["questions"] == 3 and data["not_found"] == 2
    assert data["lowest_rated"] == [
        {
            "question": "Who runs Brightline?",
            "answer": "Laura Menendez",
            "article_id": 1,
            "up": 0,
            "down": 2,
        }
    ]
    assert data["unanswered"][0]["word"] == "ferry"
    assert 'Ferry "strike" {"label": 1}?' in data["unanswered"][0]["questions"]


def test_feedback_export_writes_labelled_rows_without_members(runner, tmp_path) -> None:
    fill(runner[1])
    out = tmp_path / "votes.jsonl"
    result = invoke(runner, "feedback", "export", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["guild"], r["label"], r["answer"]) for r in rows] == [
        (GUILD, 0, "Laura Menendez"),
        (GUILD, 0, "Laura Menendez"),
    ]
    assert rows[0]["confidence"] == 0.7 and rows[0]["question"] == "Who runs Brightline?"
    assert "aaaa" not in out.read_text() and "member" not in out.read_text()
    result = invoke(runner, "feedback", "export", "--guild", str(OTHER))
    assert result.exit_code == 0 and result.output == ""
