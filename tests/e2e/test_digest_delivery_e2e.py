"""Where a digest lands (issue 21), through the real client and the fake Discord: one forum
post per digest with its tag, a deleted forum pausing the schedule (shown by /digest show)
until /digest set recovers it, a thread opened on the digest and named after it, a missing
thread permission refused in one line, and a digest crossposted from an announcement
channel, with a refused crosspost a note in /digest show while the digest still posts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_discord import (
    ANNOUNCEMENT,
    FORUM,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    READER,
    BotRunner,
    Channel,
    FakeDiscord,
    Guild,
    Member,
)

from bot.client import NewsBot
from news.domain import RunStatus, ScheduleState

GUILD = 1001
TEXT_CHANNEL = 2001
NEWSROOM = Channel(5001, ANNOUNCEMENT, "newsroom")
STORIES = Channel(5101, FORUM, "stories", tags=["Local", "World"])
MANAGER = Member(3003, "manager", MEMBER_PERMISSIONS | MANAGE_GUILD)

FERRY = (
    "Ferry to the outer islands doubles its winter sailings\n"
    "The island ferry will sail twice a day all winter from next month, the operator said, "
    "after a petition from residents collected more than four thousand names."
)
MARKET = (
    "Covered market gets new roof before the festival season\n"
    "Builders finished the covered market's new glass roof on Thursday, two weeks early, "
    "and the traders' association plans a reopening fair for the first weekend of May."
)
LIBRARY = (
    "@everyone the library opens on Sundays\n"
    "From the start of next month the central library will open on Sunday afternoons, "
    "with a reading room for students and a children's corner."
)


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord([Guild(GUILD, TEXT_CHANNEL, "Guild A", channels=[NEWSROOM, STORIES])])
    await server.start()
    server.patch_client(monkeypatch)
    yield server
    await server.stop()


@pytest.fixture
async def bot(runner: BotRunner) -> NewsBot:
    return await runner.start()


# Twelve hours ahead: the real cron job does not fire while a test runs.
FAR = (datetime.now(UTC) + timedelta(hours=12)).replace(second=0, microsecond=0)


def resolved_channel(channel_id: int) -> dict[str, Any]:
    if channel_id == TEXT_CHANNEL:
        payload: dict[str, Any] = {"id": str(TEXT_CHANNEL), "type": 0, "name": "news"}
    else:
        payload = (NEWSROOM if channel_id == NEWSROOM.id else STORIES).payload(GUILD)
    return {**payload, "guild_id": str(GUILD), "permissions": str(MEMBER_PERMISSIONS)}


async def command(fake: FakeDiscord, sub: str, channel: int | None = None, **values: Any) -> str:
    """/digest ``sub`` by the manager, with a channel option resolved as Discord sends it;
    the reply's content."""
    options = []
    resolved: dict[str, Any] = {}
    if channel is not None:
        options.append({"name": "channel", "type": 7, "value": str(channel)})
        resolved = {"channels": {str(channel): resolved_channel(channel)}}
    for name, value in values.items():
        kind = 5 if isinstance(value, bool) else 3
        options.append({"name": name, "type": kind, "value": value})
    data = {
        "id": fake.command_id("digest"),
        "name": "digest",
        "type": 1,
        "options": [{"name": sub, "type": 1, "options": options}],
        "resolved": resolved,
    }
    token = await fake.interact(2, data, MANAGER, guild_id=GUILD)
    return str((await fake.wait_message(token))["content"])


async def schedule(fake: FakeDiscord, channel: int) -> str:
    return await command(fake, "set", channel, time=FAR.strftime("%H:%M"), timezone="UTC")


async def digest_now(fake: FakeDiscord) -> str:
    token = await fake.slash("digest", MANAGER, sub="now", guild_id=GUILD)
    return str((await fake.wait_message(token))["content"])


async def show(fake: FakeDiscord) -> str:
    token = await fake.slash("digest", READER, sub="show", guild_id=GUILD)
    return str((await fake.wait_message(token))["content"])


@contextmanager
def slot_day(bot: NewsBot, day: int) -> Iterator[Any]:
    """The digest cog's runner as if the clock stood just after the schedule's time,
    ``day`` days on: run_due then posts that day's slot (once), through the real client."""
    cog: Any = bot.get_cog("Digests")
    saved = cog.runner.clock
    cog.runner.clock = lambda: FAR + timedelta(days=day, seconds=20)
    try:
        yield cog.runner
    finally:
        cog.runner.clock = saved


def posts_to(fake: FakeDiscord, path: str) -> list[Any]:
    return [c for c in fake.calls if c.method == "POST" and c.path == path and c.status == 200]


def visible(body: dict[str, Any]) -> str:
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(parts)


