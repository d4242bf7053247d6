"""The fake Discord's threads, forum posts, announcement channels and errors, driven by
discord.py's own client: the delivery tests rely on these answers parsing as Discord's
do, so they are checked here once, with no bot in between."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest
from fake_discord import (
    ANNOUNCEMENT,
    FORUM,
    TOKEN,
    UNKNOWN_CHANNEL,
    Channel,
    FakeDiscord,
    Guild,
)

NEWSROOM = Channel(5001, ANNOUNCEMENT, "newsroom")
STORIES = Channel(5101, FORUM, "stories", tags=["Local", "World"])


@pytest.fixture
async def client(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[FakeDiscord, discord.Client]]:
    fake = FakeDiscord([Guild(1001, 2001, "Guild A", channels=[NEWSROOM, STORIES])])
    await fake.start()
    fake.patch_client(monkeypatch)
    bot = discord.Client(intents=discord.Intents(guilds=True))
    await bot.login(TOKEN)
    task = asyncio.create_task(bot.connect(reconnect=False))
    await asyncio.wait_for(bot.wait_until_ready(), 20)
    try:
        yield fake, bot
    finally:
        await bot.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await fake.stop()


async def test_a_thread_on_a_message_takes_its_name_and_holds_replies(client) -> None:
    fake, bot = client
    channel = bot.get_channel(2001)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("Harbour ferry to stop in May")
    thread = await message.create_thread(name="Harbour ferry to stop in May")
    assert isinstance(thread, discord.Thread)
    assert (thread.id, thread.parent_id, thread.name) == (
        message.id,
        2001,
        "Harbour ferry to stop in May",
    )
    await thread.send("What members ask goes here.")
    assert [m["content"] for m in fake.messages_in(thread.id)] == ["What members ask goes here."]


async def test_a_forum_post_has_its_title_tag_and_first_message(client) -> None:
    fake, bot = client
    forum = bot.get_channel(STORIES.id)
    assert isinstance(forum, discord.ForumChannel)
    local = forum.get_tag(int(STORIES.tag_id("Local")))
    assert local is not None and local.name == "Local"
    made = await forum.create_thread(
        name="Harbour ferry to stop in May", content="The card", applied_tags=[local]
    )
    assert made.thread.name == "Harbour ferry to stop in May"
    assert made.thread.parent_id == STORIES.id
    assert [t.name for t in made.thread.applied_tags] == ["Local"]
    assert made.message.content == "The card"
    assert [m["content"] for m in fake.messages_in(made.thread.id)] == ["The card"]


async def test_an_announcement_is_crossposted(client) -> None:
    fake, bot = client
    newsroom = bot.get_channel(NEWSROOM.id)
    assert isinstance(newsroom, discord.TextChannel) and newsroom.is_news()
    message = await newsroom.send("Harbour ferry to stop in May")
    await message.publish()
    assert fake.crossposted == [str(message.id)]


async def test_missing_permissions_and_deleted_channels_are_discords_errors(client) -> None:
    fake, bot = client
    newsroom = bot.get_channel(NEWSROOM.id)
    assert isinstance(newsroom, discord.TextChannel)
    message = await newsroom.send("Ferry news")
    fake.refuse("POST", r"/channels/\d+/messages/\d+/crosspost")
    with pytest.raises(discord.Forbidden) as refused:
        await message.publish()
    assert refused.value.code == 50013
    thread = await message.create_thread(name="Ferry news")
    fake.delete_channel(thread.id)
    with pytest.raises(discord.NotFound) as gone:
        await thread.send("Anyone there?")
    assert gone.value.code == UNKNOWN_CHANNEL[1]["code"]
