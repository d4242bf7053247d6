"""Hostile and mistaken input on the command line: each mistake is one line (``Error: ...``,
or ``FILE:LINE: reason`` for a line of a file), the good part of the input is still used,
the exit status says that something failed, and nothing runs out of memory.

Real files and a real SQLite database in tmp; the click runner, or a child process where
the process itself matters (standard input's bytes, memory, a file that never ends).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli

ROOT = Path(__file__).resolve().parents[2]
HUGE_ID = "99999999999999999999999"  # over SQLite's 8-byte integers


def story(n: int) -> str:
    return (
        f"Allotment {n} in Fenwick won the county marrow prize on Saturday. "
        f"The gardeners of plot {n} grew the winning marrow on seaweed and patience, "
        "and the judges weighed it twice to be sure."
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env, and ./data is this test's own
    for name in list(os.environ):
        if name.startswith(("NEWSBOT_", "DISCORD_")) or name == "LOG_LEVEL":
            monkeypatch.delenv(name)
    return tmp_path


def newsbot(home: Path, *args: str, stdin: str | bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", str(home / "desk.db"), *args], input=stdin)


def one_line(result: Result, *needles: str) -> str:
    """The run failed with exactly one line, ``Error: ...``, holding every needle."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def titles(home: Path) -> list[str]:
    listed = newsbot(home, "list", "--json", "--limit", "1000")
    assert listed.exit_code == 0, listed.output
    return sorted(json.loads(line)["title"] for line in listed.stdout.splitlines())


@pytest.fixture
def stored(home: Path) -> Path:
    """A database holding one article, #1."""
    assert newsbot(home, "add", "-", stdin=f"Marrow prize\n{story(0)}\n").exit_code == 0
    return home


# ------------------------------------------------------------------ newsbot import

GOOD = [json.dumps({"title": f"Prize {n}", "text": story(n)}) for n in range(1, 7)]


def bad_lines() -> dict[str, bytes]:
    """A line of each kind that ended the whole import in a traceback, by reason."""
    return {
        "nested": b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        "digits": b'{"title": "Big", "text": "x", "n": ' + b"7" * 5000 + b"}",
        "infinite": b'{"title": "Far", "text": "x", "n": 1e400}',
        "not a number": b'{"title": "Odd", "text": "x", "n": NaN}',
        "not UTF-8": b'{"title": "Latin", "text": "caf\xe9 au lait"}',
    }


def test_an_import_reports_each_bad_line_and_stores_the_good_ones(home: Path) -> None:
    bad = bad_lines()
    lines = [GOOD[0].encode(), *bad.values(), *(g.encode() for g in GOOD[1:])]
    data = home / "prizes.jsonl"
    data.write_bytes(b"\n".join(lines) + b"\n")
    result = newsbot(home, "import", str(data))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert "added 6, duplicates 0, failed 5" in result.stdout
    reported = [line for line in result.stderr.splitlines() if line.startswith(f"{data}:")]
    assert [line.split(":")[1] for line in reported] == ["2", "3", "4", "5", "6"]
    assert "nested too deeply" in reported[0]
    assert "digits" in reported[1]
    assert "out of range" in reported[2]
    assert "NaN" in reported[3]
    assert "not UTF-8" in reported[4]
    assert titles(home) == [f"Prize {n}" for n in range(1, 7)]


def test_a_lone_surrogate_in_an_import_line_loses_no_other_line(home: Path) -> None:
    data = home / "odd.jsonl"
    odd = json.dumps({"title": "Bad \ud800 title", "text": story(9)})  # escaped: \\ud800
    data.write_text("\n".join([odd, *GOOD]) + "\n", encoding="utf-8")
    result = newsbot(home, "import", str(data))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert set(titles(home)) >= {f"Prize {n}" for n in range(1, 7)}


