"""Delivery the way servers want it (issue 21), through the real client and the fake
Discord, with feeds served on 127.0.0.1: a thread per story, forum posts with a tag, a
crossposted announcement, a ping that allows only its role, /ask inside a story's thread,
one story from two feeds posted once with "also reported by", a hostile template refused,
and a missing permission pausing posting until /feed resume."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_discord import ANNOUNCEMENT, FORUM, MOD, Channel, FakeDiscord, Guild

from bot.client import NewsBot
from tests.harness.feed_site import FeedSite, article_page, feed_site, rfc822, rss, rss_item, story

GUILD = 1001
TEXT_CHANNEL = 2001
NEWSROOM = Channel(5001, ANNOUNCEMENT, "newsroom")
STORIES = Channel(5101, FORUM, "stories", tags=["Local", "World"])
ROLE = 7001


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(
        [Guild(GUILD, TEXT_CHANNEL, "Guild A", channels=[NEWSROOM, STORIES], roles=[ROLE])]
    )
    await server.start()
    server.patch_client(monkeypatch)
    yield server
    await server.stop()


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    async with feed_site() as s:
        yield s


def publish(site: FeedSite, numbers: range, etag: str, *, prefix: str = "", title: str = "") -> str:
    items = []
    for n in numbers:
        headline, paragraphs = story(n)
        headline = f"{title}{headline}"
        link = site.serve(f"{prefix}/s/{n}", article_page(headline, paragraphs), "text/html")
        items.append(rss_item(link, headline, guid=f"{prefix}{n}", date=rfc822(1 + n)))
    return site.serve(f"{prefix}/feed.xml", rss(items, title=f"Coast{prefix}"), etag=etag)


async def follow(bot: NewsBot, url: str, channel: int, **settings: Any) -> Any:
    feeds = bot.desk.feeds
    feed, _ = await feeds.subscribe(url, guild_id=GUILD, channel_id=channel)
    if settings:
        feed = await feeds.configure(feed.id, GUILD, settings)
    return feed


async def poll_now(bot: NewsBot) -> None:
    feeds = bot.desk.feeds
    subs = await feeds.store.subscriptions(GUILD)
    await feeds.store.reschedule({f.id: datetime.now(UTC) for f in subs})
    await feeds.poll_due()


def posts_to(fake: FakeDiscord, path: str, start: int = 0) -> list[Any]:
    return [
        c for c in fake.calls[start:] if c.method == "POST" and c.path == path and c.status == 200
    ]


async def test_a_thread_per_story_named_after_its_title_and_ask_inside_it(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    await follow(bot, url, TEXT_CHANNEL, deliver="thread")
    publish(site, range(3), '"2"')
    await poll_now(bot)
    messages = posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages")
    assert len(messages) == 2  # a message per story, each its own thread
    threads = list(fake.threads.values())
    assert sorted(t["name"] for t in threads) == sorted(story(n)[0] for n in (1, 2))
    assert {t["id"] for t in threads} == {m.response_id for m in messages}

    # /ask inside story 2's thread answers about story 2, in that thread.
    thread = next(t for t in threads if t["name"] == story(2)[0])
    token = await fake.slash("ask", MOD, channel_id=thread["id"], question="How many builders?")
    answer = await fake.wait_message(token)
    # The answer and its quote: the rest of the card holds links whose port may hold "13".
    (card,) = answer["embeds"]
    assert card["description"].startswith("**14**")  # story 2 had 2 + 12 builders
    assert "13" not in card["description"]  # story 1 had 13
    assert all(str(TEXT_CHANNEL) not in c.path for c in fake.calls_for(token))


async def test_forum_posts_with_a_tag_and_a_deleted_forum_pauses_posting(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    feed = await follow(
        bot, url, STORIES.id, deliver="forum", forum_tag=int(STORIES.tag_id("World"))
    )
    publish(site, range(2), '"2"')
    await poll_now(bot)
    (post,) = posts_to(fake, f"/channels/{STORIES.id}/threads")
    assert post.json["name"] == story(1)[0]
    assert post.json["applied_tags"] == [STORIES.tag_id("World")]
    assert post.json["message"]["embeds"]  # the card is the post's first message
    assert post.json["message"]["allowed_mentions"]["parse"] == []

    fake.delete_channel(STORIES.id)
    publish(site, range(3), '"3"')
    await poll_now(bot)
    paused = await bot.desk.feeds.get(feed.id, GUILD)
    assert paused.posting_paused and "forum" in paused.posting_paused
    assert not paused.paused and await bot.desk.count(GUILD) == 3  # still storing
    token = await fake.slash("feed", MOD, sub="list")
    listed = await fake.wait_message(token)
    assert "posting paused" in listed["embeds"][0]["description"]

    fake.failures.clear()  # the forum is back (a moderator fixed it)
    token = await fake.slash("feed", MOD, sub="resume", feed=feed.id)
    await fake.wait_message(token)
    assert (await bot.desk.feeds.get(feed.id, GUILD)).posting_paused is None
    publish(site, range(4), '"4"')
    await poll_now(bot)
    assert len(posts_to(fake, f"/channels/{STORIES.id}/threads")) == 2


async def test_an_announcement_is_published_and_a_refusal_is_one_line_in_the_list(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    feed = await follow(bot, url, NEWSROOM.id, publish=True)
    publish(site, range(2), '"2"')
    await poll_now(bot)
    (message,) = posts_to(fake, f"/channels/{NEWSROOM.id}/messages")
    assert fake.crossposted == [message.response_id]

    fake.refuse("POST", r"/channels/\d+/messages/\d+/crosspost")
    publish(site, range(3), '"3"')
    await poll_now(bot)
    assert len(posts_to(fake, f"/channels/{NEWSROOM.id}/messages")) == 2  # still posting
    after = await bot.desk.feeds.get(feed.id, GUILD)
    assert after.posting_paused is None and after.delivery.note
    token = await fake.slash("feed", MOD, sub="list")
    listed = await fake.wait_message(token)
    assert "can't publish" in listed["embeds"][0]["description"]


async def test_a_ping_allows_exactly_its_role_and_only_on_its_keywords(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    await follow(bot, url, TEXT_CHANNEL, style="compact", ping_role=ROLE, ping_keywords="Orrin")
    publish(site, range(2), '"2"', title="@everyone <@3002> ")  # Mistle Bay: no keyword
    await poll_now(bot)
    publish(site, range(3), '"3"', title="@everyone <@3002> ")  # Orrin Falls: pings
    await poll_now(bot)
    quiet, loud = (c.json for c in posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages"))
    assert quiet["allowed_mentions"]["parse"] == [] and not quiet["allowed_mentions"].get("roles")
    assert "<@&" not in quiet["content"]
    assert loud["content"].startswith(f"<@&{ROLE}>")
    assert loud["allowed_mentions"]["parse"] == []
    assert loud["allowed_mentions"]["roles"] == [ROLE]
    assert not loud["allowed_mentions"].get("users")
    assert "@everyone" not in loud["content"] and "<@3002>" not in loud["content"]


async def test_two_feeds_with_one_story_post_it_once_with_also_reported_by(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    first = publish(site, range(0), '"1"', prefix="/a")
    second = publish(site, range(0), '"1"', prefix="/b")
    await follow(bot, first, TEXT_CHANNEL)
    await follow(bot, second, TEXT_CHANNEL)
    publish(site, range(1), '"2"', prefix="/a")  # the same text, two outlets' copies
    publish(site, range(1), '"2"', prefix="/b", title="Wire: ")
    await poll_now(bot)
    posted = posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages")
    assert len(posted) == 1
    edits = [c for c in fake.calls if c.method == "PATCH" and c.path.startswith("/channels/")]
    assert len(edits) == 1 and "also reported by" in edits[0].json["content"]
    # Whichever feed's poll posted first, the other is added, linked to its own copy.
    other = "/b/s/0" if "New from Coast/a" in str(posted[0].json) else "/a/s/0"
    assert site.url(other) in edits[0].json["content"]
    assert edits[0].json["allowed_mentions"]["parse"] == []


async def test_a_hostile_template_is_refused_and_titles_cannot_close_its_markdown(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    feed = await follow(bot, url, TEXT_CHANNEL)
    for template in ("@everyone {title}", "<@&7001> {title}", "[read]({url})", "@{title}"):
        token = await fake.slash(
            "feed", MOD, sub="format", feed=feed.id, style="text", template=template
        )
        refused = await fake.wait_message(token)
        assert refused["flags"] == 64 and "\n" not in refused["content"]
    assert (await bot.desk.feeds.get(feed.id, GUILD)).delivery.style == "card"  # unchanged

    token = await fake.slash(
        "feed", MOD, sub="format", feed=feed.id, style="text", template="**{title}** {url}"
    )
    assert "posts as text" in (await fake.wait_message(token))["content"]
    publish(site, range(2), '"2"', title="x** [click](http://evil.example) @here ")
    await poll_now(bot)
    (message,) = posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages")
    content = message.json["content"]
    assert "x\\*\\* \\[click\\]" in content and "@here" not in content
    assert message.json["allowed_mentions"]["parse"] == []

    token = await fake.slash("feed", MOD, sub="preview", feed=feed.id)
    shown = await fake.wait_message(token)
    assert shown["content"].startswith("**x\\*\\*")


async def test_a_deleted_role_pauses_posting_until_resumed(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    feed = await follow(bot, url, TEXT_CHANNEL, ping_role=ROLE)
    await fake.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(GUILD), "role_id": str(ROLE)})
    guild = bot.get_guild(GUILD)
    assert guild is not None
    for _ in range(100):  # the gateway event reaches the client's cache
        if guild.get_role(ROLE) is None:
            break
        await asyncio.sleep(0.02)
    publish(site, range(2), '"2"')
    await poll_now(bot)
    assert posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages") == []
    paused = await bot.desk.feeds.get(feed.id, GUILD)
    assert paused.posting_paused and "role" in paused.posting_paused
    assert await bot.desk.count(GUILD) == 2  # stored all the same

    token = await fake.slash("feed", MOD, sub="ping", feed=feed.id)  # no role: stop pinging
    assert "mention no one" in (await fake.wait_message(token))["content"]
    token = await fake.slash("feed", MOD, sub="resume", feed=feed.id)
    await fake.wait_message(token)
    publish(site, range(3), '"3"')
    await poll_now(bot)
    (message,) = posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages")
    assert message.json["allowed_mentions"] == {"parse": []}


async def test_a_missing_thread_permission_pauses_posting_until_resumed(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    feed = await follow(bot, url, TEXT_CHANNEL, deliver="thread")
    fake.refuse("POST", rf"/channels/{TEXT_CHANNEL}/messages/\d+/threads")
    publish(site, range(2), '"2"')
    await poll_now(bot)
    paused = await bot.desk.feeds.get(feed.id, GUILD)
    assert paused.posting_paused and "Create Public Threads" in paused.posting_paused
    publish(site, range(3), '"3"')
    before = len(fake.calls)
    await poll_now(bot)
    assert posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages", before) == []  # no more tries

    fake.failures.clear()  # the permission was given
    token = await fake.slash("feed", MOD, sub="resume", feed=feed.id)
    await fake.wait_message(token)
    publish(site, range(4), '"4"')
    await poll_now(bot)
    assert [t["name"] for t in fake.threads.values()] == [story(3)[0]]


async def test_slash_commands_set_a_tagged_forum_a_role_and_a_rule_counted_in_the_list(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    feed = await follow(bot, url, TEXT_CHANNEL)
    deliver = {
        "id": fake.command_id("feed"),
        "name": "feed",
        "type": 1,
        "options": [
            {
                "name": "deliver",
                "type": 1,
                "options": [
                    {"name": "feed", "type": 4, "value": feed.id},
                    {"name": "where", "type": 3, "value": "forum"},
                    {"name": "channel", "type": 7, "value": str(STORIES.id)},
                    {"name": "tag", "type": 3, "value": "world"},
                ],
            }
        ],
        "resolved": {
            "channels": {
                str(STORIES.id): {
                    "id": str(STORIES.id),
                    "type": FORUM,
                    "name": STORIES.name,
                    "permissions": "0",
                    "guild_id": str(GUILD),
                }
            }
        },
    }
    token = await fake.interact(2, deliver, MOD, guild_id=GUILD)
    assert "posts in the forum" in (await fake.wait_message(token))["content"]
    role = {"id": str(ROLE), "name": "news", "permissions": "0", "position": 1, "color": 0,
            "hoist": False, "managed": False, "mentionable": True}  # fmt: skip
    ping = {
        "id": fake.command_id("feed"),
        "name": "feed",
        "type": 1,
        "options": [
            {
                "name": "ping",
                "type": 1,
                "options": [
                    {"name": "feed", "type": 4, "value": feed.id},
                    {"name": "role", "type": 8, "value": str(ROLE)},
                ],
            }
        ],
        "resolved": {"roles": {str(ROLE): role}},
    }
    token = await fake.interact(2, ping, MOD, guild_id=GUILD)
    reply = await fake.wait_message(token)
    assert f"mention <@&{ROLE}>" in reply["content"]
    assert reply["allowed_mentions"]["parse"] == []  # saying so pings no one
    token = await fake.slash("feed", MOD, sub="filter", feed=feed.id, exclude="title: ^Mistle")
    assert "rules saved" in (await fake.wait_message(token))["content"]

    publish(site, range(3), '"2"')  # 1 is Mistle Bay (left out), 2 Orrin Falls
    await poll_now(bot)
    (post,) = posts_to(fake, f"/channels/{STORIES.id}/threads")
    assert post.json["name"] == story(2)[0]
    assert post.json["applied_tags"] == [STORIES.tag_id("World")]
    assert post.json["message"]["content"].startswith(f"<@&{ROLE}>")
    assert post.json["message"]["allowed_mentions"]["roles"] == [ROLE]
    token = await fake.slash("feed", MOD, sub="list")
    listed = (await fake.wait_message(token))["embeds"][0]["description"]
    assert "a forum post per story with a tag" in listed and f"pings <@&{ROLE}>" in listed
    assert (
        "`exclude /^Mistle/ in title`" in listed
        and "left out: exclude /^Mistle/ in title: 1" in listed
    )
