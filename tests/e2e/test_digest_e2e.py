"""Digests through the real client and the fake Discord: a scheduled post, no repost after a
restart, a 403 channel recorded as a failure while the bot keeps running, and /digest now."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fake_discord import MANAGE_GUILD, MEMBER_PERMISSIONS, READER, BotRunner, FakeDiscord, Member

from bot.client import NewsBot
from bot.scheduler import DigestScheduler
from news.domain import RunStatus

MANAGER = Member(3003, "manager", MEMBER_PERMISSIONS | MANAGE_GUILD)
LONDON = ZoneInfo("Europe/London")

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
LATE = (
    "Late arrival: the library opens on Sundays\n"
    "From the start of next month the central library will open on Sunday afternoons, "
    "with a reading room for students and a children's corner."
)


def channel_option(fake: FakeDiscord, guild_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The channel option and its resolved entry, as Discord sends a channel choice."""
    channel = fake.guild(guild_id).channel_id
    option = {"name": "channel", "type": 7, "value": str(channel)}
    resolved = {
        str(channel): {
            "id": str(channel),
            "type": 0,
            "name": "news",
            "permissions": str(MEMBER_PERMISSIONS),
            "guild_id": str(guild_id),
        }
    }
    return option, resolved


async def digest_set(
    fake: FakeDiscord, member: Member, guild_id: int, at: str, timezone: str = "Europe/London"
) -> str:
    channel, resolved = channel_option(fake, guild_id)
    options = [
        channel,
        {"name": "time", "type": 3, "value": at},
        {"name": "timezone", "type": 3, "value": timezone},
    ]
    data = {
        "id": fake.command_id("digest"),
        "name": "digest",
        "type": 1,
        "options": [{"name": "set", "type": 1, "options": options}],
        "resolved": {"channels": resolved},
    }
    return await fake.interact(2, data, member, guild_id=guild_id)


def a_few_seconds_ahead(seconds: int = 3) -> tuple[str, datetime]:
    """A time of day ``seconds`` ahead, as /digest set takes it, and the instant it names."""
    when = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
    return when.astimezone(LONDON).strftime("%H:%M:%S"), when


async def schedule_soon(fake: FakeDiscord, member: Member, *guild_ids: int) -> None:
    """Schedule each guild's digest a few seconds ahead, all at one time of day, and set
    them again if a loaded machine let that time pass before the last one was scheduled:
    a job added after its time would next fire tomorrow, and the test would wait in vain."""
    for _attempt in range(5):
        at, when = a_few_seconds_ahead()
        for guild_id in guild_ids:
            reply = await fake.wait_message(await digest_set(fake, member, guild_id, at))
            assert reply["content"].startswith("Digest scheduled:"), reply
            assert reply["flags"] == 64
        if datetime.now(UTC) < when:
            return
    raise AssertionError("five times the schedule's time passed before it was set")


def job_waits_for_tomorrow(bot: NewsBot, guild_id: int) -> bool:
    """The guild's job fires next on a later day: the slot just run cannot come round
    again today, whatever the machine's load (the check a sleep stood in for)."""
    job = bot.scheduler.get_job(DigestScheduler.job_id(guild_id))
    return job is not None and job.next_run_time > datetime.now(UTC) + timedelta(hours=12)


async def catch_up_done(bot: NewsBot) -> None:
    """Until the restarted bot's start-up catch-up (the one chance of a repost) ended."""
    cog = bot.get_cog("Digests")
    assert cog is not None
    for _ in range(600):
        task = cog._catch_up  # type: ignore[attr-defined]
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), 60)
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the digest cog never started its catch-up")


def channel_posts(fake: FakeDiscord, channel_id: int) -> list[Any]:
    return [
        c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{channel_id}/messages"
    ]


