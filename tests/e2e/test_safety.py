"""What every message must respect: no pings, inert article text, Discord's limits,
errors a user understands (or an error id we can find), and rate limits obeyed."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
import pytest
from fake_discord import (
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    MOD,
    READER,
    BotRunner,
    Call,
    FakeDiscord,
    Member,
)

from bot.client import NewsBot
from tests.harness.discord_links import masked_links

HOSTILE_TITLE = "@everyone <@123456789012345678> **look** <#2001> @here"
FILLER = (
    "The council met on Tuesday evening to discuss the plan for the new bridge over the canal. "
    "Residents asked many questions about traffic and about the noise during construction."
)


def check_limits(message: dict[str, Any]) -> None:
    assert len(message.get("content") or "") <= 2000
    embeds = message.get("embeds") or []
    assert len(embeds) <= 10
    total = 0
    for embed in embeds:
        title, desc = embed.get("title") or "", embed.get("description") or ""
        assert len(title) <= 256 and len(desc) <= 4096
        assert len(embed.get("fields", [])) <= 25
        for field in embed.get("fields", []):
            assert len(field["name"]) <= 256 and len(field["value"]) <= 1024
        footer = (embed.get("footer") or {}).get("text", "")
        author = (embed.get("author") or {}).get("name", "")
        assert len(footer) <= 2048 and len(author) <= 256
        total += len(title) + len(desc) + len(footer) + len(author)
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    assert total <= 6000


def outgoing(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.calls if c.message is not None]


async def test_allowed_mentions_is_none_on_every_message(fake: FakeDiscord, bot: NewsBot) -> None:
    guild = fake.guilds[0]
    added = await bot.desk.add_text(f"{HOSTILE_TITLE}\n{FILLER}", guild_id=guild.id)
    tokens = [
        await fake.slash("article", READER, sub="show", article=added.article.id),
        await fake.slash("article", READER, sub="list"),
        await fake.slash("ask", READER, question="When did the council meet?"),
        await fake.slash("ask", READER, question="What colour is the moon base?"),
        await fake.slash("news", READER, sub="search", query="bridge"),
        await fake.slash("article", READER, sub="add", url="https://example.invalid/x"),  # refused
        await fake.slash("article", MOD, sub="remove", article=added.article.id),
    ]
    for token in tokens:
        await fake.wait_message(token)
    pressed = await fake.press(fake.response_message_id(tokens[-1]), "newsbot:cancel", MOD)
    await fake.wait_message(pressed)
    channel = bot.get_channel(guild.channel_id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("a scheduled post")

    calls = outgoing(fake)
    assert len(calls) >= len(tokens) + 2
    for call in calls:
        message = call.message
        assert message is not None
        assert message.get("allowed_mentions") == {"parse": []}, (call.method, call.path)
        check_limits(message)


async def test_an_article_titled_everyone_is_rendered_inert(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    added = await bot.desk.add_text(f"{HOSTILE_TITLE}\n{FILLER}", guild_id=fake.guilds[0].id)
    shows = [
        await fake.slash("article", READER, sub="show", article=added.article.id),
        await fake.slash("article", READER, sub="list"),
        await fake.slash("ask", READER, question="When did the council meet?"),
    ]
    for token in shows:
        message = await fake.wait_message(token)
        text = repr(message)  # every string the bot sent, content and embeds
        assert "@everyone" not in text and "@here" not in text
        assert not re.search(r"<[@#]&?!?\d", text)
        assert "**look**" not in text
    card = (await fake.wait_message(shows[0]))["embeds"][0]
    assert card["title"].startswith("@\u200beveryone")


async def test_long_answers_and_long_lists_stay_within_limits(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    guild = fake.guilds[0].id
    clauses = ", ".join(f"the {n}th stall sold *spiced* pears" for n in range(150))
    long_sentence = f"At the market fair on Sunday {clauses} while the brass band played waltzes."
    added = await bot.desk.add_text(f"Market fair report\n{long_sentence} {FILLER}", guild_id=guild)
    for n in range(15):
        await bot.desk.add_text(f"{'_*~' * 100}{n}\n{FILLER} Number {n}.", guild_id=guild)
    tokens = [
        await fake.slash(
            "ask", READER, question="What did the brass band play at the market fair?"
        ),
        await fake.slash("article", READER, sub="show", article=added.article.id),
        await fake.slash("article", READER, sub="list"),
        await fake.slash("news", READER, sub="search", query="council bridge canal"),
    ]
    for token in tokens:
        check_limits(await fake.wait_message(token))
    answer = (await fake.wait_message(tokens[0]))["embeds"][0]["description"]
    if "Not found" not in answer:
        # The 7,000-character sentence is quoted cut to fit, never sent whole (as the
        # evidence, or as a passage when the engine does not commit).
        quote = next(line for line in answer.splitlines() if line.startswith("> "))
        assert quote.endswith("…") and len(quote) < 2000
        assert "stall sold" in quote
    listing = (await fake.wait_message(tokens[2]))["embeds"][0]["description"]
    assert listing.count("\n") == 9  # still ten rows, each shortened


async def test_a_user_error_is_one_ephemeral_sentence(fake: FakeDiscord, bot: NewsBot) -> None:
    token = await fake.slash("ask", READER, question="   ")
    message = await fake.wait_message(token)
    assert message["content"].startswith("Ask a question")
    token = await fake.slash("article", READER, sub="show", article=999)
    message = await fake.wait_message(token)
    assert message["content"] == "There is no article #999 here."
    assert message["flags"] == 64


async def test_an_unexpected_error_gives_an_error_id_that_is_in_the_log(
    fake: FakeDiscord,
    bot: NewsBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(bot.desk, "count", broken)
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        token = await fake.slash("article", READER, sub="list")
        message = await fake.wait_message(token)
    match = re.search(r"error id `([0-9a-f]{8})`", message["content"])
    assert match, message
    assert message["flags"] == 64
    assert "disk is on fire" not in message["content"]  # no internals for the user
    records = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert len(records) == 1 and records[0].exc_info is not None
    assert records[0].exc_info[0] is RuntimeError
    assert "Traceback" in caplog.text and "the disk is on fire" in caplog.text


async def test_an_error_after_defer_is_sent_as_a_followup(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("index corrupted")

    monkeypatch.setattr(bot.desk, "ask_read", broken)
    token = await fake.slash("ask", READER, question="Who won?")
    await fake.wait_message(token)
    calls = fake.calls_for(token)
    assert calls[0].json == {"type": 5}
    assert calls[1].path.startswith("/webhooks/") and "error id" in calls[1].json["content"]


async def test_ask_has_a_per_user_cooldown(fake: FakeDiscord, runner: BotRunner) -> None:
    await runner.start(ask_cooldown_seconds=60)
    first = await fake.slash("ask", READER, question="When did the council meet?")
    await fake.wait_message(first)
    second = await fake.slash("ask", READER, question="When did the council meet?")
    message = await fake.wait_message(second)
    assert message["content"].startswith("Slow down") and message["flags"] == 64
    other = await fake.slash("ask", MOD, question="When did the council meet?")
    assert not (await fake.wait_message(other)).get("content", "").startswith("Slow down")


async def test_a_429_is_waited_out_and_retried(fake: FakeDiscord, bot: NewsBot) -> None:
    fake.rate_limit_once("POST", r"/webhooks/\d+/[^/]+", retry_after=0.05)
    token = await fake.slash("ask", READER, question="When did the council meet?")
    await fake.wait_for(
        lambda c: f"/{token}" in c.path and c.status == 200 and c.message is not None
    )
    posts = [c for c in fake.calls_for(token) if c.path.startswith("/webhooks/")]
    assert [c.status for c in posts] == [429, 200]

    fake.rate_limit_once("POST", r"/channels/\d+/messages", retry_after=0.05)
    channel = bot.get_channel(fake.guilds[0].channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("digest")
    assert sent.content == "digest"
    posts = [c for c in fake.calls if c.path.startswith("/channels/")]
    assert [c.status for c in posts] == [429, 200]


async def test_a_forbidden_channel_raises_forbidden(fake: FakeDiscord, bot: NewsBot) -> None:
    channel_id = fake.guilds[1].channel_id
    fake.fail("POST", rf"/channels/{channel_id}/messages", 403)
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.Forbidden):
        await channel.send("digest")


# -- links and invisible characters --------------------------------------------------

EVIL = "evil.example"
HOSTILE_LINK_TITLES = [
    f"Council approves bridge](https://{EVIL}/login) [details",
    f"Ferry timetable\\](https://{EVIL}/a) \\[more",
    f"Library hours [see https://{EVIL}/x](https://{EVIL}/y) [notes",
    f"Harbour dredging ends]]](https://{EVIL}/z) [[[x",
]
SAFE_HOST = "news.example.org"


def message_strings(message: dict[str, Any]) -> list[str]:
    """Every string of a message Discord renders as markdown."""
    strings = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        strings.append(embed.get("description") or "")
        strings += [f["value"] for f in embed.get("fields", [])]
    return strings


def link_targets(messages: list[dict[str, Any]]) -> list[str]:
    return [url for m in messages for s in message_strings(m) for _, url in masked_links(s)]


def test_the_link_model_sees_the_attack() -> None:
    attack = f"[Council approves bridge](https://{EVIL}/login) [details](https://{SAFE_HOST}/a)"
    assert next(url for _, url in masked_links(attack)) == f"https://{EVIL}/login"
    assert masked_links(f"\\[a](https://{EVIL})") == []


async def test_hostile_titles_and_urls_make_no_links_of_their_own(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    guild = fake.guilds[0]
    hostile_urls = [
        f"https://{SAFE_HOST}/a) [x](https://{EVIL}/b",
        f"https://{SAFE_HOST}/c d<e>f",
        f"https://{SAFE_HOST}/g\\",
    ]
    for n, title in enumerate(HOSTILE_LINK_TITLES):
        await bot.desk.add_text(
            f"{FILLER} Item {n}.", title=title, url=f"https://{SAFE_HOST}/{n}", guild_id=guild.id
        )
    for n, url in enumerate(hostile_urls):
        await bot.desk.add_text(
            f"{FILLER} Extra {n}.", title=f"Bridge note {n}", url=url, guild_id=guild.id
        )
    tokens = [
        await fake.slash("article", READER, sub="list"),
        await fake.slash("news", READER, sub="search", query="council bridge"),
        await fake.slash("ask", READER, question="When did the council meet?"),
        await fake.slash("ask", READER, question="What colour is the council bridge paint?"),
    ]
    messages = [await fake.wait_message(token) for token in tokens]
    manager = Member(3003, "manager", MEMBER_PERMISSIONS | MANAGE_GUILD)
    digest = await fake.slash("digest", manager, sub="now")
    await fake.wait_for(lambda c: c.path.startswith("/webhooks/") and f"/{digest}" in c.path)
    posted = [c.json for c in fake.calls if c.path == f"/channels/{guild.channel_id}/messages"]
    # The digest is one of the surfaces checked: it must have been posted, with links.
    assert posted, "no digest message was posted to the channel"
    assert link_targets(posted), "the digest carries no links to check"
    messages += posted

    targets = link_targets(messages)
    assert len(targets) >= 10  # titles are still links: every row above has one
    for url in targets:
        assert url.startswith(f"https://{SAFE_HOST}/"), url
        assert not re.search(r"[\s()<>\\]", url), url


# -- a moderator demoted while a button or form is open ------------------------------

DEMOTED = Member(MOD.user_id, MOD.name, MEMBER_PERMISSIONS)  # same member, role taken away


async def test_a_demoted_moderator_cannot_press_remove(fake: FakeDiscord, bot: NewsBot) -> None:
    guild = fake.guilds[0].id
    added = await bot.desk.add_text(f"Bridge report\n{FILLER}", guild_id=guild)
    token = await fake.slash("article", MOD, sub="remove", article=added.article.id)
    await fake.wait_message(token)
    pressed = await fake.press(fake.response_message_id(token), "newsbot:confirm", DEMOTED)
    reply = await fake.wait_message(pressed)
    assert reply["flags"] == 64 and "Only moderators" in reply["content"]
    assert await bot.desk.count(guild) == 1
    # Still a moderator: the same button works.
    pressed = await fake.press(fake.response_message_id(token), "newsbot:confirm", MOD)
    await fake.wait_for(lambda c: c.path.endswith(f"/{pressed}/callback"))
    assert await bot.desk.count(guild) == 0


async def test_a_demoted_moderator_cannot_submit_the_paste_form(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    token = await fake.slash("article", MOD, sub="paste")
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    form = {"title": "Bridge report", "text": FILLER, "url": ""}
    submitted = await fake.submit_modal(call.json["data"]["custom_id"], form, DEMOTED)
    reply = await fake.wait_message(submitted)
    assert reply["flags"] == 64 and "Only moderators" in reply["content"]
    assert await bot.desk.count(fake.guilds[0].id) == 0


# -- bidi controls and invisible characters ------------------------------------------

INVISIBLE_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE_CONTROLS += "\u2060\ufeff"


async def test_bidi_tricks_and_navigation_links_never_reach_discord(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    guild = fake.guilds[0]
    title = "Invoice \u202efdp.exe for the \u2066bridge\u2069 \u2060works"
    body = f"Pay at <id:customize> or <id:browse> before \ufeffFriday \u202eyadnoM. {FILLER}"
    added = await bot.desk.add_text(body, title=title, guild_id=guild.id)
    assert added.article.title == "Invoice fdp.exe for the bridge works"  # stored clean
    tokens = [
        await fake.slash("article", READER, sub="show", article=added.article.id),
        await fake.slash("article", READER, sub="list"),
        await fake.slash("news", READER, sub="search", query="bridge"),
        await fake.slash("ask", READER, question="When did the council meet?"),
        await fake.slash("ask", READER, question="Where do I pay \u202efor the works?"),
        await fake.autocomplete("article", READER, sub="show", focused="article", value="inv"),
    ]
    for token in tokens[:-1]:
        await fake.wait_message(token)
    await fake.wait_for(lambda c: c.path.endswith(f"/{tokens[-1]}/callback"))
    manager = Member(3003, "manager", MEMBER_PERMISSIONS | MANAGE_GUILD)
    digest = await fake.slash("digest", manager, sub="now")
    await fake.wait_for(lambda c: c.path.startswith("/webhooks/") and f"/{digest}" in c.path)

    posted = [c.json for c in fake.calls if c.path == f"/channels/{guild.channel_id}/messages"]
    assert "Invoice fdp.exe" in str(posted), "the digest did not post the article"
    sent = [c.json for c in fake.calls if isinstance(c.json, dict)]
    text = "\n".join(str(payload) for payload in sent)
    assert "Invoice fdp.exe" in text and "yadnoM" in text  # shown, minus the controls
    assert "Where do I pay for the works?" in text
    assert not [c for c in INVISIBLE_CONTROLS if c in text]
    assert "<id:" not in text
