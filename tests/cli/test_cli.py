"""The newsbot command line end to end: a real SQLite file, a real HTTP server."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from news.domain import RunStatus
from storage.db import open_database
from storage.digests import DigestStore

TITLE = "250 'low-risk' inmates to be freed before Marlow ceasefire talks"
JUNKY_PASTE = f"""{TITLE}

{TITLE}
© Shutterstock

Marlow will free 250 "low-risk" inmates to open ceasefire talks with the rebel council, the Daily Courier reported.

The regional assembly approved the release on Friday after a long debate.

Governor Ilse Marden met more than 2,000 village elders last month to discuss the releases.

The new releases will bring the total number of inmates freed by the province to 4,000.

The region recorded more than 8,000 injuries last year in the fighting.

Interior Minister Dana PorterDana PorterMorning Briefing: Budget vote slips again | Port strike ends after talks MORE, meanwhile, said the garrison will shrink to under 3,000 soldiers by spring.
"""

ARTICLE_HTML = """<!doctype html><html><head><meta charset="utf-8">
<title>Tramline to reach the airport by 2027 | Valley Times</title>
<meta name="author" content="Pia Lund"><meta property="article:published_time" content="2024-06-02">
</head><body><nav>Home | Sport | Weather</nav><article><h1>Tramline to reach the airport by 2027</h1>
<p>The city council approved a 14-kilometre tram extension to the airport on Monday, after three years of planning.</p>
<p>Construction will start next spring and cost about 600 million crowns, officials said.</p>
<p>The mayor, Oskar Lind, said the line would carry 40,000 passengers a day once it opens.</p>
<p>Opponents argued that buses could do the same job for a fraction of the price.</p>
</article><footer>Copyright Valley Times</footer></body></html>"""


@pytest.fixture
def runner(tmp_path, monkeypatch) -> Iterator[tuple[CliRunner, Path]]:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for name in (
        "DISCORD_TOKEN",
        "NEWSBOT_DB",
        "NEWSBOT_ALLOW_PRIVATE_URLS",
        "NEWSBOT_ANSWER_THRESHOLD",
    ):
        monkeypatch.delenv(name, raising=False)
    yield CliRunner(), tmp_path / "cli.db"


def invoke(runner: tuple[CliRunner, Path], *args: str, stdin: str | None = None):
    cli_runner, db = runner
    return cli_runner.invoke(cli, ["--db", str(db), *args], input=stdin)


def count(runner) -> int:
    if not runner[1].exists():  # nothing was ever stored (and a read creates no file)
        return 0
    result = invoke(runner, "list", "--json", "--limit", "10000")
    assert result.exit_code == 0, result.output
    return len([line for line in result.output.splitlines() if line.strip()])


@pytest.fixture
def paste_file(tmp_path) -> Path:
    path = tmp_path / "marlow.txt"
    path.write_text(JUNKY_PASTE, encoding="utf-8")
    return path


def test_add_file_cleans_junk_and_dedupes(runner, paste_file):
    first = invoke(runner, "add", str(paste_file), "--json")
    assert first.exit_code == 0, first.output
    stored = json.loads(first.output)
    assert stored["title"] == TITLE
    assert stored["duplicate"] is False

    shown = json.loads(invoke(runner, "show", str(stored["id"]), "--json").output)
    text = shown["text"]
    assert not text.startswith(TITLE)
    assert "©" not in text and "Shutterstock" not in text
    assert "Morning Briefing" not in text and "MORE" not in text
    assert "Interior Minister Dana Porter, meanwhile, said" in text

    again = invoke(runner, "add", str(paste_file))
    assert again.exit_code == 0
    assert "Already stored" in again.output
    assert count(runner) == 1


def test_add_from_stdin_with_title(runner):
    result = invoke(
        runner,
        "add",
        "-",
        "--title",
        "Library hours extended",
        "--published",
        "2024-02-29",
        "--json",
        stdin="The town library will open until 10 pm on weekdays from March onwards.\n",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "Library hours extended"
    assert data["published"] == "2024-02-29"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: str(d / "missing.txt"), "No such file"),
        (lambda d: _write(d / "blob.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary"), "binary"),
        (lambda d: _write(d / "empty.txt", b"   \n\n"), "no article text"),
        (lambda d: _write(d / "slides.pdf", b"%PDF-1.4 text"), "only .txt, .md and .html"),
        (lambda d: "ftp://example.org/story", "http"),
        (lambda d: "http://127.0.0.1:9/story", "private"),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(runner, tmp_path, setup, message):
    result = invoke(runner, "add", setup(tmp_path))
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert message.lower() in lines[0].lower()
    assert "Traceback" not in result.output
    assert count(runner) == 0


def test_bad_date_is_refused(runner, paste_file):
    result = invoke(runner, "add", str(paste_file), "--published", "yesterday")
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output
    assert count(runner) == 0


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = ARTICLE_HTML.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/news/tram"
    server.shutdown()
    server.server_close()


def test_add_url_from_local_server(runner, page_url, monkeypatch):
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "true")
    result = invoke(runner, "add", page_url, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "Tramline to reach the airport by 2027"
    assert data["url"] == page_url
    shown = json.loads(invoke(runner, "show", str(data["id"]), "--json").output)
    assert "40,000 passengers" in shown["text"]
    assert "Home | Sport" not in shown["text"]
    again = invoke(runner, "add", page_url + "?utm_source=feed", "--json")
    assert json.loads(again.output)["duplicate"] is True


def test_private_url_refused_by_default(runner, page_url):
    result = invoke(runner, "add", page_url)
    assert result.exit_code != 0
    assert count(runner) == 0


def test_import_jsonl_counts_and_is_idempotent(runner, tmp_path):
    lines = [
        {
            "text": "The ferry to Holm island will run hourly from May. The council approved it.",
            "title": "Ferry timetable",
        },
        {"text": "Snow closed the mountain pass for two days. Crews cleared it on Sunday."},
        {"text": "The ferry to Holm island will run hourly from May.   The council approved it."},
        {"title": "no text here"},
        {
            "text": "Bakers in Ostby won a national bread prize this week for a rye loaf.",
            "published": "2024-13-01",
        },
    ]
    data = tmp_path / "feed.jsonl"
    data.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n", encoding="utf-8")
    first = invoke(runner, "import", str(data))
    assert first.exit_code == 1, first.output  # lines failed; the good ones are stored
    assert "added 2, duplicates 1, failed 3" in first.output
    assert "not valid JSON" in first.output
    titles = [json.loads(x)["title"] for x in invoke(runner, "list", "--json").output.splitlines()]
    assert "Snow closed the mountain pass for two days." in titles
    second = invoke(runner, "import", str(data))
    assert "added 0, duplicates 3, failed 3" in second.output
    assert count(runner) == 2


def _stored_summaries(db: Path) -> dict[int, str | None]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT id, summary FROM articles").fetchall())
    finally:
        conn.close()


def test_an_import_leaves_each_summary_for_the_first_time_it_is_shown(runner, tmp_path):
    data = tmp_path / "archive.jsonl"
    stories = [
        "The lighthouse at Skarpa was relit on Friday after forty years in the dark. "
        "Volunteers raised the money for a new lamp. The keeper's cottage is now a cafe.",
        "Ice on the river Molde broke up a week early this spring. Ferries resumed on "
        "Tuesday, and the town lifted its warning for skaters.",
    ]
    data.write_text("\n".join(json.dumps({"text": t}) for t in stories) + "\n", encoding="utf-8")
    assert invoke(runner, "import", str(data)).exit_code == 0
    # Summarizing was half of an import's work, and most imported articles are never shown.
    stored = _stored_summaries(runner[1])
    assert len(stored) == 2 and set(stored.values()) == {None}
    first, second = sorted(stored)

    shown = invoke(runner, "summarize", str(first), "--json")
    assert shown.exit_code == 0, shown.output
    made = json.loads(shown.output)["summary"]
    assert "Volunteers raised the money for a new lamp." in made
    # Made once, then kept; the other article still waits for its first showing.
    kept = _stored_summaries(runner[1])
    assert kept[second] is None
    assert kept[first] is not None and json.loads(kept[first]) == made

    as_json = json.loads(invoke(runner, "show", str(second), "--json").output)
    assert as_json["summary"] and "Ferries resumed" in " ".join(as_json["summary"])
    assert _stored_summaries(runner[1])[second] is not None


def test_import_folder_of_files(runner, tmp_path, paste_file):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.md").write_text(
        "Harbour dredging starts\nDredgers arrived in the harbour on Monday to deepen the channel.\n"
    )
    (folder / "b.html").write_text(ARTICLE_HTML)
    (folder / "c.bin").write_bytes(b"\x00\x01")
    result = invoke(runner, "import", str(folder))
    assert "added 2, duplicates 0, failed 0" in result.output, result.output
    assert count(runner) == 2


def test_list_show_remove(runner, paste_file):
    stored = json.loads(invoke(runner, "add", str(paste_file), "--json").output)
    listing = invoke(runner, "list")
    assert f"#{stored['id']}" in listing.output and "global" in listing.output
    assert invoke(runner, "remove", str(stored["id"])).exit_code == 0
    gone = invoke(runner, "show", str(stored["id"]))
    assert gone.exit_code != 0 and "no article" in gone.output.lower()
    assert invoke(runner, "remove", "999").exit_code != 0


def test_guild_scope_on_the_command_line(runner, paste_file):
    stored = json.loads(invoke(runner, "add", str(paste_file), "--guild", "11", "--json").output)
    assert stored["guild"] == 11
    assert invoke(runner, "list", "--guild", "12", "--json").output.strip() == ""
    assert invoke(runner, "list", "--guild", "11", "--json").output.strip() != ""


def test_run_without_token_says_what_to_set(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(tmp_path / "x.db"), "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN" in lines[0] and ".env" in lines[0]


def test_ask_answers_with_the_number_sentence_and_citation(runner, paste_file):
    stored = json.loads(invoke(runner, "add", str(paste_file), "--json").output)
    result = invoke(runner, "ask", "How many inmates were freed?", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["answer"] == "250"
    assert data["article_id"] == stored["id"]
    assert "250" in data["evidence"] and "inmates" in data["evidence"]
    text = invoke(runner, "ask", "How many inmates were freed?").output
    assert text.splitlines()[0] == "Answer: 250"
    assert f"#{stored['id']}" in text and TITLE in text


def test_ask_abstains_and_batch_answers_each_line(runner, paste_file, tmp_path):
    invoke(runner, "add", str(paste_file))
    missing = json.loads(
        invoke(runner, "ask", "Who won the chess olympiad in Oslo?", "--json").output
    )
    assert missing["answer"] is None
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        '{"question": "How many inmates were freed?"}\n{"oops": 1}\n{"question": "How many inmates were freed?", "article_id": 99}\n',
        encoding="utf-8",
    )
    result = invoke(runner, "ask", "--batch", str(batch), "--json")
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert out[0]["answer"] == "250"
    assert "error" in out[1] and "error" in out[2]
    assert len(out) == 3
    # The good line was answered, but the run failed: say where, and exit 1.
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{batch}:2: ") and f"\n{batch}:3: " in result.stderr


ASK_KEYS = {
    "question",
    "answer",
    "article_id",
    "evidence",
    "confidence",
    "passages",
    "score",
    "reader",
    "window",  # the time the question named (null: none)
    "newer",  # a newer version of the answer's story that did not answer (null: none)
}


def stored_text(runner, article_id: int) -> str:
    return json.loads(invoke(runner, "show", str(article_id), "--json").output)["text"]


def test_ask_json_when_it_commits_holds_the_evidence_first_in_the_passages(runner, paste_file):
    stored = json.loads(invoke(runner, "add", str(paste_file), "--json").output)
    data = json.loads(invoke(runner, "ask", "How many inmates were freed?", "--json").output)
    assert set(data) == ASK_KEYS
    assert data["reader"] == "offline"  # no model reader is configured
    assert data["answer"] == "250" and data["article_id"] == stored["id"]
    assert 0.0 <= data["confidence"] <= 1.0 and data["score"] == data["confidence"]
    passages = data["passages"]
    assert passages[0] == {"article_id": stored["id"], "text": data["evidence"]}
    assert 1 <= len(passages) <= 3
    assert len({p["text"] for p in passages}) == len(passages)  # no sentence twice
    text = stored_text(runner, stored["id"])
    assert all(p["text"] in text for p in passages)  # only what the article says
    readable = invoke(runner, "ask", "How many inmates were freed?").output.splitlines()
    assert readable[0] == "Answer: 250"
    assert readable[1] == f'Evidence: "{data["evidence"]}"'
    assert readable[2].startswith(f"Source: #{stored['id']} {TITLE} (")
    assert f"Confidence: {data['confidence']:.2f}" in readable


# The total is the evidence's neighbour, so the answer shows it, labelled.
LIFEGUARDS = """Dunmore hires more lifeguards for the summer

