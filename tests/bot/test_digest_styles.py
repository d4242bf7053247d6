"""A digest in the three styles of issue 21: card (the embeds), compact (one line an
article) and text (markdown blocks), each message within 2,000 characters, whole
articles only, every article once, and nothing that mentions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.digest import render_messages
from tests.bot.test_digest import digest_of, make_article
from tests.bot.test_scheduler import aps, env  # noqa: F401  (fixtures)


@pytest.mark.parametrize("style", ["compact", "text"])
def test_line_styles_fit_discord_and_hold_each_article_once(style: str) -> None:
    articles = [make_article(n, title=f"Story {n} @everyone **bold") for n in range(1, 61)]
    messages = render_messages(replace(digest_of(articles, more=True), style=style))
    assert all(not m.embeds and m.content and len(m.content) <= 2000 for m in messages)
    held = [i for m in messages for i in m.article_ids]
    assert sorted(held) == list(range(1, 61))
    text = "\n".join(m.content or "" for m in messages)
    assert "@everyone" not in text and "\\*\\*bold" in text
    assert "More articles were added" in messages[-1].content  # type: ignore[operator]
    if style == "compact":
        assert all(f"· #{n}" in text for n in range(1, 61))
        assert len(messages) < len(render_messages(replace(digest_of(articles), style="text")))


def test_card_stays_the_embeds() -> None:
    (message,) = render_messages(digest_of([make_article(1)]))
    assert message.embeds and message.content


async def test_a_schedules_style_reaches_the_digest_it_posts(env) -> None:  # noqa: F811
    from datetime import timedelta

    from news.domain import RunStatus
    from tests.bot.test_scheduler import GUILD, add_article, utc

    desk, store, clock, poster, runner = env
    await store.set_schedule(
        GUILD, channel_id=77, time_of_day="09:00", timezone="Europe/London",
        days="mon,tue,wed,thu,fri,sat,sun", max_articles=10, now=clock(), style="compact",
    )  # fmt: skip
    assert (await store.get_schedule(GUILD)).style == "compact"
    await add_article(desk, "Tram line reopens", clock() - timedelta(hours=1))
    clock.set(utc(2025, 6, 2, 8, 0, 2))
    assert (await runner.run_due(GUILD)).status == RunStatus.POSTED
    [(_, digest)] = poster.posts
    assert digest.style == "compact"
    (message,) = render_messages(digest)
    assert not message.embeds and "Tram line reopens" in (message.content or "")