def test_an_overlong_line_is_skipped_without_being_held_whole(home: Path) -> None:
    data = home / "long.jsonl"
    with data.open("wb") as handle:
        handle.write(GOOD[0].encode() + b"\n")
        handle.write(b'{"title": "Long", "text": "' + b"word " * (6 * 1024 * 1024) + b'"}\n')
        handle.write(GOOD[1].encode() + b"\n")
    tracemalloc.start()
    try:
        result = newsbot(home, "import", str(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1, result.output
    (reason,) = [line for line in result.stderr.splitlines() if line.startswith(f"{data}:")]
    assert reason.startswith(f"{data}:2: ") and "longer than the 5 MB limit" in reason
    assert titles(home) == ["Prize 1", "Prize 2"]
    # The 30 MB line was read in pieces: at most the 5 MB limit at once, never the line.
    assert peak < 16 * 1024 * 1024, peak


def test_a_jsonl_name_for_a_device_is_refused_not_read(home: Path) -> None:
    # Before: counting its lines read /dev/zero until memory ran out. A child process with
    # a memory cap and a time limit, so that the old behaviour fails instead of swapping.
    (home / "zero.jsonl").symlink_to("/dev/zero")
    (home / "ok.jsonl").write_text(GOOD[0] + "\n", encoding="utf-8")

    def cap() -> None:
        # 3 GiB of address space: a store on Tantivy reserves about 1 GiB at open (its
        # threads' malloc arenas; resident, some 10 MB), and /dev/zero fills any cap.
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--db", "desk.db", "import", "zero.jsonl", "ok.jsonl"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "zero.jsonl: not a regular file." in done.stderr.splitlines()
    assert "added 1, duplicates 0, failed 1" in done.stdout


# ------------------------------------------------------------------ ask --batch


def test_ask_batch_answers_the_good_lines_and_fails_on_the_bad(stored: Path) -> None:
    batch = stored / "questions.jsonl"
    lines = [
        b'{"question": "Which allotment won the marrow prize?"}',
        b'{"question": "Who judged the marr\xff prize?"}',
        b'{"question": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"question": "Who won?", "article_id": 100000000000000000000}',
        b'{"question": "Who won?", "article_id": 1e400}',
        b'{"question": "Who won?", "article_id": true}',
        b'{"question": "Who grew it?", "article_id": 1}',
    ]
    batch.write_bytes(b"\n".join(lines) + b"\n")
    result = newsbot(stored, "ask", "--batch", str(batch), "--json")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 7  # one line out for each line in
    assert [("error" in item) for item in out] == [False, True, True, True, True, True, False]
    assert [line.split(":")[1] for line in result.stderr.splitlines()] == ["2", "3", "4", "5", "6"]
    assert all(line.startswith(f"{batch}:") for line in result.stderr.splitlines())
    assert "not UTF-8" in out[1]["error"] and "nested too deeply" in out[2]["error"]
    assert '"article_id"' in out[3]["error"] and "out of range" in out[4]["error"]


# ------------------------------------------------------------------ ids


@pytest.mark.parametrize(
    "args",
    [
        ("show", HUGE_ID),
        ("remove", HUGE_ID),
        ("summarize", "1", HUGE_ID),
        ("list", "--guild", HUGE_ID),
        ("digest", "--guild", HUGE_ID),
        ("feed", "remove", HUGE_ID),
        ("feed", "poll", "--feed", HUGE_ID),
        ("ask", "Who won?", "--article", HUGE_ID),
        ("show", "0"),
    ],
)
def test_an_id_out_of_range_is_one_line(stored: Path, args: tuple[str, ...]) -> None:
    one_line(newsbot(stored, *args), "must be a whole number from 1 to 9223372036854775807")


# ------------------------------------------------------------------ settings and URLs


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://news:Gull-Wing-88@127.0.0.1:99999/news", "between 1 and 65535"),
        ("postgresql://news:Gull-Wing-88@127.0.0.1:harbour/news", "'harbour' is not a number"),
        ("postgresql://news:Gull-Wing-88@127.0.0.1/news?tide=high", "'tide'"),
        ("postgresql://news:Gull-Wing-88@127.0.0.1/news?sslmode=always", "sslmode must be"),
        ("postgresql://news:Gull-Wing-88@[::1/news", "IPv6"),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line(home: Path, url: str, reason: str) -> None:
    result = CliRunner().invoke(cli, ["--db", url, "list"])
    line = one_line(result, "--db", reason)
    assert "Gull-Wing-88" not in line
    # The same URL in the setting is named as the setting.
    result = CliRunner().invoke(cli, ["list"], env={"NEWSBOT_DATABASE_URL": url})
    assert "Gull-Wing-88" not in one_line(result, "NEWSBOT_DATABASE_URL", reason)


@pytest.mark.parametrize("command", [("list",), ("doctor",), ("feed", "list")])
def test_a_setting_that_does_not_parse_is_one_line_on_every_command(
    stored: Path, command: tuple[str, ...]
) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(stored / "desk.db"), *command], env={"NEWSBOT_LLM_TIMEOUT": "abc"}
    )
    one_line(result, "NEWSBOT_LLM_TIMEOUT", "valid number")


def test_a_model_url_with_a_password_and_an_api_key_is_refused(stored: Path) -> None:
    env = {
        "NEWSBOT_LLM_BASE_URL": "http://reader:Oyster-31@127.0.0.1:9/v1",
        "NEWSBOT_LLM_MODEL": "fake-model",
        "NEWSBOT_LLM_API_KEY": "sk-Kelp-5521",
        "DISCORD_TOKEN": "not-a-real-token",  # run stops before it would be used
    }
    for command in (("doctor",), ("ask", "Which allotment won?"), ("run",)):
        result = CliRunner().invoke(cli, ["--db", str(stored / "desk.db"), *command], env=env)
        line = one_line(result, "NEWSBOT_LLM_BASE_URL", "NEWSBOT_LLM_API_KEY")
        assert "Oyster-31" not in line and "sk-Kelp-5521" not in line