Dunmore county will hire 35 seasonal lifeguards to patrol its beaches, the Coast Post reported.

The new posts will bring the total number of lifeguards hired by the county to 180.

Last summer the beaches drew more than 9,000 swimmers.
"""
# What may open a line of `ask`'s text: a label, or a quote under the heading before it.
ASK_LABELS = ("Answer: ", "Running total: ", "Evidence: ", "Source: ", "Link: ", "Confidence: ")
ASK_HEADINGS = ("Also in the articles:",)


def test_ask_text_labels_every_line(runner, tmp_path):
    path = tmp_path / "lifeguards.txt"
    path.write_text(LIFEGUARDS, encoding="utf-8")
    invoke(runner, "add", str(path))
    first, *rest = invoke(runner, "ask", "How many lifeguards were hired?").output.splitlines()
    assert first == "Answer: 35"
    assert "Running total: 180 (lifeguards hired)" in rest
    heading = None
    for line in rest:
        if line.startswith('  "'):
            assert heading in ASK_HEADINGS, line  # a quote, listed under its heading
        elif line:
            assert line.startswith(ASK_LABELS) or line in ASK_HEADINGS, line
            heading = line
    assert not any(line.startswith("(") for line in rest)


def test_ask_below_the_threshold_prints_the_closest_sentences(runner, paste_file, monkeypatch):
    stored = json.loads(invoke(runner, "add", str(paste_file), "--json").output)
    monkeypatch.setenv("NEWSBOT_ANSWER_THRESHOLD", "1")
    data = json.loads(invoke(runner, "ask", "How many inmates were freed?", "--json").output)
    assert set(data) == ASK_KEYS
    assert data["answer"] is None and data["article_id"] is None and data["evidence"] is None
    assert data["confidence"] < 1.0 and data["score"] == data["confidence"]
    assert 2 <= len(data["passages"]) <= 3
    text = stored_text(runner, stored["id"])
    assert all(p["article_id"] == stored["id"] and p["text"] in text for p in data["passages"])
    assert any("250" in p["text"] for p in data["passages"])

    lines = invoke(runner, "ask", "How many inmates were freed?").output.splitlines()
    assert lines[0] == "Could not pin down an exact answer. The most relevant sentences:"
    for passage, line in zip(data["passages"], lines[1:], strict=False):
        assert line == f'  "{passage["text"]}" — #{stored["id"]} {TITLE}'

    batch = paste_file.with_name("q.jsonl")
    batch.write_text('{"question": "How many inmates were freed?"}\n', encoding="utf-8")
    (line,) = invoke(runner, "ask", "--batch", str(batch)).output.splitlines()
    assert json.loads(line) == data


def test_a_bad_threshold_is_refused(runner, monkeypatch):
    monkeypatch.setenv("NEWSBOT_ANSWER_THRESHOLD", "1.5")
    result = invoke(runner, "list")
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith("Error: ") and "NEWSBOT_ANSWER_THRESHOLD" in line


def test_summarize_and_digest(runner, paste_file):
    stored = json.loads(invoke(runner, "add", str(paste_file), "--guild", "5", "--json").output)
    summary = json.loads(invoke(runner, "summarize", str(stored["id"]), "--json").output)
    assert summary["id"] == stored["id"]
    assert 1 <= len(summary["summary"]) <= 3
    assert any("250" in s for s in summary["summary"])
    assert not any("©" in s or "MORE" in s for s in summary["summary"])
    digest = invoke(runner, "digest", "--guild", "5")
    assert digest.exit_code == 0, digest.output
    assert TITLE in digest.output and f"#{stored['id']}" in digest.output
    # Printing a digest records nothing: the same digest prints again.
    assert invoke(runner, "digest", "--guild", "5").output == digest.output
    other = invoke(runner, "digest", "--guild", "6")
    assert TITLE not in other.output
    later = invoke(runner, "digest", "--guild", "5", "--since", "2999-01-01")
    assert TITLE not in later.output
    assert invoke(runner, "digest", "--guild", "5", "--since", "soon").exit_code != 0


def test_digest_has_no_dry_run_flag(runner):
    # The command line never posts, so a flag promising that would mean nothing.
    result = invoke(runner, "digest", "--guild", "5", "--dry-run")
    assert result.exit_code == 2 and "No such option '--dry-run'" in result.output


def test_digest_starts_after_the_last_posted_digest(runner, paste_file):
    invoke(runner, "add", str(paste_file), "--guild", "5")
    _cli_runner, db_path = runner

    async def record_posted_digest() -> None:
        db = await open_database(db_path)
        try:
            store = DigestStore(db)
            now = datetime.now(UTC)
            run = await store.claim(5, now, kind="manual", channel_id=1, now=now)
            assert run is not None
            await store.finish(run.id, RunStatus.POSTED, now=now, articles=1, covers_until=now)
        finally:
            await db.close()

    asyncio.run(record_posted_digest())
    after = invoke(runner, "digest", "--guild", "5")
    assert after.exit_code == 0 and "No new articles." in after.output
    assert TITLE not in after.output
    # --since overrides where the digest starts.
    assert TITLE in invoke(runner, "digest", "--guild", "5", "--since", "2000-01-01").output


GOOD_BODY = "Snow closed the mountain pass for two days. Crews cleared it on Sunday morning."


def test_import_exits_1_when_a_line_failed_and_keeps_the_good_ones(runner, tmp_path):
    data = tmp_path / "feed.jsonl"
    data.write_text(
        json.dumps({"text": GOOD_BODY, "url": "https://example.org/snow"}) + "\n[1, 2, 3]\n",
        encoding="utf-8",
    )
    result = invoke(runner, "import", str(data))
    assert result.exit_code == 1, result.output
    assert "added 1, duplicates 0, failed 1" in result.output
    assert count(runner) == 1
    # Nothing failed: exit 0, even when every line was already stored.
    data.write_text(json.dumps({"text": GOOD_BODY}) + "\n", encoding="utf-8")
    again = invoke(runner, "import", str(data))
    assert again.exit_code == 0, again.output
    assert "added 0, duplicates 1, failed 0" in again.output


def test_import_says_what_is_wrong_with_each_line_and_where(runner, tmp_path):
    def body(n: int) -> str:
        return (
            f"Line {n}: the harbour board met on Tuesday. It argued about mooring fees all night."
        )

    lines = [
        "[1, 2, 3]",
        json.dumps({"text": 12345}),
        json.dumps({"title": "no text"}),
        json.dumps({"text": body(4), "url": "javascript:alert(1)"}),
        json.dumps({"text": body(5), "url": "file:///etc/passwd"}),
        json.dumps({"text": body(6), "published": 2024}),
        json.dumps({"text": body(7), "title": ["a", "list"]}),
        json.dumps({"text": "Too short."}),
        "{not json",
        json.dumps({"text": body(10), "url": "https://example.org/ten"}),
    ]
    data = tmp_path / "feed.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke(runner, "import", str(data))
    assert result.exit_code == 1, result.output
    assert "added 1, duplicates 0, failed 9" in result.output
    reasons = {
        int(line.split(":")[1]): line.split(":", 2)[2]
        for line in result.output.splitlines()
        if line.startswith(f"{data}:")
    }
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7, 8, 9], result.output
    assert "JSON object" in reasons[1] and "array" in reasons[1]
    assert '"text"' in reasons[2] and "string" in reasons[2] and "number" in reasons[2]
    assert 'no "text"' in reasons[3]
    assert "http" in reasons[4] and "javascript" in reasons[4]
    assert "http" in reasons[5] and "file" in reasons[5]
    assert '"published"' in reasons[6]
    assert '"title"' in reasons[7] and "array" in reasons[7]
    assert "too short" in reasons[8]
    assert "not valid JSON" in reasons[9]
    stored = [json.loads(x) for x in invoke(runner, "list", "--json").output.splitlines()]
    assert [a["url"] for a in stored] == ["https://example.org/ten"]


def test_import_names_the_file_of_a_failed_file(runner, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "empty.md").write_text("Just a title\n")
    (folder / "c.bin").write_bytes(b"\x00\x01")
    (folder / "c.bin").rename(folder / "c.txt")
    result = invoke(runner, "import", str(folder))
    assert result.exit_code == 1, result.output
    failures = [line for line in result.output.splitlines() if line.startswith(str(folder))]
    assert len(failures) == 2, result.output
    assert any(line.startswith(f"{folder / 'empty.md'}: ") for line in failures)
    assert any(line.startswith(f"{folder / 'c.txt'}: ") for line in failures)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://x.org/a"])
def test_add_refuses_a_url_that_is_not_http(runner, paste_file, url):
    result = invoke(runner, "add", str(paste_file), "--url", url)
    assert result.exit_code == 1
    assert "http" in result.output
    result = invoke(runner, "add", "-", "--url", url, stdin=JUNKY_PASTE)
    assert result.exit_code == 1
    assert count(runner) == 0
    assert invoke(runner, "add", str(paste_file), "--url", "https://x.org/a").exit_code == 0


def _today_or_tomorrow() -> tuple[str, str]:
    """The UTC day now and a moment later: an add that runs across midnight shows either."""
    before = datetime.now(UTC).date()
    return before.isoformat(), (before + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("published", [None, "2024-02-29"])
def test_list_show_and_ask_say_whether_the_date_is_added_or_published(
    runner, paste_file, published
):
    days = _today_or_tomorrow()
    extra = ["--published", published] if published else []
    stored = json.loads(invoke(runner, "add", str(paste_file), *extra, "--json").output)
    if published:
        short, long = ["published 2024-02-29"], ["Published 29 Feb 2024"]
    else:
        short = [f"added {day}" for day in days]
        long = [f"Added {d.day} {d:%b %Y}" for d in map(date.fromisoformat, days)]

    [row] = invoke(runner, "list").output.splitlines()
    assert row.startswith(f"#{stored['id']}") and TITLE in row, row
    assert any(f" {s} " in row for s in short), row
    meta = invoke(runner, "show", str(stored["id"])).output.splitlines()[1]
    assert any(label in meta.split(" · ") for label in long), meta
    answer = invoke(runner, "ask", "How many inmates were freed?").output.splitlines()
    source = next(line for line in answer if line.startswith("Source: "))
    assert any(source.endswith(f"(no source, {s})") for s in short), source


def test_digest_schedule_shows_and_sets_where_the_digest_lands(runner):
    """Issue 21: --schedule shows the guild's schedule and its delivery; --deliver,
    --forum-tag and --publish set them (as /digest deliver), resuming a paused one."""
    assert invoke(runner, "digest", "--guild", "5", "--schedule").exit_code == 1
    _cli_runner, db_path = runner

    async def schedule_and_pause() -> None:
        db = await open_database(db_path)
        try:
            store = DigestStore(db)
            now = datetime.now(UTC)
            await store.set_schedule(
                5,
                channel_id=40,
                time_of_day="08:00",
                timezone="UTC",
                days="mon,tue,wed,thu,fri,sat,sun",
                max_articles=10,
                now=now,
            )
            run = await store.claim(5, now, kind="scheduled", channel_id=40, now=now)
            assert run is not None
            await store.record_failure(run.id, "The forum is gone.", now=now, pause_after=1)
        finally:
            await db.close()

    asyncio.run(schedule_and_pause())
    shown = json.loads(invoke(runner, "digest", "--guild", "5", "--schedule", "--json").output)
    assert shown["deliver"] == "channel" and shown["state"] == "paused"
    assert shown["publish"] is False and shown["forum_tag"] is None

    args = ["--deliver", "forum", "--channel", "41", "--forum-tag", "42", "--json"]
    changed = json.loads(invoke(runner, "digest", "--guild", "5", *args).output)
    assert (changed["deliver"], changed["channel"], changed["forum_tag"]) == ("forum", 41, 42)
    assert changed["state"] == "active" and changed["pause_reason"] is None

    args = ["--deliver", "channel", "--channel", "40", "--publish", "on"]
    text = invoke(runner, "digest", "--guild", "5", *args).output
    assert "delivers: to a channel, publishes" in text
    again = json.loads(invoke(runner, "digest", "--guild", "5", "--json").output)
    assert again["forum_tag"] is None and again["publish"] is True