def visible_text(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def show(fake: FakeDiscord, guild_id: int) -> str:
    token = await fake.slash("digest", READER, sub="show", guild_id=guild_id)
    return (await fake.wait_message(token))["content"]


async def test_scheduled_digest_posts_once_and_a_restart_does_not_repost(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    bot = await runner.start()
    guild = fake.guilds[0]
    await bot.desk.add_text(FERRY, guild_id=guild.id)
    await bot.desk.add_text(MARKET, guild_id=guild.id)
    await bot.desk.add_text(LATE.replace("library", "museum"), guild_id=fake.guilds[1].id)

    await schedule_soon(fake, MANAGER, guild.id)
    # The job lives on the bot's one scheduler, not on one of the cog's own.
    assert bot.scheduler.get_job(DigestScheduler.job_id(guild.id)) is not None

    call = await fake.wait_for(
        lambda c: c.method == "POST" and c.path == f"/channels/{guild.channel_id}/messages",
        timeout=60,
    )
    text = visible_text(call.json)
    assert "Ferry to the outer islands" in text and "Covered market gets new roof" in text
    assert "museum" not in text  # another guild's article
    assert call.json["allowed_mentions"] == {"parse": []}
    assert text.index("Covered market") < text.index("Ferry")  # newest first
    # Discord keeps one message per nonce: the same articles sent again after a crash
    # (accepted, not yet recorded) are not posted twice.
    assert call.json["enforce_nonce"] is True
    assert re.fullmatch(r"d[0-9a-f]{24}", call.json["nonce"])

    await bot.desk.add_text(LATE, guild_id=guild.id)  # after the digest: for the next one
    # No repost: the run is recorded as posted and the job's next turn is another day.
    # (A sleep here passed whether or not a repost was coming.)
    for _ in range(600):
        last = await bot.desk.stores.digests.last_run(guild.id)
        if last is not None and last.status == RunStatus.POSTED:
            break
        await asyncio.sleep(0.1)
    assert last is not None and last.status == RunStatus.POSTED
    assert job_waits_for_tomorrow(bot, guild.id)
    assert len(channel_posts(fake, guild.channel_id)) == 1

    # A restart rebuilds the job and runs the catch-up: the slot is recorded, so no repost.
    restarted = await runner.restart()
    await catch_up_done(restarted)
    assert job_waits_for_tomorrow(restarted, guild.id)
    assert len(channel_posts(fake, guild.channel_id)) == 1
    assert not bot.scheduler.running  # the stopped bot shut its scheduler down
    assert restarted.scheduler.get_job(DigestScheduler.job_id(guild.id)) is not None
    shown = await show(fake, guild.id)
    assert "posted 2 articles" in shown and "Next digest:" in shown


async def test_forbidden_channel_is_recorded_and_the_bot_keeps_running(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    guild, other = fake.guilds
    fake.fail("POST", rf"/channels/{guild.channel_id}/messages", 403)
    await bot.desk.add_text(FERRY, guild_id=guild.id)
    await bot.desk.add_text(MARKET, guild_id=other.id)
    await schedule_soon(fake, MANAGER, guild.id, other.id)

    store = bot.desk.stores.digests
    for _ in range(600):
        last = await store.last_run(guild.id)
        if last is not None and last.status != RunStatus.CLAIMED:
            break
        await asyncio.sleep(0.1)
    assert last is not None and last.status == RunStatus.FAILED
    assert "not allowed to post" in (last.detail or "")

    # The other guild's digest went out, and the bot still answers commands.
    await fake.wait_for(
        lambda c: c.path == f"/channels/{other.channel_id}/messages" and c.status == 200
    )
    shown = await show(fake, guild.id)
    assert "failed" in shown and "not allowed to post" in shown
    assert "Failed in a row:** 1" in shown
    assert not bot.is_closed()


async def test_digest_now_and_the_permission_check(fake: FakeDiscord, bot: NewsBot) -> None:
    guild = fake.guilds[0]
    refused = await fake.slash("digest", READER, sub="now")
    assert "permissions" in (await fake.wait_message(refused))["content"]

    token = await fake.slash("digest", MANAGER, sub="now")
    assert "Nothing new" in (await fake.wait_message(token))["content"]

    await bot.desk.add_text(FERRY.replace("Ferry", "@everyone Ferry"), guild_id=guild.id)
    token = await fake.slash("digest", MANAGER, sub="now")
    call = await fake.wait_for(lambda c: c.path.startswith("/webhooks/") and f"/{token}" in c.path)
    assert "Posted a digest of 1 article" in call.json["content"]
    [post] = channel_posts(fake, guild.channel_id)  # no schedule: the channel it was used in
    assert "@everyone" not in visible_text(post.json)
    assert post.json["allowed_mentions"] == {"parse": []}

    token = await fake.autocomplete("digest", MANAGER, sub="set", focused="timezone", value="new_y")
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.json["data"]["choices"][0]["value"] == "America/New_York"


async def test_digest_commands_are_synced_guild_only_and_visible_to_everyone(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    [digest] = [c for c in fake.commands["global"] if c["name"] == "digest"]
    subs = {o["name"]: o for o in digest["options"]}
    assert set(subs) == {"set", "off", "now", "show"}
    assert digest.get("contexts") in ([0], None) and digest.get("dm_permission") in (False, None)
    # /digest show is for everyone, so the group is not hidden; set/off/now check at run time.
    assert digest.get("default_member_permissions") is None
    options = {o["name"]: o for o in subs["set"]["options"]}
    assert [o["name"] for o in subs["set"]["options"]] == [
        "channel",
        "time",
        "timezone",
        "days",
        "max_articles",
        "style",  # issue 21: card, compact or text
    ]
    assert [c["value"] for c in options["style"]["choices"]] == ["card", "compact", "text"]
    assert options["channel"]["type"] == 7 and options["timezone"]["autocomplete"] is True
    assert (options["max_articles"]["min_value"], options["max_articles"]["max_value"]) == (1, 25)


def long_article(n: int) -> str:
    """An article whose summary is long, so that a digest of 25 takes several messages."""
    return (
        f"Harbour works report number {n} is out\n"
        f"Report {n} says the northern quay will close for eleven weeks while divers replace "
        "the rotten timber piles under the fish market, and the traders will move to tents "
        "on the car park beside the old customs house until the work is finished in autumn. "
        "The council expects the dredging of the outer channel to cost four million crowns, "
        "paid partly by the ferry company, whose larger boats have scraped the bottom twice "
        "this winter when the tide was low and the wind pushed them towards the sandbank. "
        "Residents asked at the meeting on Tuesday whether the night work could be limited, "
        "and the harbour master promised that cranes would stop at ten every evening except "
        "during the two weekends when the new container berth has to be poured in one go."
    )


def posted_ids(call: Any) -> list[int]:
    """The #ids of the articles in one posted digest message."""
    import re

    return [int(i) for i in re.findall(r" · #(\d+)", visible_text(call.json))]


async def test_a_digest_cut_short_by_a_server_error_is_continued_by_the_retry(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    guild = fake.guilds[0]
    # Up to 25 articles a digest; the schedule's time is far from now.
    far = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
    await bot.desk.stores.digests.set_schedule(
        guild.id,
        channel_id=guild.channel_id,
        time_of_day=far,
        timezone="UTC",
        days="mon,tue,wed,thu,fri,sat,sun",
        max_articles=25,
        now=datetime.now(UTC),
    )
    for n in range(25):
        await bot.desk.add_text(long_article(n), guild_id=guild.id)
    path = rf"/channels/{guild.channel_id}/messages"
    fake.fail("POST", path, 503, body={"message": "Service Unavailable"}, times=1, after=1)

    token = await fake.slash("digest", MANAGER, sub="now")
    reply = await fake.wait_message(token)
    assert "could not be posted" in reply["content"] and "503" in reply["content"]
    assert "the next digest posts the rest" in reply["content"]
    [first] = [c for c in channel_posts(fake, guild.channel_id) if c.status == 200]
    shown_first = posted_ids(first)
    assert 0 < len(shown_first) < 25

    token = await fake.slash("digest", MANAGER, sub="now")  # the retry
    reply = await fake.wait_message(token)
    assert f"Posted a digest of {25 - len(shown_first)} articles" in reply["content"]
    accepted = [c for c in channel_posts(fake, guild.channel_id) if c.status == 200]
    ids = [i for call in accepted for i in posted_ids(call)]
    assert sorted(ids) == list(range(1, 26))  # every article once: none again, none lost