def test_doctor_says_each_problem_once(home: Path) -> None:
    env = {"NEWSBOT_LLM_BASE_URL": "http://127.0.0.1:9/v1", "NEWSBOT_LLM_MODEL": "fake-model"}
    result = CliRunner().invoke(cli, ["doctor"], env=env)
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("problem:")]
    assert problems and len(problems) == len(set(problems)), result.output


def test_a_feed_url_that_cannot_be_parsed_is_one_line(stored: Path) -> None:
    one_line(newsbot(stored, "feed", "add", "http://[::1"), "not a valid address")
    one_line(newsbot(stored, "feed", "add", "http://example.org:port/feed"), "not a valid")


def test_standard_input_that_is_not_utf8_is_one_line(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--db", "desk.db", "add", "-"],
        cwd=home,
        env=env,
        input=f"Caf\xe9 prize\n{story(3)}\n".encode("latin-1"),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.decode().strip().splitlines() == [
        "Error: Standard input is not UTF-8 text (byte 4)."
    ]


# ------------------------------------------------------------------ titles


@pytest.mark.parametrize(
    "text",
    [
        "# Marrow prize goes to plot 7\n\n{body}\n",
        "## Marrow prize goes to plot 7 ##\n{body}\n",
        "Marrow prize goes to plot 7\n===========================\n\n{body}\n",
    ],
)
def test_a_markdown_heading_is_the_title_without_its_marks(home: Path, text: str) -> None:
    page = home / "prize.md"
    page.write_text(text.format(body=story(7)), encoding="utf-8")
    added = newsbot(home, "add", str(page), "--json")
    assert added.exit_code == 0, added.output
    article = json.loads(added.output)
    assert article["title"] == "Marrow prize goes to plot 7"
    shown = json.loads(newsbot(home, "show", str(article["id"]), "--json").output)
    assert shown["text"].startswith("Allotment 7 in Fenwick"), shown["text"]
    # An import of a folder reads it the same way.
    other = home / "inbox"
    other.mkdir()
    (other / "p.md").write_text(text.format(body=story(8)), encoding="utf-8")
    assert newsbot(home, "import", str(other)).exit_code == 0
    assert titles(home) == ["Marrow prize goes to plot 7"] * 2


# ------------------------------------------------------------------ reads and empty lists


READS = [
    ("list",),
    ("show", "1"),
    ("summarize", "1"),
    ("ask", "Who won the marrow prize?"),
    ("digest", "--guild", "5"),
    ("feed", "list"),
    ("feed", "poll"),
]


@pytest.fixture
def elsewhere(home: Path) -> Iterator[Path]:
    """A folder without newsbot's data/, as when newsbot is run from the wrong place."""
    folder = home / "elsewhere"
    folder.mkdir()
    os.chdir(folder)
    yield folder
    os.chdir(home)


@pytest.mark.parametrize("command", READS)
def test_a_read_on_a_missing_database_says_so_and_makes_none(
    elsewhere: Path, command: tuple[str, ...]
) -> None:
    result = CliRunner().invoke(cli, list(command))
    one_line(result, "There is no database at", str(elsewhere / "data" / "newsbot.db"))
    assert list(elsewhere.iterdir()) == []


def test_empty_lists_say_so(home: Path) -> None:
    # A feed that cannot be added still makes the database: it is a write.
    newsbot(home, "feed", "add", "http://127.0.0.1:9/feed.xml")
    assert (home / "desk.db").exists()
    assert newsbot(home, "list").output == "No articles yet.\n"
    assert newsbot(home, "feed", "list").output == "No feeds yet.\n"
    assert newsbot(home, "list", "--json").output == ""


# A title made from the first sentence is not passed to clean_body as a title to cut.
def test_a_jsonl_line_without_a_title_keeps_its_lead_in_the_body(home: Path) -> None:
    lead = "The harbour crane toppled into the dock on Friday night."
    rest = "Nobody was hurt, the port authority said, and the quay reopens on Monday."
    data = home / "crane.jsonl"
    data.write_text(json.dumps({"text": f"{lead}\n{rest}"}) + "\n", encoding="utf-8")
    assert newsbot(home, "import", str(data)).exit_code == 0
    shown = json.loads(newsbot(home, "show", "1", "--json").output)
    assert shown["title"] == lead  # a copy of the lead...
    assert shown["text"].startswith(lead)  # ...which the body keeps, searchable and answerable
