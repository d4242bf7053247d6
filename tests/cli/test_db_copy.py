"""``newsbot db copy --to URL`` end to end: a real SQLite file, a real PostgreSQL, the click
command as a person runs it. The URL's password never reaches the screen."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from news.domain import NewArticle
from storage.backend import open_stores
from tests.harness.postgres import drop_database, fresh_database, require_postgres

PASSWORD = "Tide-Chart-4417"
STORIES = [
    ("Swimming club opens at dawn", "The sea swimming club now meets at six on weekdays."),
    ("Market moves indoors", "The Saturday market moves into the old grain store for winter."),
    ("New bus route to the station", "A bus will link the harbour and the station every hour."),
]


def with_password(url: str, password: str = PASSWORD) -> str:
    """``url`` carrying a password (the test server trusts local users and ignores it)."""
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return parts._replace(netloc=netloc).geturl()


@pytest.fixture
def target() -> Iterator[str]:
    base = require_postgres()
    url = asyncio.run(fresh_database(base))
    yield url
    asyncio.run(drop_database(base, url))


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "desk.db"

    async def build() -> None:
        stores = await open_stores(path)
        try:
            await stores.articles.add_many([NewArticle(title=t, text=x) for t, x in STORIES])
            await stores.guilds.set_mod_role(4100, 4200)
        finally:
            await stores.close()

    asyncio.run(build())
    return path


def run(*args: str, to: str | None = None, typed: str | None = None) -> Result:
    """The command as a person runs it; ``to`` is NEWSBOT_COPY_TO, ``typed`` what they type
    at the prompt."""
    env = {"NEWSBOT_COPY_TO": to}
    return CliRunner().invoke(cli, list(args), env=env, input=typed, catch_exceptions=False)


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert PASSWORD not in result.output
    return lines[0]


def test_copy_then_run_again(source, target, tmp_path):
    elsewhere = str(tmp_path / "unused.db")
    # The command's own --db names the file, whatever the group's --db says.
    first = run("--db", elsewhere, "db", "copy", "--db", str(source), to=with_password(target))
    assert first.exit_code == 0, first.output
    assert PASSWORD not in first.output
    assert "articles 3/3" in first.stderr and "guild_settings 1/1" in first.stderr
    assert "articles: 3 copied, 0 already there (3 in the target)" in first.stdout
    assert "every count matches" in first.stdout
    assert urlsplit(target).path.lstrip("/") in first.stdout  # the database is named
    assert not Path(elsewhere).exists()

    async def titles() -> list[tuple[int, str]]:
        stores = await open_stores(target)
        try:
            found = await stores.articles.recent(None, all_scopes=True, limit=10)
            return sorted((a.id, a.title) for a in found)
        finally:
            await stores.close()

    assert asyncio.run(titles()) == [(n + 1, t) for n, (t, _) in enumerate(STORIES)]

    # The group's --db is the default source; without NEWSBOT_COPY_TO the URL is asked for,
    # and what is typed is not echoed.
    again = run("--db", str(source), "db", "copy", "--batch", "2", typed=with_password(target))
    assert again.exit_code == 0, again.output
    assert "PostgreSQL URL to copy into" in again.output and PASSWORD not in again.output
    assert "articles: 0 copied, 3 already there (3 in the target)" in again.stdout
    assert asyncio.run(titles()) == [(n + 1, t) for n, (t, _) in enumerate(STORIES)]


def test_a_malformed_url_is_one_line(source):
    bad = f"postgresql://newsbot:{PASSWORD}@127.0.0.1:harbour/news"
    line = one_error_line(run("db", "copy", "--db", str(source), to=bad))
    assert line.startswith("Error: NEWSBOT_COPY_TO: ") and "port 'harbour' is not a number" in line


def test_an_unreachable_server_is_one_line(source):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://newsbot:{PASSWORD}@127.0.0.1:{port}/news"
    line = one_error_line(run("db", "copy", "--db", str(source), to=url))
    assert f"PostgreSQL at 127.0.0.1:{port}/news" in line and "Check the database URL" in line


def test_only_a_postgresql_url_is_taken(source, tmp_path):
    line = one_error_line(
        run("db", "copy", "--db", str(source), "--to", f"sqlite:///{tmp_path / 'x.db'}")
    )
    assert "--to takes a PostgreSQL URL" in line


def test_without_asyncpg_it_says_what_to_install(source, monkeypatch):
    monkeypatch.setitem(sys.modules, "storage.postgres.db", None)  # import fails as if absent
    url = f"postgresql://newsbot:{PASSWORD}@127.0.0.1:5432/news"
    line = one_error_line(run("db", "copy", "--db", str(source), to=url))
    assert "pip install 'newsbot[postgres]'" in line


def test_a_missing_file_is_one_line(tmp_path):
    url = f"postgresql://newsbot:{PASSWORD}@127.0.0.1:5432/news"
    line = one_error_line(run("db", "copy", "--db", str(tmp_path / "none.db"), to=url))
    assert "There is no database at" in line


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://newsbot:{PASSWORD}@127.0.0.1:5432/news",
        f"postgresql://newsbot@127.0.0.1:5432/news?password={PASSWORD}",
    ],
)
def test_a_password_on_the_command_line_is_refused(source, url, monkeypatch):
    # Refused before anything is opened: the copy never starts.
    monkeypatch.setitem(sys.modules, "storage.postgres.copy", None)
    line = one_error_line(run("db", "copy", "--db", str(source), "--to", url))
    assert "NEWSBOT_COPY_TO" in line and "process list" in line


def test_a_url_without_a_password_is_taken_on_the_command_line(source, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    line = one_error_line(
        run("db", "copy", "--db", str(source), "--to", f"postgresql://newsbot@127.0.0.1:{port}/n")
    )
    assert f"PostgreSQL at 127.0.0.1:{port}/n" in line
