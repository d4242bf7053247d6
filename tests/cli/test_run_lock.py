"""``newsbot run`` beside another: one bot per SQLite file, held by an OS lock that dies with
its process; and the run command's shard options and database URL, each mistake one line.

The bots here are real ``newsbot run`` processes, connected to the fake Discord of
tests/e2e (running on a loop in a thread of the test), so they stay up holding the lock.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from storage.db import AlreadyRunning, lock_path, runner_lock
from tests.e2e.fake_discord import TOKEN, FakeDiscord
from tests.harness.postgres import drop_database, fresh_database, require_postgres

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Never-Shown-5521"
# `newsbot ARGS` with discord.py pointed at the fake (what FakeDiscord.patch_client does
# in a test's own process), then the real command line.
LAUNCH = """
import sys, discord, yarl
port = sys.argv[1]
discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gw")
from bot.cli import main
sys.argv = ["newsbot", *sys.argv[2:]]
main()
"""
STORY = (
    "Lamplighters returned to the old quarter of Wexbury on Tuesday after a council vote.\n"
    "The council restored the evening rounds that ended in 1961, paying four lamplighters."
)


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "LOG_LEVEL"))}
    env.update(PYTHONPATH=str(ROOT), DISCORD_TOKEN=TOKEN, **extra)
    return env


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    """The fake Discord on a loop of its own: the bots are other processes."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeDiscord()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(5)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def start_bot(fake: FakeDiscord, db: Path, log_level: str = "WARNING") -> subprocess.Popen[str]:
    """A real ``newsbot --db DB run`` against the fake; returns once it holds the lock."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(fake.port), "--db", str(db), "run"],
        cwd=db.parent,
        env=child_env(LOG_LEVEL=log_level),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the bot stopped: {proc.communicate()[1]}")
        if lock_path(db).exists() and lock_path(db).read_text().strip() == str(proc.pid):
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the bot did not take the lock within a minute")


def newsbot(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line (not pointed at any Discord: a refused run never connects)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        input=stdin,
        cwd=db.parent,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.communicate()


def test_a_second_bot_on_one_sqlite_file_is_refused_until_the_first_dies(fake, tmp_path):
    db = tmp_path / "news.db"
    first = start_bot(fake, db)
    try:
        refused = newsbot(db, "run")
        assert refused.returncode == 1, refused.stderr
        assert refused.stderr.strip().splitlines() == [
            f"Cannot start: Another newsbot is already running on {db} (pid {first.pid}). "
            "One process per SQLite file; to run several, use PostgreSQL (README: Growing "
            "past one machine)."
        ]
        # The other commands share the file with the running bot.
        added = newsbot(db, "add", "-", stdin=STORY)
        assert added.returncode == 0 and "Stored #1" in added.stdout, added.stderr
        listed = newsbot(db, "list")
        assert listed.returncode == 0 and "Lamplighters returned" in listed.stdout

        # Killed outright, the holder leaves its pid in the file but no lock behind it.
        first.kill()
        first.wait()
        assert lock_path(db).read_text().strip() == str(first.pid)
        second = start_bot(fake, db)
        try:
            again = newsbot(db, "run")
            assert again.returncode == 1 and f"(pid {second.pid})" in again.stderr
        finally:
            stop(second)
    finally:
        stop(first)


def test_the_lock_is_the_operating_systems_not_the_pid_in_the_file(fake, tmp_path):
    # A holder that is not newsbot at all (flock on the same file, the way a bot takes it)
    # keeps the bot out; the file's text does not: a stale pid lets the next one in.
    db = tmp_path / "news.db"
    lock_path(db).write_text("999999\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a');"
            " fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(lock_path(db)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = newsbot(db, "run")
        assert refused.returncode == 1 and "(pid 999999)" in refused.stderr
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    # Nobody holds it now: the run gets past the lock, to Discord (which refuses its token).
    fake.fail("GET", "/users/@me", 401, body={"message": "401: Unauthorized", "code": 0})
    passed = subprocess.run(
        [sys.executable, "-c", LAUNCH, str(fake.port), "--db", str(db), "run"],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert passed.returncode == 1
    assert passed.stderr.strip().splitlines()[-1].startswith("Discord rejected DISCORD_TOKEN")


# -- the options, and the database URL --------------------------------------------------


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):
        if name == "LOG_LEVEL" or (name.startswith("NEWSBOT_") and "_TEST_" not in name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DISCORD_TOKEN", "not-used")
    return CliRunner()


def one_line(result, *needles: str) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "env", "needles"),
    [
        (["--shards", "0,1"], {}, ["--shards is set but --shard-count is not"]),
        (["--shards", "0,4", "--shard-count", "4"], {}, ["shard 4 is not below --shard-count"]),
        (["--shards", "2,2", "--shard-count", "4"], {}, ["shard 2 is listed twice"]),
        (["--shard-count", "0"], {}, ["--shard-count must be at least 1"]),
        ([], {"NEWSBOT_SHARDS": "1"}, ["NEWSBOT_SHARDS is set but NEWSBOT_SHARD_COUNT is not"]),
        (["--shards", "3"], {"NEWSBOT_SHARD_COUNT": "2"}, ["shard 3 is not below"]),
    ],
)
def test_shards_that_do_not_fit_stop_the_run_before_it_connects(
    runner, tmp_path, monkeypatch, args, env, needles
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(cli, ["--db", str(tmp_path / "n.db"), "run", *args])
    one_line(result, *needles)
    assert not (tmp_path / "n.db").exists()  # stopped before the database, too


def test_a_database_url_that_cannot_be_reached_is_one_line_without_the_password(runner):
    url = f"postgresql://newsbot:{PASSWORD}@127.0.0.1:1/news"
    line = one_line(runner.invoke(cli, ["--db", url, "list"]), "PostgreSQL at 127.0.0.1:1/news")
    assert PASSWORD not in line
    other = one_line(runner.invoke(cli, ["--db", f"mysql://root:{PASSWORD}@db/news", "list"]))
    assert "--db must be a SQLite file or a URL starting with postgresql://" in other
    assert PASSWORD not in other


def test_the_url_setting_chooses_postgresql_and_db_still_wins(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", f"postgresql://u:{PASSWORD}@127.0.0.1:1/x")
    line = one_line(runner.invoke(cli, ["list"]), "PostgreSQL at 127.0.0.1:1/x")
    assert PASSWORD not in line
    # --db wins: the message is about its file (which a read does not create).
    local = runner.invoke(cli, ["--db", str(tmp_path / "n.db"), "list"])
    one_line(local, "There is no database at", "n.db")
    assert not (tmp_path / "n.db").exists()


def test_the_command_line_works_on_postgresql(runner, monkeypatch):
    base = require_postgres()
    url = asyncio.run(fresh_database(base))
    try:
        monkeypatch.setenv("NEWSBOT_DATABASE_URL", url)
        added = runner.invoke(cli, ["add", "-", "--guild", "7"], input=STORY)
        assert added.exit_code == 0, added.output
        listed = runner.invoke(cli, ["list", "--guild", "7"])
        assert "Lamplighters returned" in listed.output
    finally:
        asyncio.run(drop_database(base, url))


def wait_ready(proc: subprocess.Popen[str]) -> list[str]:
    """Until the bot says it logged in (discord.py's ready: start-up is over); the lines
    of stderr read so far. Needs LOG_LEVEL=INFO."""
    assert proc.stderr is not None
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        while line := proc.stderr.readline():  # ends when the bot does
            lines.append(line)
            if "logged in as" in line:
                ready.set()
                return
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120) or not any("logged in as" in line for line in lines):
        pytest.fail(f"the bot was not ready within two minutes: {''.join(lines)}")
    return lines


@pytest.mark.parametrize("moment", ["mid start-up", "ready"])
def test_sigterm_stops_the_bot_cleanly_and_frees_the_file(fake, tmp_path, moment):
    """SIGTERM at any point stops the bot with exit code 0. Mid start-up (the moment it
    holds the lock, while it opens the database, logs in and connects) a single cancel of
    the running task could be lost, and the bot ran on until killed (bot.client's
    run_until_stopped); once ready, the signal is sent only after the bot said so, not
    after a guess at how long start-up takes."""
    db = tmp_path / "news.db"
    first = start_bot(fake, db, log_level="INFO")
    seen = wait_ready(first) if moment == "ready" else []
    first.send_signal(signal.SIGTERM)
    try:
        _, err = first.communicate(timeout=60)  # stderr read while the pipe is open
    finally:
        stop(first)
    assert first.returncode == 0, "".join(seen) + err
    # Closed, not killed: the lock is free at once for the next bot, and a stop (SIGINT,
    # as Ctrl-C) mid start-up ends it cleanly too.
    second = start_bot(fake, db)
    second.send_signal(signal.SIGINT)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err


@pytest.mark.parametrize("name", ["symlink", "hard link"])
def test_a_second_name_for_the_database_finds_the_first_ones_lock(tmp_path, name):
    real = tmp_path / "real" / "news.db"
    real.parent.mkdir()
    sqlite3.connect(real).close()
    if name == "symlink":
        other = tmp_path / "alias.db"
        other.symlink_to(real)
    else:  # another folder, so another lock file beside it
        (tmp_path / "elsewhere").mkdir()
        other = tmp_path / "elsewhere" / "news.db"
        os.link(real, other)
    with (
        runner_lock(real),
        pytest.raises(AlreadyRunning, match="Another newsbot is already running"),
        runner_lock(other),
    ):
        pass
    with runner_lock(other):  # free again once the first holder let go
        pass