async def test_a_digest_is_one_forum_post_with_its_tag_and_a_deleted_forum_pauses_it(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await bot.desk.add_text(FERRY, guild_id=GUILD)
    await bot.desk.add_text(MARKET, guild_id=GUILD)
    said = await schedule(fake, STORIES.id)
    assert said.startswith("Digest scheduled:") and "as a forum post" in said
    said = await command(fake, "deliver", where="forum", tag="World")
    assert "as a forum post with its tag" in said
    assert "Posted a digest of 2 articles" in await digest_now(fake)

    (post,) = posts_to(fake, f"/channels/{STORIES.id}/threads")
    today = datetime.now(UTC)
    assert post.json["name"] == f"News digest · {today.day} {today:%B %Y}"
    assert post.json["applied_tags"] == [STORIES.tag_id("World")]
    first = post.json["message"]
    assert first["allowed_mentions"] == {"parse": []}
    assert "Ferry to the outer islands" in visible(first) and "Covered market" in visible(first)
    assert not posts_to(fake, f"/channels/{STORIES.id}/messages")  # a forum takes posts only

    # The forum is deleted: each scheduled digest fails, the third pauses the schedule.
    fake.delete_channel(STORIES.id)
    await bot.desk.add_text(LIBRARY, guild_id=GUILD)
    for day in range(3):
        with slot_day(bot, day) as runner:
            result = await runner.run_due(GUILD)
        assert result.status == RunStatus.FAILED and "forum" in (result.detail or "")
    assert result.paused
    paused = await bot.desk.digests.schedule(GUILD)
    assert paused is not None and paused.state == ScheduleState.PAUSED
    shown = await show(fake)
    assert "**Paused:**" in shown and "forum" in shown and "no longer exists" in shown

    # The forum is back; /digest set, the digests' way out of a pause, recovers it, and
    # the schedule keeps the forum and its tag.
    fake.failures.clear()
    assert "as a forum post with its tag" in await schedule(fake, STORIES.id)
    with slot_day(bot, 3) as runner:
        result = await runner.run_due(GUILD)
    assert result.status == RunStatus.POSTED and result.articles == 1
    posts = posts_to(fake, f"/channels/{STORIES.id}/threads")
    assert len(posts) == 2 and posts[1].json["applied_tags"] == [STORIES.tag_id("World")]
    later = FAR + timedelta(days=3)
    assert posts[1].json["name"] == f"News digest · {later.day} {later:%B %Y}"
    assert "@everyone" not in visible(posts[1].json["message"])

    # A text channel can't take a forum post: choosing one makes the digest a message again.
    said = await schedule(fake, TEXT_CHANNEL)
    assert said.startswith("Digest scheduled:") and "forum" not in said
    moved = await bot.desk.digests.schedule(GUILD)
    assert moved is not None and (moved.deliver, moved.forum_tag) == ("channel", None)


async def test_a_digest_opens_a_thread_named_after_it_and_a_missing_permission_says_so(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await bot.desk.add_text(FERRY, guild_id=GUILD)
    await schedule(fake, TEXT_CHANNEL)
    said = await command(fake, "deliver", where="thread")
    assert "with a thread opened on it" in said
    assert "Posted a digest of 1 article" in await digest_now(fake)

    (message,) = posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages")
    assert message.json["allowed_mentions"] == {"parse": []}
    (thread,) = fake.threads.values()
    assert thread["id"] == message.response_id  # opened on the digest's message
    today = datetime.now(UTC)
    assert thread["name"] == f"News digest · {today.day} {today:%B %Y}"

    # Without Create Public Threads the digest is posted, and the failure says why.
    fake.refuse("POST", rf"/channels/{TEXT_CHANNEL}/messages/\d+/threads")
    await bot.desk.add_text(MARKET, guild_id=GUILD)
    said = await digest_now(fake)
    assert "could not be posted" in said and "Create Public Threads" in said
    assert len(posts_to(fake, f"/channels/{TEXT_CHANNEL}/messages")) == 2
    assert len(fake.threads) == 1
    # Its article reached the channel: it is on record, so no digest posts it again.
    fake.failures.clear()
    assert "Nothing new" in await digest_now(fake)


async def test_a_digest_is_published_from_an_announcement_channel(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await bot.desk.add_text(FERRY, guild_id=GUILD)
    await schedule(fake, NEWSROOM.id)
    said = await command(fake, "deliver", where="channel", publish=True)
    assert "published to following servers" in said
    assert "Posted a digest of 1 article" in await digest_now(fake)
    (message,) = posts_to(fake, f"/channels/{NEWSROOM.id}/messages")
    assert fake.crossposted == [message.response_id]
    assert "Publishing" not in await show(fake)

    # The bot loses the permission to publish: the digest still posts; one line says so.
    fake.refuse("POST", r"/channels/\d+/messages/\d+/crosspost")
    await bot.desk.add_text(MARKET, guild_id=GUILD)
    assert "Posted a digest of 1 article" in await digest_now(fake)
    assert len(posts_to(fake, f"/channels/{NEWSROOM.id}/messages")) == 2
    assert len(fake.crossposted) == 1
    shown = await show(fake)
    assert "**Publishing:** I can't publish in" in shown
    schedule_now = await bot.desk.digests.schedule(GUILD)
    assert schedule_now is not None and schedule_now.state == ScheduleState.ACTIVE
