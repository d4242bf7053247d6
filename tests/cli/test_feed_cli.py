"""``newsbot feed`` end to end: a real SQLite file and a real feed site on 127.0.0.1.

The site runs in its own thread (the CLI runs its own event loop with asyncio.run).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.harness.feed_site import FeedSite, feed_site, rfc822, rss, rss_item, story


@pytest.fixture
def site() -> Iterator[FeedSite]:
    ready = threading.Event()
    holder: dict[str, object] = {}

    def serve() -> None:
        async def main() -> None:
            async with feed_site() as running:
                holder["site"], holder["loop"] = running, asyncio.get_running_loop()
                holder["stop"] = stop = asyncio.Event()
                ready.set()
                await stop.wait()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield holder["site"]  # type: ignore[misc]
    loop: asyncio.AbstractEventLoop = holder["loop"]  # type: ignore[assignment]
    loop.call_soon_threadsafe(holder["stop"].set)  # type: ignore[attr-defined]
    thread.join(10)


def publish(site: FeedSite, numbers: range, etag: str) -> str:
    items = []
    for n in numbers:
        link = site.page(f"/s/{n}", n)
        items.append(rss_item(link, story(n)[0], guid=str(n), date=rfc822(1 + n)))
    return site.serve("/feed.xml", rss(items), etag=etag)


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "true")
    db = str(tmp_path / "cli.db")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", db, *args], catch_exceptions=False)

    return invoke


def test_add_list_poll_remove(site, run):
    url = publish(site, range(3), '"a"')
    added = run("feed", "add", url, "--guild", "77", "--json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.output)
    assert data["title"] == "Coast Gazette" and data["guild"] == 77
    assert data["first_poll"]["new"] == 3 and data["first_poll"]["failed"] == 0

    listed = run("feed", "list", "--json")
    (row,) = [json.loads(line) for line in listed.output.splitlines()]
    for key in ("id", "url", "title", "guild", "last_polled", "last_status", "failures", "paused"):
        assert key in row
    assert row["last_status"] == "ok" and row["failures"] == 0 and row["paused"] is False

    polled = run("feed", "poll", "--json")
    (report,) = [json.loads(line) for line in polled.output.splitlines()]
    assert {k: report[k] for k in ("feed_id", "status", "new", "not_modified")} == {
        "feed_id": data["id"],
        "status": "not_modified",
        "new": 0,
        "not_modified": True,
    }
    assert set(report) >= {"feed_id", "status", "new", "duplicates", "failed", "not_modified"}

    publish(site, range(5), '"b"')
    polled = json.loads(run("feed", "poll", "--feed", str(data["id"]), "--json").output)
    assert (polled["new"], polled["duplicates"], polled["failed"]) == (2, 0, 0)
    shown = run("list", "--guild", "77", "--json")
    assert len(shown.output.splitlines()) == 5  # feed items are articles in the guild's scope

    removed = run("feed", "remove", str(data["id"]))
    assert removed.exit_code == 0 and "Stopped following" in removed.output
    assert run("feed", "list").output == "No feeds yet.\n"


def test_errors_are_one_line(site, run):
    bad = run("feed", "add", site.url("/missing"))
    assert bad.exit_code == 1 and bad.output.count("\n") == 1 and "HTTP 404" in bad.output
    page = site.serve("/plain", "<html><body><p>no feeds here</p></body></html>", "text/html")
    none = run("feed", "add", page)
    assert none.exit_code == 1 and "no RSS, Atom or JSON feed" in none.output
    assert run("feed", "remove", "99").output.startswith("Error: There is no feed #99")
    assert "There is no feed #5" in run("feed", "poll", "--feed", "5").output
    url = publish(site, range(1), '"x"')
    assert run("feed", "add", url).exit_code == 0
    again = run("feed", "add", url)
    assert again.exit_code == 1 and again.output.count("\n") == 1
    assert again.output == "Error: That feed is already followed globally (#1).\n"
    assert run("feed", "add", url, "--guild", "5").exit_code == 0  # another scope may
    twice = run("feed", "add", url, "--guild", "5")
    assert twice.output == "Error: This server already follows that feed (#2).\n"


def test_a_page_with_several_feeds_is_one_line_listing_them(site, run):
    publish(site, range(1), '"x"')
    site.serve("/b.xml", rss([], title="Second"))
    links = (
        '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        '<link rel="alternate" type="application/rss+xml" href="/b.xml">'
    )
    page = site.serve("/home", f"<html><head>{links}</head><body></body></html>", "text/html")
    chosen = run("feed", "add", page)
    assert chosen.exit_code == 1 and chosen.output.count("\n") == 1
    assert site.url("/feed.xml") in chosen.output and site.url("/b.xml") in chosen.output
    assert chosen.output.startswith("Error: That page has 2 feeds, pick one:")


def test_a_poll_that_fails_exits_1_after_polling_the_rest(site, run):
    broken = publish(site, range(2), '"a"')
    assert run("feed", "add", broken).exit_code == 0
    site.serve("/other.xml", rss([rss_item(site.page("/o/1", 7), story(7)[0], guid="o1")]))
    assert run("feed", "add", site.url("/other.xml")).exit_code == 0
    site.serve("/feed.xml", "gone for maintenance", "text/plain", status=503)
    polled = run("feed", "poll")
    assert polled.exit_code == 1, polled.output
    lines = polled.output.splitlines()
    assert len(lines) == 2 and lines[0].startswith("#1: failed") and lines[1].startswith("#2: ")
    # Polled alone, the healthy feed is a success.
    assert run("feed", "poll", "--feed", "2").exit_code == 0
