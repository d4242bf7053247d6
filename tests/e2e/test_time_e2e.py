"""News is about now (issue 23), through the real client: the newest version of a
developing story answers and the card names a newer one that did not ("Newer:"); a
question's time ("this week", "today", "on 3 December") narrows the stories in the
server's timezone; /news search takes the same words and a since option. The desk's
clock is fixed: Wednesday 9 December 2026, noon UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fake_discord import READER, FakeDiscord

from bot import ask_cards
from bot.client import NewsBot

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)

FLOOD = (
    "Death toll in Port Elwin floods rises to {n}\n"
    "The death toll from the floods in Port Elwin rose to {n} on {day}, the regional "
    "emergency office said. Rescue teams were still searching the lower town, where the "
    "river broke its banks after three days of rain."
)
STRIKE_NEW = (
    "Bus drivers in Halden walk out over pay\n"
    "Bus drivers in Halden began a two-day strike on Tuesday after talks on pay broke "
    "down. The drivers' union said 300 members had joined the walkout."
)
STRIKE_OLD = (
    "Halden bus strike ends after a pay deal\n"
    "The bus strike in Halden ended in November when drivers accepted a pay rise of four "
    "percent. The bus strike had lasted a week and the union said 250 members took part "
    "in the bus strike."
)


def description(message: dict[str, Any]) -> str:
    return str(message["embeds"][0].get("description") or "")


async def add(bot: NewsBot, fake: FakeDiscord, text: str, published: date) -> int:
    guild = fake.guilds[0].id
    return (await bot.desk.add_text(text, guild_id=guild, published=published)).article.id


def fixed(bot: NewsBot, now: datetime = NOW) -> None:
    bot.desk.clock = lambda: now


async def test_the_newest_version_answers_and_an_older_one_is_never_bold(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    fixed(bot)
    # Stored out of order: the newest story is neither the first nor the last added.
    ids = {}
    for n, day in ((40, date(2026, 12, 3)), (73, date(2026, 12, 5)), (12, date(2026, 12, 1))):
        ids[n] = await add(bot, fake, FLOOD.format(n=n, day=day.strftime("%A")), day)
    token = await fake.slash("ask", READER, question="How many people died in the floods?")
    reply = await fake.wait_message(token, timeout=20)
    text = description(reply)
    assert text.startswith("**73**")
    assert "**12**" not in text and "**40**" not in text
    # The answer's date stands under the answer.
    assert text.splitlines()[1] == f"{ask_cards.DATE_MARK}Published 5 Dec 2026"
    assert f"#{ids[73]}" in repr(reply["embeds"][0]["fields"])
    assert ask_cards.NEWER not in text  # nothing newer than what answered


async def test_an_older_version_answers_a_named_day_and_the_card_says_newer(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    fixed(bot)
    ids = {}
    for n, day in ((12, date(2026, 12, 1)), (73, date(2026, 12, 5)), (40, date(2026, 12, 3))):
        ids[n] = await add(bot, fake, FLOOD.format(n=n, day=day.strftime("%A")), day)
    token = await fake.slash(
        "ask", READER, question="How many people had died in the floods on 3 December?"
    )
    reply = await fake.wait_message(token, timeout=20)
    text = description(reply)
    assert text.startswith("**40**")
    newer = next(line for line in text.splitlines() if ask_cards.NEWER in line)
    assert "Death toll in Port Elwin floods rises to 73" in newer and f"#{ids[73]}" in newer
    assert "Window: articles from 3 December." in text


async def test_this_week_narrows_to_this_weeks_stories(fake: FakeDiscord, bot: NewsBot) -> None:
    fixed(bot)
    old = await add(bot, fake, STRIKE_OLD, date(2026, 11, 20))
    new = await add(bot, fake, STRIKE_NEW, date(2026, 12, 8))
    question = "How many members joined the bus strike this week?"
    reply = await fake.wait_message(await fake.slash("ask", READER, question=question), timeout=20)
    text = repr(reply["embeds"][0])
    assert description(reply).startswith("**300**")
    assert f"#{new}" in text and f"#{old}" not in text and "250" not in text
    assert "Window: articles from 7–9 December." in description(reply)

    # Without the time words the older story, which says "bus strike" three times, wins.
    question = "How many members took part in the bus strike?"
    reply = await fake.wait_message(await fake.slash("ask", READER, question=question), timeout=20)
    assert "Window:" not in description(reply)
    assert f"#{old}" in repr(reply["embeds"][0])


async def test_a_window_that_holds_no_story_says_so_and_reads_them_all(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    fixed(bot)
    old = await add(bot, fake, STRIKE_OLD, date(2026, 11, 20))
    question = "How many members took part in the bus strike yesterday?"
    reply = await fake.wait_message(await fake.slash("ask", READER, question=question), timeout=20)
    text = description(reply)
    assert "No stored story matches articles from 8 December; answered from all of them." in text
    assert f"#{old}" in repr(reply["embeds"][0])


async def test_today_is_the_servers_day_in_its_digest_timezone(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    guild = fake.guilds[0]
    # 20:00 UTC on 8 December is already 9 December in Auckland.
    fixed(bot, datetime(2026, 12, 8, 20, 0, tzinfo=UTC))
    new = await add(bot, fake, STRIKE_NEW, date(2026, 12, 9))
    question = "How many members joined the bus strike today?"
    reply = await fake.wait_message(await fake.slash("ask", READER, question=question), timeout=20)
    assert "No stored story matches articles from 8 December" in description(reply)  # UTC
    await bot.desk.digests.set_schedule(
        guild.id,
        channel_id=guild.channel_id,
        time_of_day="08:00",
        timezone="Pacific/Auckland",
        days="daily",
        max_articles=5,
        now=NOW,
        updated_by=None,
    )
    reply = await fake.wait_message(await fake.slash("ask", READER, question=question), timeout=20)
    assert "Window: articles from 9 December." in description(reply)
    assert f"#{new}" in repr(reply["embeds"][0])


async def test_news_search_takes_time_words_and_a_since_option(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    fixed(bot)
    old = await add(bot, fake, STRIKE_OLD, date(2026, 11, 20))
    new = await add(bot, fake, STRIKE_NEW, date(2026, 12, 8))
    token = await fake.slash("news", READER, sub="search", query="bus strike this week")
    page = description(await fake.wait_message(token, timeout=20))
    assert page.startswith("Window: articles from 7–9 December.")
    assert f"#{new}" in page and f"#{old}" not in page

    token = await fake.slash("news", READER, sub="search", query="bus strike", since="2026-11-01")
    page = description(await fake.wait_message(token, timeout=20))
    assert f"#{new}" in page and f"#{old}" in page
    token = await fake.slash("news", READER, sub="search", query="bus strike", since="Monday")
    page = description(await fake.wait_message(token, timeout=20))
    assert page.startswith("Window: articles since Monday 7 December.")
    assert f"#{new}" in page and f"#{old}" not in page

    # A since that is no time is refused in one line, and nothing is searched.
    token = await fake.slash(
        "news", READER, sub="search", query="bus strike", since="@everyone **soon**"
    )
    reply = await fake.wait_message(token, timeout=20)
    assert reply["content"].startswith("That since is not a time I can read")
    assert "@everyone" not in reply["content"] and reply["flags"] == 64  # ephemeral
