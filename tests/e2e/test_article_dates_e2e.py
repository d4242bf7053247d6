"""An article's date through the real client: the paste form and /article add take an
optional publication date, and every card says whether its date is the day the article
was published or the day it was added (issue 20, item 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fake_discord import MOD, READER, FakeDiscord, Pages

from bot.client import NewsBot

PASTED = (
    "The river ferry between Ostbank and Wendel will stop running for two weeks in June "
    "while its engine is replaced. Commuters can take a replacement bus that leaves the "
    "Ostbank quay every twenty minutes."
)

# A page that states no publication date of its own.
UNDATED_PAGE = """<!doctype html>
<html><head><title>Wendel quay gets new benches | Ostbank Post</title></head><body>
<article><h1>Wendel quay gets new benches</h1>
<p>The harbour board put twelve new oak benches along the Wendel quay on Tuesday, replacing
the metal seats that rusted through over the winter.</p>
<p>The benches were built by apprentices at the town's carpentry school, who spent most of
the spring on them, and each carries a small brass plate with the maker's name.</p>
</article></body></html>
"""


async def paste(fake: FakeDiscord, published: str | None = None) -> dict[str, Any]:
    token = await fake.slash("article", MOD, sub="paste")
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.json["type"] == 9  # the form
    values = {"title": "Ostbank ferry pauses", "text": PASTED, "url": ""}
    if published is not None:
        values["published"] = published
    token = await fake.submit_modal(call.json["data"]["custom_id"], values, MOD)
    return await fake.wait_message(token, timeout=20)


def fields(message: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}


def utc_days() -> list[date]:
    """Today in UTC and tomorrow: an add that runs across midnight is stamped with either."""
    today = datetime.now(UTC).date()
    return [today, today + timedelta(days=1)]


async def test_a_paste_without_a_date_shows_the_day_it_was_added(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    days = utc_days()
    reply = await paste(fake)
    card = fields(reply)
    assert "Date" not in card and "Published" not in card
    assert card["Added"] in [f"{d.day} {d:%b %Y}" for d in days]

    token = await fake.slash("ask", READER, question="How often does the replacement bus leave?")
    answer = await fake.wait_message(token, timeout=20)
    source = answer["embeds"][0]["fields"][0]["value"]
    assert any(f" · added {d.isoformat()} · #1" in source for d in days), source


async def test_the_paste_form_stores_a_publication_date(fake: FakeDiscord, bot: NewsBot) -> None:
    reply = await paste(fake, published=" 2026-05-03 ")
    assert "Stored as article #1" in reply["content"]
    assert fields(reply)["Published"] == "3 May 2026"
    stored = await bot.desk.get(1, fake.guilds[0].id)
    assert stored.published == date(2026, 5, 3)

    token = await fake.slash("article", READER, sub="list")
    listed = (await fake.wait_message(token))["embeds"][0]["description"]
    assert "published 2026-05-03 · #1" in listed


async def test_a_bad_date_in_the_paste_form_is_one_line_and_stores_nothing(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    for bad in ("2026-13-01", "yesterday", "3 May 2026"):
        reply = await paste(fake, published=bad)
        assert reply["flags"] == 64, reply
        assert "\n" not in reply["content"] and "YYYY-MM-DD" in reply["content"], reply
        assert await bot.desk.count(fake.guilds[0].id) == 0


async def test_article_add_takes_a_publication_date(
    fake: FakeDiscord, bot: NewsBot, pages: Pages
) -> None:
    url = pages.add("/wendel-benches", UNDATED_PAGE)
    token = await fake.slash("article", MOD, sub="add", url=url, published="2026-05-03")
    reply = await fake.wait_message(token, timeout=20)
    assert "Stored as article #1" in reply["content"], reply
    assert fields(reply)["Published"] == "3 May 2026"
    stored = await bot.desk.get(1, fake.guilds[0].id)
    assert stored.published == date(2026, 5, 3)


async def test_article_add_with_a_bad_date_is_one_line_and_fetches_nothing(
    fake: FakeDiscord, bot: NewsBot, pages: Pages
) -> None:
    url = pages.add("/wendel-benches", UNDATED_PAGE)
    for bad in ("2026-02-30", "x" * 500):
        token = await fake.slash("article", MOD, sub="add", url=url, published=bad)
        reply = await fake.wait_message(token)
        assert reply["flags"] == 64, reply
        content = reply["content"]
        assert "\n" not in content and "YYYY-MM-DD" in content and len(content) < 200, reply
    assert pages.requested == []  # refused before the page was fetched
    assert await bot.desk.count(fake.guilds[0].id) == 0
