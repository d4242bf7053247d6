"""The commands that read the store (show, list, ask) load none of the heavy libraries
the bot, the feeds and the digests need: a cold start of the command line pays only for
what the command uses.

Each command runs in a fresh interpreter (this test process has long since imported
everything), through the click group as ``newsbot`` runs it, on a small store made
with the command line itself; the probe then lists what it imported. discord.py alone
took a quarter of a second of every ``newsbot show`` before the commands and the desk's
features were loaded on first use (bot/cli/main.py, bot/app/desk.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("discord", "aiohttp", "apscheduler", "feedparser", "trafilatura", "numpy")

PROBE = """
import json, sys
from bot.cli import cli

out, argv = sys.argv[1], sys.argv[2:]
try:
    cli(argv, prog_name="newsbot")
except SystemExit as stop:
    code = stop.code
with open(out, "w", encoding="utf-8") as fh:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, fh)
"""

STORY = """Harbour bridge reopens after repairs

The harbour bridge reopened on Monday after a year of repairs, the council said.

The repairs cost 12 million crowns and closed two lanes for eleven months.

Traffic was light in the morning and heavier by the evening rush, officials said.
"""


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with one article, added by ``newsbot add``; the folder holds no .env."""
    monkeypatch.chdir(tmp_path)
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    db = tmp_path / "cold.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "add", str(story)])
    assert result.exit_code == 0, result.output
    return db


def _clean_env() -> dict[str, str]:
    """This environment without any newsbot setting, with the project on the path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NEWSBOT_", "DISCORD_")) and key != "LOG_LEVEL"
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run(store: Path, *args: str) -> tuple[int, set[str]]:
    """The exit status of ``newsbot --db STORE ARGS`` in a fresh interpreter, and the
    modules it imported."""
    out = store.parent / "probe.json"
    env = _clean_env()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), "--db", str(store), *args],
        cwd=store.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.exists(), done.stderr
    probe = json.loads(out.read_text(encoding="utf-8"))
    return probe["exit"], set(probe["modules"])


def _heavy(modules: set[str]) -> list[str]:
    """The heavy libraries among ``modules``, by their top-level name."""
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


@pytest.mark.parametrize(
    "args",
    [("show", "1"), ("list",), ("ask", "How much did the repairs cost?")],
    ids=["show", "list", "ask"],
)
def test_reading_commands_load_no_heavy_library(store: Path, args: tuple[str, ...]) -> None:
    code, modules = _run(store, *args)
    assert code in (0, None), f"newsbot {' '.join(args)} exited with {code}"
    assert not _heavy(modules), f"newsbot {' '.join(args)} imported {_heavy(modules)}"


def test_the_probe_would_see_a_heavy_import(store: Path) -> None:
    # The check above means something only if a command that needs them shows them:
    # the digest preview renders with discord.py.
    code, modules = _run(store, "digest", "--guild", "1")
    assert "discord" in _heavy(modules), code


def test_every_command_loads_under_its_name() -> None:
    # The group names each command with its module (imported on first use); --help
    # lists every one with its short help.
    with click.Context(cli) as ctx:
        for name in COMMANDS:
            command = cli.get_command(ctx, name)
            assert command is not None and command.name == name
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line]
    assert listed == sorted(COMMANDS)


def _imported(cwd: Path, code: str) -> set[str]:
    """The modules ``python -X importtime -c CODE`` imports, run in ``cwd``."""
    env = _clean_env()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # "import time: self [us] | cumulative | imported package", one line a module.
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "imported package" not in line
    }


def test_the_command_line_imports_no_pydantic(tmp_path: Path) -> None:
    # pydantic-settings alone took ~150-180 ms of every command's start (issue 24: 0.3 s);
    # the settings are a stdlib dataclass (bot/config.py). python-dotenv is imported
    # only to read a .env file, and this folder has none.
    modules = _imported(
        tmp_path, "import bot.cli; from bot.config import load_settings; load_settings()"
    )
    tops = {name.split(".")[0] for name in modules}
    assert "bot.cli" in modules and "bot.config" in modules
    assert not tops & {"pydantic", "pydantic_settings", "pydantic_core", "dotenv"}, sorted(tops)


def test_a_dot_env_file_brings_in_dotenv(tmp_path: Path) -> None:
    # The probe above would see a library that is imported: with a .env, dotenv is.
    (tmp_path / ".env").write_text("NEWSBOT_FEED_LIMIT=5\n", encoding="utf-8")
    code = "from bot.config import load_settings; assert load_settings().feed_limit == 5"
    assert "dotenv" in {name.split(".")[0] for name in _imported(tmp_path, code)}
