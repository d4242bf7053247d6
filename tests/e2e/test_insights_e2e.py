"""Follow-ups, votes and insights (issue 23), through the real client: the follow-up
button's form answers about the same story and says how it read the question; a vote is
stored once and changed once, never counted from another server; /newsbot insights
shows an unanswered question with its add button, to moderators only; clear and the
retention delete; hostile text in questions, follow-ups and button ids changes
nothing it shouldn't."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fake_discord import BOT_ID, MOD, READER, FakeDiscord, Member, message_payload, user_payload

from bot import ask_cards, insight_cards
from bot.client import NewsBot
from news.domain import Outcome

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
OTHER_READER = Member(3003, "another reader")
BRIGHTLINE = (
    "Brightline names a new chief executive\n"
    "The rail company Brightline appointed Laura Menendez as its new chief executive on "
    "Monday. Laura Menendez said the company would open two new routes next year. The "
    "board chose her after a six-month search."
)
HARBOUR = (
    "Port Elwin harbour reopens after repairs\n"
    "The harbour in Port Elwin reopened on Friday after eight months of repairs. The "
    "port authority said 40 ships a week would call there again."
)
HOSTILE = "@everyone <@123456789012345678> **loud** ||hidden|| <#42>"


def description(message: dict[str, Any]) -> str:
    return str(message["embeds"][0].get("description") or "")


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


async def press_on(
    fake: FakeDiscord,
    sent: dict[str, Any],
    token: str,
    custom_id: str,
    member: Member,
    *,
    guild_id: int | None = None,
) -> str:
    """Press a button on the message the bot sent for ``token`` (``sent``: its payload,
    whose buttons the press carries back, as Discord's does: dynamic buttons are found
    among them)."""
    guild = fake.guild(guild_id)
    message = message_payload(
        fake.response_message_id(token),
        str(guild.channel_id),
        components=sent.get("components", []),
        author=user_payload(BOT_ID, "newsbot", bot=True),
    )
    data = {"custom_id": custom_id, "component_type": 2}
    return await fake.interact(3, data, member, guild_id=guild_id, message=message)


async def ask(fake: FakeDiscord, question: str, member: Member = READER) -> tuple[str, dict]:
    token = await fake.slash("ask", member, question=question)
    return token, await fake.wait_message(token, timeout=20)


async def start(bot: NewsBot, fake: FakeDiscord, *texts: str) -> list[int]:
    bot.desk.clock = lambda: NOW
    guild = fake.guilds[0].id
    return [(await bot.desk.add_text(t, guild_id=guild)).article.id for t in texts]


async def test_a_follow_up_button_asks_about_the_same_story(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    brightline, harbour = await start(bot, fake, BRIGHTLINE, HARBOUR)
    token, reply = await ask(fake, "Who is the new chief executive of Brightline?")
    assert description(reply).startswith("**Laura Menendez**")
    ids = custom_ids(reply)
    follow = next(i for i in ids if i.startswith("newsbot:follow:"))
    assert any(i.startswith("newsbot:vote:up:") for i in ids)
    assert any(i.startswith("newsbot:vote:down:") for i in ids)

    press = await press_on(fake, reply, token, follow, OTHER_READER)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{press}/callback"))
    assert call.json["type"] == 9  # the form
    form = call.json["data"]["custom_id"]
    submitted = await fake.submit_modal(form, {"followup": "What did she say?"}, OTHER_READER)
    answer = await fake.wait_message(submitted, timeout=20)
    text = description(answer)
    assert "two new routes" in text
    assert f"#{brightline}" in repr(answer["embeds"][0]) and f"#{harbour}" not in repr(answer)
    assert f"*{ask_cards.ASKED_AS}* What did Laura Menendez say?" in text
    assert answer.get("allowed_mentions") == {"parse": []}
    # The follow-up's own card can be followed up and voted on too.
    assert any(i.startswith("newsbot:follow:") for i in custom_ids(answer))


async def test_a_hostile_follow_up_is_escaped_and_asks_nothing_else(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await start(bot, fake, BRIGHTLINE)
    token, reply = await ask(fake, "Who is the new chief executive of Brightline?")
    follow = next(i for i in custom_ids(reply) if i.startswith("newsbot:follow:"))
    press = await press_on(fake, reply, token, follow, READER)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{press}/callback"))
    submitted = await fake.submit_modal(
        call.json["data"]["custom_id"], {"followup": f"What did she say? {HOSTILE}"}, READER
    )
    answer = await fake.wait_message(submitted, timeout=20)
    embed = answer["embeds"][0]
    # The follow-up as read stands in the description, escaped (the author line is
    # plain text to Discord, as every /ask card's is).
    shown = repr([embed.get("description"), embed.get("fields", [])])
    assert "@everyone" not in shown and "<@1234" not in shown and "||hidden||" not in shown
    assert "@everyone" not in embed["author"]["name"]
    assert ask_cards.ASKED_AS in shown
    assert answer.get("allowed_mentions") == {"parse": []}


async def test_a_vote_is_stored_once_and_changed_once(fake: FakeDiscord, bot: NewsBot) -> None:
    await start(bot, fake, BRIGHTLINE)
    token, reply = await ask(fake, "Who is the new chief executive of Brightline?")
    up = next(i for i in custom_ids(reply) if i.startswith("newsbot:vote:up:"))
    down = up.replace(":up:", ":down:")
    question_id = int(up.rsplit(":", 1)[1])
    guild = fake.guilds[0].id

    async def press(custom_id: str, member: Member = READER) -> str:
        pressed = await press_on(fake, reply, token, custom_id, member)
        return str((await fake.wait_message(pressed, timeout=20))["content"])

    assert await press(up) == "Thanks, your vote is counted."
    assert await press(up) == "You already voted that way on this answer."
    assert await press(down) == "Your vote is changed."
    votes = await bot.desk.insights.export(guild)
    assert [(v.question.id, v.vote) for v in votes] == [(question_id, -1)]
    # No member id is stored: only a salted hash.
    rows = await bot.desk.stores.articles.db.fetchall(  # type: ignore[attr-defined]
        "SELECT member_hash FROM answer_votes"
    )
    assert [len(r[0]) for r in rows] == [64] and str(READER.user_id) not in repr(rows)
    assert await press(down, OTHER_READER) == "Thanks, your vote is counted."
    assert sorted(v.vote for v in await bot.desk.insights.export(guild)) == [-1, -1]
    # The vote is saved with what was asked and answered.
    row = (await bot.desk.insights.export(guild))[0]
    assert row.question.answer == "Laura Menendez" and row.question.outcome is Outcome.ANSWERED


async def test_votes_from_another_server_are_never_counted(fake: FakeDiscord, bot: NewsBot) -> None:
    await start(bot, fake, BRIGHTLINE)
    token, reply = await ask(fake, "Who is the new chief executive of Brightline?")
    up = next(i for i in custom_ids(reply) if i.startswith("newsbot:vote:up:"))
    other = fake.guilds[1].id
    # The same button pressed from the other server (a copied id) counts nowhere.
    pressed = await press_on(fake, reply, token, up, READER, guild_id=other)
    assert (await fake.wait_message(pressed, timeout=20))["content"].startswith(
        "That answer was not given in this server"
    )
    assert await bot.desk.insights.export(None) == []
    # Nor do hostile ids: too large for an id, or not a number at all.
    for bad in ("newsbot:vote:up:99999999999999999999", "newsbot:vote:up:1 OR 1=1"):
        hostile = {"components": [{"type": 1, "components": [
            {"type": 2, "style": 2, "label": "x", "custom_id": bad}]}]}  # fmt: skip
        await press_on(fake, hostile, token, bad, READER)
    await fake.wait_message(await fake.slash("ask", READER, question="Who chose her?"))
    assert await bot.desk.insights.export(None) == []
    # The other server's report never shows this server's questions.
    report = await bot.desk.insights.report(other)
    assert report.counts.total == 0 and report.lowest == ()


async def test_insights_show_an_unanswered_question_and_its_add_button(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await start(bot, fake, BRIGHTLINE)
    await ask(fake, "Who is the new chief executive of Brightline?")
    await ask(fake, f"When does the ferry strike in Kessling end? {HOSTILE}")
    await ask(fake, "How long will the ferry strike last?")
    token = await insights_command(fake, MOD, "show")
    reply = await fake.wait_message(token, timeout=20)
    embed = reply["embeds"][0]
    assert embed["title"] == insight_cards.TITLE
    assert embed["description"].startswith("3 questions since 2 Dec: 33% answered")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    unanswered = fields[insight_cards.UNANSWERED]
    assert unanswered.startswith("1. **ferry** (2): ")
    assert "ferry strike in Kessling" in unanswered and "<@1234" not in unanswered
    assert "@everyone" not in unanswered
    assert custom_ids(reply) == ["newsbot:addstory:1"]
    press = await press_on(fake, reply, token, "newsbot:addstory:1", MOD)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{press}/callback"))
    assert call.json["type"] == 9 and call.json["data"]["title"].startswith("Add a story")

    # A reader may not press it either.
    press = await press_on(fake, reply, token, "newsbot:addstory:1", READER)
    refused = await fake.wait_message(press, timeout=20)
    assert refused["flags"] == 64 and "moderator" in refused["content"].lower()


async def insights_command(fake: FakeDiscord, member: Member, sub: str) -> str:
    return await fake.interact(
        2,
        {
            "id": fake.command_id("newsbot"),
            "name": "newsbot",
            "type": 1,
            "options": [{"name": "insights", "type": 2, "options": [{"name": sub, "type": 1}]}],
        },
        member,
    )


async def test_a_non_moderator_cannot_open_or_clear_insights(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await start(bot, fake, BRIGHTLINE)
    await ask(fake, "When does the ferry strike end?")
    for sub in ("show", "clear"):
        reply = await fake.wait_message(await insights_command(fake, READER, sub), timeout=20)
        assert "embeds" not in reply or not reply["embeds"]
        assert reply["flags"] == 64 and "ferry" not in repr(reply)
    assert (await bot.desk.insights.report(fake.guilds[0].id)).counts.total == 1


async def test_clear_and_the_retention_delete_questions_and_votes(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await start(bot, fake, BRIGHTLINE)
    token, reply = await ask(fake, "Who is the new chief executive of Brightline?")
    up = next(i for i in custom_ids(reply) if i.startswith("newsbot:vote:up:"))
    await fake.wait_message(await press_on(fake, reply, token, up, READER))
    guild = fake.guilds[0].id
    # Within the retention nothing goes; past it, the question and its vote go.
    assert await bot.desk.insights.prune() == (0, 0)
    bot.desk.clock = lambda: NOW + timedelta(days=bot.settings.insights_days + 1)
    assert await bot.desk.insights.prune() == (1, 1)
    assert await bot.desk.insights.export(guild) == []

    bot.desk.clock = lambda: NOW
    await ask(fake, "When does the ferry strike end?")
    reply = await fake.wait_message(await insights_command(fake, MOD, "clear"), timeout=20)
    assert reply["content"] == "Deleted 1 question and 0 votes of this server."
    assert (await bot.desk.insights.report(guild)).counts.total == 0


async def test_an_answer_is_sent_without_buttons_when_recording_fails(
    fake: FakeDiscord, bot: NewsBot, caplog: Any
) -> None:
    await start(bot, fake, BRIGHTLINE)

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    bot.desk.insights.record = broken  # type: ignore[method-assign]
    _, reply = await ask(fake, "Who is the new chief executive of Brightline?")
    assert "Laura Menendez" in description(reply).splitlines()[0]
    assert custom_ids(reply) == []
    assert any("recording a question for insights" in r.getMessage() for r in caplog.records)
