"""Feeds through the real client and the fake Discord, with a real feed site on 127.0.0.1:
/feed add (first poll stores, posts nothing), new items posted as cards five to a message,
a deleted channel pausing posting but not storing, moderators only, autocomplete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_discord import MEMBER_PERMISSIONS, MOD, READER, FakeDiscord, Member

from bot.app.feed_job import FeedPoller
from bot.client import NewsBot
from tests.harness.feed_site import FeedSite, article_page, feed_site, rfc822, rss, rss_item, story

DEMOTED = Member(MOD.user_id, MOD.name, MEMBER_PERMISSIONS)  # the same member, role taken away

GUILD = 1001


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    async with feed_site() as s:
        yield s


def publish(site: FeedSite, numbers: range, etag: str) -> str:
    items = []
    for n in numbers:
        title, paragraphs = story(n)
        if n == 4:  # a hostile title, on the page and in the feed
            title += " @everyone"
        link = site.serve(f"/s/{n}", article_page(title, paragraphs), "text/html")
        items.append(rss_item(link, title, guid=str(n), date=rfc822(1 + n)))
    return site.serve("/feed.xml", rss(items), etag=etag)


async def feed_add(
    fake: FakeDiscord,
    member: Any,
    url: str,
    *,
    with_channel: bool = True,
    post_latest: bool | None = None,
) -> str:
    channel = fake.guild(GUILD).channel_id
    options: list[dict[str, Any]] = [{"name": "url", "type": 3, "value": url}]
    if post_latest is not None:
        options.append({"name": "post_latest", "type": 5, "value": post_latest})
    resolved: dict[str, Any] = {}
    if with_channel:
        options.append({"name": "channel", "type": 7, "value": str(channel)})
        resolved = {
            "channels": {
                str(channel): {
                    "id": str(channel),
                    "type": 0,
                    "name": "news",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "guild_id": str(GUILD),
                }
            }
        }
    data = {
        "id": fake.command_id("feed"),
        "name": "feed",
        "type": 1,
        "options": [{"name": "add", "type": 1, "options": options}],
        "resolved": resolved,
    }
    return await fake.interact(2, data, member, guild_id=GUILD)


def channel_posts(fake: FakeDiscord) -> list[dict[str, Any]]:
    path = f"/channels/{fake.guild(GUILD).channel_id}/messages"
    return [c.json for c in fake.calls if c.method == "POST" and c.path == path and c.status == 200]


async def poll_now(bot: NewsBot) -> None:
    cog: Any = bot.get_cog("Feeds")  # the extension's own module copy: no isinstance
    feeds = await cog.feeds.store.subscriptions(GUILD)
    await cog.feeds.store.reschedule({f.id: datetime.now(UTC) for f in feeds})
    await cog.feeds.poll_due()


async def test_add_stores_without_posting_then_new_items_are_posted_as_cards(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    assert bot.scheduler.get_job(FeedPoller.JOB_ID) is not None  # on the bot's one scheduler
    url = publish(site, range(3), '"1"')
    token = await feed_add(fake, MOD, url)
    reply = await fake.wait_for(
        lambda c: (
            f"/{token}" in c.path
            and c.method == "POST"
            and c.message is not None
            and "Following" in (c.message.get("content") or "")
        )
    )
    assert "stored 3 items" in reply.message["content"]
    assert channel_posts(fake) == []
    assert await bot.desk.count(GUILD) == 3

    publish(site, range(10), '"2"')  # seven new items
    await poll_now(bot)
    posts = channel_posts(fake)
    assert [len(p["embeds"]) for p in posts] == [5, 2]
    assert posts[0]["content"].startswith("New from Coast Gazette")
    assert all(p["allowed_mentions"]["parse"] == [] for p in posts)
    descriptions = " ".join(e["description"] for p in posts for e in p["embeds"])
    assert "@everyone" not in descriptions and "@\u200beveryone" in descriptions
    assert site.url("/s/9") in posts[0]["embeds"][0]["description"]  # the title is linked

    await poll_now(bot)  # unchanged: a 304, nothing posted again
    assert len(channel_posts(fake)) == 2


async def test_a_deleted_channel_pauses_posting_not_storing(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(2), '"1"')
    token = await feed_add(fake, MOD, url)
    await fake.wait_for(
        lambda c: (
            f"/{token}" in c.path
            and c.message is not None
            and "Following" in (c.message.get("content") or "")
        )
    )
    path = rf"/channels/{fake.guild(GUILD).channel_id}/messages"
    fake.fail("POST", path, 404, body={"message": "Unknown Channel", "code": 10003})
    publish(site, range(4), '"2"')
    await poll_now(bot)
    cog: Any = bot.get_cog("Feeds")
    (feed,) = await cog.feeds.store.subscriptions(GUILD)
    assert feed.posting_paused and "no longer exists" in feed.posting_paused
    assert not feed.paused and await bot.desk.count(GUILD) == 4
    publish(site, range(5), '"3"')
    before = len(fake.calls)
    await poll_now(bot)
    assert await bot.desk.count(GUILD) == 5
    assert not [c for c in fake.calls[before:] if c.path == path]  # no more tries


async def test_only_moderators_add_and_everyone_lists(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(1), '"1"')
    token = await feed_add(fake, READER, url)
    refused = await fake.wait_message(token)
    assert "Only moderators" in refused["content"]
    assert site.requests == []
    token = await feed_add(fake, MOD, url, with_channel=False)
    await fake.wait_for(
        lambda c: (
            f"/{token}" in c.path
            and c.message is not None
            and "Following" in (c.message.get("content") or "")
        )
    )
    token = await fake.slash("feed", READER, sub="list")
    listed = await fake.wait_message(token)
    assert "Coast Gazette" in listed["embeds"][0]["description"]
    assert "next <t:" in listed["embeds"][0]["description"]
    assert listed["embeds"][0]["footer"]["text"].endswith("· 1 feed")
    token = await fake.autocomplete("feed", MOD, sub="remove", focused="feed", value="coast")
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.json["data"]["choices"] == [{"name": "#1 Coast Gazette", "value": 1}]


def following(token: str) -> Any:
    return lambda c: (
        f"/{token}" in c.path
        and c.message is not None
        and "Following" in (c.message.get("content") or "")
    )


async def test_add_may_post_the_latest_three_at_once(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    url = publish(site, range(6), '"1"')
    token = await feed_add(fake, MOD, url, with_channel=False, post_latest=True)
    asked = await fake.wait_message(token)
    assert asked["flags"] == 64 and "choose the channel" in asked["content"]
    assert site.requests == []
    token = await feed_add(fake, MOD, url, post_latest=True)
    reply = await fake.wait_for(following(token))
    assert "stored 6 items" in reply.message["content"]
    assert "Posted the latest 3 in <#" in reply.message["content"]
    (post,) = channel_posts(fake)
    assert len(post["embeds"]) == 3 and "more" not in post["content"]  # a taste, no backlog
    assert site.url("/s/5") in post["embeds"][0]["description"]  # the newest first
    assert post["allowed_mentions"]["parse"] == []
    publish(site, range(7), '"2"')
    await poll_now(bot)  # the next poll posts only the new item
    assert [len(p["embeds"]) for p in channel_posts(fake)] == [3, 1]


async def test_several_feeds_on_a_page_are_offered_in_a_select_menu(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    first = publish(site, range(2), '"1"')
    second = site.serve("/other.xml", rss([], title="Harbour @everyone notes"))
    alternates = (
        f'<link rel="alternate" type="application/rss+xml" title="Main" href="{first}">'
        '<link rel="alternate" type="application/rss+xml" title="Harbour @everyone notes"'
        ' href="/other.xml">'
    )
    page = site.serve("/", f"<html><head>{alternates}</head><body>hi</body></html>", "text/html")
    token = await feed_add(fake, MOD, page)
    offer = await fake.wait_for(
        lambda c: f"/{token}" in c.path and c.message is not None and c.message.get("components")
    )
    content = offer.message["content"]
    assert "several feeds" in content and "@everyone" not in content  # escaped
    (menu,) = offer.message["components"][0]["components"]
    assert menu["type"] == 3 and [o["label"] for o in menu["options"]] == [
        "Main",
        "Harbour @everyone notes",  # a label cannot mention anyone; the message is escaped
    ]
    message_id = fake.response_message_id(token)
    cog: Any = bot.get_cog("Feeds")

    refused = await fake.choose(message_id, menu["custom_id"], ["0"], DEMOTED)
    assert "Only moderators" in (await fake.wait_message(refused))["content"]
    other = Member(MOD.user_id + 1, "other mod", MOD.permissions)
    refused = await fake.choose(message_id, menu["custom_id"], ["0"], other)
    assert "Only the person" in (await fake.wait_message(refused))["content"]
    assert await cog.feeds.store.subscriptions(GUILD) == []

    chosen = await fake.choose(message_id, menu["custom_id"], ["1"], MOD)
    edit = await fake.wait_for(
        lambda c: f"/{chosen}/messages/@original" in c.path and c.method == "PATCH"
    )
    assert "Following" in edit.json["content"] and edit.json["components"] == []
    assert fake.calls_for(chosen)[0].json == {"type": 6}  # deferred within the deadline
    (feed,) = await cog.feeds.store.subscriptions(GUILD)
    assert feed.url == second and feed.channel_id == fake.guild(GUILD).channel_id

    # The same choice again: the menu goes and the refusal is one ephemeral sentence.
    token = await feed_add(fake, MOD, page)
    await fake.wait_for(
        lambda c: f"/{token}" in c.path and c.message is not None and c.message.get("components")
    )
    again = await fake.choose(fake.response_message_id(token), menu["custom_id"], ["1"], MOD)
    refusal = await fake.wait_for(
        lambda c: f"/{again}" in c.path and c.method == "POST" and c.message is not None
    )
    assert refusal.message["flags"] == 64
    assert f"This server already follows that feed (#{feed.id})" in refusal.message["content"]
    cleared = [c for c in fake.calls_for(again) if c.method == "PATCH"]
    assert cleared and cleared[0].json["components"] == []


async def test_list_pages_with_buttons_and_says_why_items_were_not_taken(
    fake: FakeDiscord, bot: NewsBot, site: FeedSite
) -> None:
    title, paragraphs = story(1)
    good = site.serve("/s/1", article_page(title, paragraphs), "text/html")
    items = [
        rss_item(good, title, guid="1", date=rfc822(2)),
        rss_item(site.url("/gone"), "A teaser only", guid="2", date=rfc822(3)),
    ]
    token = await feed_add(fake, MOD, site.serve("/feed.xml", rss(items)), with_channel=False)
    await fake.wait_for(following(token))
    cog: Any = bot.get_cog("Feeds")
    now = datetime.now(UTC)
    for n in range(11):  # eleven more, never polled
        await cog.feeds.store.add(GUILD, site.url(f"/more/{n}.xml"), now=now, next_poll=now)

    token = await fake.slash("feed", READER, sub="list")
    shown = await fake.wait_message(token)
    embed = shown["embeds"][0]
    assert embed["footer"]["text"] == "Page 1 of 2 · 12 feeds"
    rows = embed["description"].split("\n`#")
    assert len(rows) == 10
    assert "last poll: 1 new, 1 not stored" in rows[0]
    assert "last item not taken: not stored: " in rows[0] and "404" in rows[0]
    assert "not polled yet; next <t:" in rows[1]
    pressed = await fake.press(fake.response_message_id(token), "newsbot:next", READER)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{pressed}/callback"))
    page2 = call.json["data"]["embeds"][0]
    assert page2["footer"]["text"] == "Page 2 of 2 · 12 feeds"
    assert page2["description"].count("`#") == 2
