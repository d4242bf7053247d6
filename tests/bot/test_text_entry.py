"""Text is sanitised once, where it enters (issue 20, item 2): a lone surrogate (which
UTF-8 cannot encode, so SQLite's driver raises) or a NUL (which PostgreSQL refuses in any
text) in a paste, an import line or a feed item is removed, and never fails the write, a
batch, or a feed. Each test runs on SQLite and on a real PostgreSQL, with a real feed
site on 127.0.0.1.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.desk import NewsDesk
from bot.app.drafts import Draft
from bot.app.feeds import FeedCases
from news.errors import NewsError
from tests.harness.feed_site import FeedSite, feed_site, json_feed, rss, rss_item, story
from tests.harness.postgres import require_postgres, scratch_database

GUILD = 6161
BODY = (
    "The tide gauge on the north mole was replaced this week after a winter storm bent"
    " its mast. Harbour staff said the readings would be published online again soon."
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgres"])
async def desk(request, tmp_path) -> AsyncIterator[NewsDesk]:
    if request.param == "sqlite":
        d = await NewsDesk.open(tmp_path / "entry.db", allow_private_urls=True)
        try:
            yield d
        finally:
            await d.close()
        return
    async with scratch_database(require_postgres()) as url:
        d = await NewsDesk.open(url, allow_private_urls=True)
        try:
            yield d
        finally:
            await d.close()


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    async with feed_site() as s:
        yield s


def _clean(*texts: str | None) -> bool:
    return not any(ch in (t or "") for t in texts for ch in ("\x00", "\ud800", "\udfff"))


async def test_a_paste_with_a_surrogate_and_nuls_is_stored_clean(desk):
    result = await desk.add_text(
        BODY.replace("gauge", "ga\x00uge") + " \ud800",
        title="Tide gauge \ud800back\x00 up",
        url="https://mole.example/tide\x00",
        source="Mole \udfffNews",
        guild_id=GUILD,
    )
    article = result.article
    assert article.title == "Tide gauge back up"
    assert _clean(article.title, article.text, article.url, article.source)
    assert "gauge on the north mole" in article.text
    assert article.url == "https://mole.example/tide"
    found = await desk.search("tide gauge", GUILD)
    assert [hit.article_id for hit in found] == [article.id]


async def test_one_poisoned_import_line_does_not_cost_the_others(desk):
    drafts = [
        Draft(text=f"{BODY} Line {n}.", title=f"Gauge report {n}", origin=f"in.jsonl:{n}")
        for n in range(1, 4)
    ]
    drafts.insert(
        1,
        Draft(
            text=BODY + "\x00 And a \ud800 half pair.",
            title="Bad \ud800 title",
            author="Ann\x00 Lee",
            url="https://mole.example/x\ud800y",
            origin="in.jsonl:9",
        ),
    )
    outcomes: list[object] = []
    await desk.import_drafts(drafts, report=outcomes.append)
    assert not [o for o in outcomes if isinstance(o, NewsError)]
    stored = await desk.recent(None)
    assert len(stored) == 4
    bad = [a for a in stored if a.title == "Bad title"]
    assert bad and _clean(bad[0].text, bad[0].author, bad[0].url)
    assert bad[0].author == "Ann Lee" and bad[0].url == "https://mole.example/xy"


async def test_poisoned_feed_items_are_stored_clean_and_the_good_ones_too(site, desk):
    """A lone surrogate in a title, a date that overflows in UTC, NULs in a guid and a
    link: `feed add` once ended in a traceback here and every later poll failed while
    the feed read "ok"; now every item is stored, cleaned, and the feed polls on."""
    pages = [site.page(f"/story/{n}", n) for n in range(1, 5)]
    items = [
        {"id": "good", "url": pages[0], "title": story(1)[0]},
        # No page behind its link: stored from its own text, under its own title.
        {
            "id": "surrogate",
            "url": site.url("/gone/2"),
            "title": "Bad \ud800 title",
            "content_text": f"{BODY} {BODY}\ud800",
        },
        {"id": "overflow", "url": pages[2], "date_published": "9999-12-31T23:59:59-01:00"},
        {"id": "n\x00ul", "url": pages[3] + "\x00", "title": story(4)[0]},
    ]
    url = site.serve("/feed.json", json_feed(items), "application/feed+json")
    feeds = FeedCases(desk, clock=Clock(), rng=random.Random(5))
    feed, report = await feeds.subscribe(url, guild_id=GUILD, channel_id=9)
    assert report.status == "ok" and report.new == 4 and report.failed == 0, report.detail
    stored = await desk.recent(GUILD)
    assert len(stored) == 4
    assert all(_clean(a.title, a.text, a.url) for a in stored)
    assert any(a.title == "Bad title" for a in stored)
    assert feed.failures == 0 and feed.last_status == "ok"
    assert await feeds.store.seen(feed.id, ["id:nul"]) == {"id:nul"}

    # The same feed later serves RSS with &#xD800; in a title: that item is stored too.
    feeds.clock.now += timedelta(minutes=30)  # type: ignore[attr-defined]
    link = site.page("/story/5", 5)
    poisoned = rss_item(link, "Surrogate", guid="5").replace("Surrogate", "Half &#xD800; pair")
    site.serve("/feed.json", rss([poisoned]))
    current = await feeds.store.get(feed.id, GUILD)
    assert current is not None
    report = await feeds.poll(current)
    assert report.status == "ok" and report.new == 1, report.detail
    after = await feeds.store.get(feed.id, GUILD)
    assert after is not None and after.last_status == "ok" and after.failures == 0
    assert any(a.title == story(5)[0] for a in await desk.recent(GUILD))
    assert json.dumps([a.title for a in await desk.recent(GUILD)])  # every title encodes
