"""The delivery settings, rule counts and posted stories of feeds, on both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from news.domain import Delivery, StoryPost

T0 = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)
GUILD = 1111


@pytest.fixture
def store(stores):
    return stores.feeds


async def test_settings_default_to_the_old_delivery_and_change_in_scope(store):
    feed = await store.add(GUILD, "https://coast.example/rss", now=T0, next_poll=T0)
    assert feed.delivery == Delivery()
    assert await store.set_delivery(feed.id, 2222, {"style": "text"}) is None  # another scope
    changed = await store.set_delivery(
        feed.id,
        GUILD,
        {
            "style": "compact",
            "template": "{title}",
            "ping_role": 900_000_000_000_000_009,  # Discord ids pass 2**53
            "ping_keywords": "ferry",
            "deliver": "forum",
            "forum_tag": 5103,
            "publish": 1,
            "include_regex": "^Port\ntitle: x",
            "exclude_regex": "sport",
            "summary": 0,
            "channel_id": 5101,
        },
    )
    assert changed is not None and changed.channel_id == 5101
    assert changed.delivery == Delivery(
        style="compact",
        template="{title}",
        ping_role=900_000_000_000_000_009,
        ping_keywords="ferry",
        deliver="forum",
        forum_tag=5103,
        publish=True,
        include_regex="^Port\ntitle: x",
        exclude_regex="sport",
        summary=False,
    )
    assert (await store.get(feed.id, GUILD)) == changed
    with pytest.raises(ValueError):
        await store.set_delivery(feed.id, GUILD, {"url": "https://evil.example"})
    await store.note_delivery(feed.id, "I can't publish")
    assert (await store.get(feed.id, GUILD)).delivery.note == "I can't publish"


async def test_rule_counts_add_up_per_rule_and_clear(store):
    feed = await store.add(GUILD, "https://coast.example/rss", now=T0, next_poll=T0)
    await store.add_rule_counts(feed.id, {"exclude /sport/": 2, "matched no include rule": 1})
    await store.add_rule_counts(feed.id, {"exclude /sport/": 3, "unused": 0})
    assert await store.rule_counts([feed.id]) == {
        feed.id: {"exclude /sport/": 5, "matched no include rule": 1}
    }
    await store.clear_rule_counts(feed.id)
    assert await store.rule_counts([feed.id]) == {}


async def test_stories_per_guild_by_thread_and_recent(store):
    def post(article_id: int, *, guild: int | None = GUILD, hours: int = 0, thread=None):
        return StoryPost(
            guild_id=guild,
            article_id=article_id,
            feed_id=1,
            source="Coast",
            link=f"https://coast.example/{article_id}",
            opening="The ferry stops in May.",
            posted_at=T0 - timedelta(hours=hours),
            channel_id=2001,
            message_id=900_000_000_000_000_100 + article_id,
            thread_id=thread,
            content="New from Coast:",
        )

    await store.record_stories(
        [post(1, thread=777), post(2, hours=30), post(3, guild=None), post(4)]
    )
    await store.record_stories([post(1, hours=5)])  # the first record stays
    recent = await store.recent_stories(GUILD, T0 - timedelta(days=1))
    assert [p.article_id for p in recent] == [1, 4] or [p.article_id for p in recent] == [4, 1]
    assert all(p.posted_at == T0 for p in recent)
    assert [p.article_id for p in await store.recent_stories(None, T0 - timedelta(days=1))] == [3]
    found = await store.story_in_thread(777, GUILD)
    assert found is not None and found.article_id == 1
    assert await store.story_in_thread(777, 2222) is None  # another guild's thread
    await store.set_story_content(GUILD, 900_000_000_000_000_101, "New\n↳ #1 also reported by X")
    found = await store.story_in_thread(777, GUILD)
    assert found is not None and found.content == "New\n↳ #1 also reported by X"


async def test_a_story_recorded_before_sending_is_completed_or_forgotten(store):
    unsent = StoryPost(
        guild_id=GUILD,
        article_id=9,
        feed_id=1,
        source="Coast",
        link=None,
        opening="The ferry stops in May.",
        posted_at=T0,
    )
    await store.record_stories([unsent, replace(unsent, article_id=10)])
    await store.story_sent([replace(unsent, channel_id=2001, message_id=55, content="New")])
    sent = await store.get_story(GUILD, 9)
    assert sent is not None and (sent.channel_id, sent.message_id, sent.content) == (
        2001,
        55,
        "New",
    )
    await store.forget_stories(GUILD, [9, 10])  # Discord did not take 10's message
    assert await store.get_story(GUILD, 9) == sent  # a sent story is never forgotten
    assert await store.get_story(GUILD, 10) is None
