"""Every command through the real client: add, paste, remove, show, list, search, ask, save."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fake_discord import MOD, READER, FakeDiscord, Pages, message_payload, user_payload

from bot import render
from bot.client import NewsBot

LIGHTHOUSE = """<!doctype html>
<html><head><title>Saltmere lighthouse reopens as a museum | Coastline Courier</title>
<meta property="og:site_name" content="Coastline Courier">
<meta name="author" content="Ines Varga">
<meta property="article:published_time" content="2024-03-14T09:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/local">Local</a></nav>
<article>
<h1>Saltmere lighthouse reopens as a museum</h1>
<p>The old lighthouse on the Saltmere headland opened its doors to visitors on Saturday
after three years of restoration work by the harbour trust.</p>
<p>Restoring the tower cost 2.4 million euros, most of it raised from a regional
heritage fund and small donations from local families.</p>
<p>The museum shows the original brass lens, a keeper's logbook from 1911 and a room
about the shipwrecks that led to the light being built in the first place.</p>
<p>Volunteers will guide tours every weekend until the end of October, and school groups
can book weekday visits through the trust's office in the harbour.</p>
<p>Harbour trust chair Odile Brandt said the town had waited a long time to climb the
spiral stairs again and thanked the carpenters who rebuilt the wooden gallery.</p>
</article>
<footer>Subscribe to our newsletter for more local stories.</footer>
</body></html>
"""

PASTED = (
    "The river ferry between Ostbank and Wendel will stop running for two weeks in June "
    "while its engine is replaced. Commuters can take a replacement bus that leaves the "
    "Ostbank quay every twenty minutes. The operator said the new engine uses forty percent "
    "less fuel than the old one."
)


def embeds_text(message: dict[str, Any]) -> str:
    """Everything visible in a message: content, embed titles, descriptions and fields."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def add_via_paste(
    fake: FakeDiscord, title: str, text: str, guild_id: int | None = None
) -> dict:
    token = await fake.slash("article", MOD, sub="paste", guild_id=guild_id)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.json["type"] == 9  # a modal
    custom_id = call.json["data"]["custom_id"]
    token = await fake.submit_modal(
        custom_id, {"title": title, "text": text, "url": ""}, MOD, guild_id=guild_id
    )
    return await fake.wait_message(token)


async def test_headline_moderator_adds_a_page_and_a_member_asks_about_it(
    fake: FakeDiscord, bot: NewsBot, pages: Pages
) -> None:
    url = pages.add("/local/saltmere-lighthouse", LIGHTHOUSE)
    token = await fake.slash("article", MOD, sub="add", url=url)
    reply = await fake.wait_message(token, timeout=20)
    # It deferred first: the 3-second deadline holds however slow the fetch is.
    assert fake.calls_for(token)[0].json == {"type": 5}
    assert "Stored as article #" in reply["content"]
    card = reply["embeds"][0]
    assert "Saltmere lighthouse reopens as a museum" in card["title"]
    assert card["url"] == url

    token = await fake.slash("ask", READER, question="How much did restoring the tower cost?")
    answer = await fake.wait_message(token, timeout=20)
    embed = answer["embeds"][0]
    assert "2.4 million euros" in embed["description"]
    assert "**" in embed["description"]  # the answer is bold
    assert "> Restoring the tower cost 2.4 million euros" in embed["description"]
    source = embed["fields"][0]["value"]
    assert f"({url})" in source and "Saltmere lighthouse reopens as a museum" in source
    assert "published 2024-03-14" in source and "#1" in source


MARLOW_TITLE = "250 'low-risk' inmates to be freed before Marlow ceasefire talks"
MARLOW_PASTE = f"""{MARLOW_TITLE}
© Shutterstock

Marlow will free 250 "low-risk" inmates to open ceasefire talks with the rebel council, the Daily Courier reported.

Governor Ilse Marden met more than 2,000 village elders last month to discuss the releases.

The new releases will bring the total number of inmates freed by the province to 4,000.

The region recorded more than 8,000 injuries last year in the fighting.

Interior Minister Dana PorterDana PorterMorning Briefing: Budget vote slips | Port strike ends MORE, meanwhile, said the garrison will shrink to under 3,000 soldiers by spring.
"""


async def test_the_seed_shaped_question_gets_the_released_count_through_ask(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    today = datetime.now(UTC).date()
    reply = await add_via_paste(fake, MARLOW_TITLE, MARLOW_PASTE)
    assert "Stored as article #1" in reply["content"]
    token = await fake.slash("ask", READER, question="How many prisoners were released?")
    answer = await fake.wait_message(token, timeout=20)
    embed = answer["embeds"][0]
    description = embed["description"]
    # The story states the count plainly, so the bot commits to it (issue 11).
    assert embed.get("title") != render.NOT_SURE
    assert description.startswith("**250**")
    source = embed["fields"][0]["value"]
    quote = next(line for line in description.splitlines() if line.startswith("> "))
    assert "250" in quote and "inmates" in quote
    for wrong in ("2,000", "8,000", "3,000"):
        assert wrong not in quote
    assert "#1" in source and "Marlow ceasefire talks" in source
    # The paste gave no publication date: the day shown is the day it was added, and
    # says so (an add across midnight is stamped with tomorrow).
    assert any(f" · added {day} · #1" in source for day in (today, today + timedelta(days=1)))
    stored = await bot.desk.get(1, fake.guilds[0].id)
    assert "Dana Porter, meanwhile, said" in stored.text and "Shutterstock" not in stored.text


async def test_paste_modal_stores_the_text_and_show_displays_it(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    reply = await add_via_paste(fake, "Ostbank ferry pauses for an engine swap", PASTED)
    assert "Stored as article #1" in reply["content"]
    token = await fake.slash("article", READER, sub="show", article=1)
    shown = await fake.wait_message(token)
    card = shown["embeds"][0]
    assert card["title"] == "Ostbank ferry pauses for an engine swap"
    assert "#1" in embeds_text(shown) and "river ferry" in card["description"]

    token = await fake.slash("summary", READER, article=1)
    summary = await fake.wait_message(token)
    assert summary["embeds"][0]["title"] == "Ostbank ferry pauses for an engine swap"
    assert "replacement bus" in embeds_text(summary)
    assert summary["embeds"] == shown["embeds"]  # /summary and /article show: one card

    # Adding the same text again says it is already stored.
    again = await add_via_paste(fake, "Ostbank ferry pauses for an engine swap", PASTED)
    assert "already stored as #1" in again["content"]


async def test_autocomplete_offers_titles_from_this_guild(fake: FakeDiscord, bot: NewsBot) -> None:
    await add_via_paste(fake, "Ostbank ferry pauses for an engine swap", PASTED)
    token = await fake.autocomplete("article", READER, sub="show", focused="article", value="ost")
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.json["type"] == 8
    assert call.json["data"]["choices"] == [
        {"name": "#1 Ostbank ferry pauses for an engine swap", "value": 1}
    ]


async def test_remove_asks_for_confirmation_and_only_the_invoker_may_press(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await add_via_paste(fake, "Ostbank ferry pauses for an engine swap", PASTED)
    token = await fake.slash("article", MOD, sub="remove", article=1)
    prompt = await fake.wait_message(token)
    assert prompt["flags"] == 64 and "Remove article #1?" in prompt["content"]
    buttons = {b["label"]: b["custom_id"] for b in prompt["components"][0]["components"]}
    message_id = fake.response_message_id(token)

    # Someone else pressing Remove is turned away and nothing is removed.
    other = await fake.press(message_id, buttons["Remove"], READER)
    refusal = await fake.wait_message(other)
    assert "Only the person who ran the command" in refusal["content"]
    assert (await bot.desk.count(fake.guilds[0].id)) == 1

    pressed = await fake.press(message_id, buttons["Remove"], MOD)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{pressed}/callback"))
    assert call.json["type"] == 7  # the prompt is edited in place
    assert call.json["data"]["content"] == "Removed article #1."
    assert call.json["data"]["components"] == []
    assert (await bot.desk.count(fake.guilds[0].id)) == 0


async def test_list_pages_with_buttons(fake: FakeDiscord, bot: NewsBot) -> None:
    guild = fake.guilds[0].id
    for n in range(12):
        await bot.desk.add_text(
            f"Report {n:02d} on the harbour\nThe harbour report number {n} has enough words to store.",
            guild_id=guild,
        )
    token = await fake.slash("article", READER, sub="list")
    first = await fake.wait_message(token)
    embed = first["embeds"][0]
    assert embed["footer"]["text"] == "Page 1 of 2 · 12 articles"
    assert embed["description"].count("\n") == 9  # ten rows
    assert "Report 11" in embed["description"]  # newest first
    buttons = {b["label"]: b for b in first["components"][0]["components"]}
    assert buttons["Prev"]["disabled"] is True and buttons["Next"].get("disabled") is not True

    pressed = await fake.press(fake.response_message_id(token), "newsbot:next", READER)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{pressed}/callback"))
    page2 = call.json["data"]["embeds"][0]
    assert page2["footer"]["text"] == "Page 2 of 2 · 12 articles"
    assert "Report 00" in page2["description"] and "Report 11" not in page2["description"]

    # Back to page 1: the keyset pager remembers where each page it showed started.
    pressed = await fake.press(fake.response_message_id(token), "newsbot:prev", READER)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{pressed}/callback"))
    again = call.json["data"]["embeds"][0]
    assert again["footer"]["text"] == "Page 1 of 2 · 12 articles"
    assert again["description"] == embed["description"]


async def test_search_pages_results(fake: FakeDiscord, bot: NewsBot) -> None:
    guild = fake.guilds[0].id
    for n in range(11):
        await bot.desk.add_text(
            f"Lighthouse note {n}\nA lighthouse keeper wrote note {n} about the weather at sea.",
            guild_id=guild,
        )
    token = await fake.slash("news", READER, sub="search", query="lighthouse keeper")
    reply = await fake.wait_message(token)
    assert fake.calls_for(token)[0].json == {"type": 5}
    embed = reply["embeds"][0]
    assert embed["description"].count("Lighthouse note") == 10
    assert embed["footer"]["text"].startswith("Page 1 of 2")
    pressed = await fake.press(fake.response_message_id(token), "newsbot:next", READER)
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{pressed}/callback"))
    assert call.json["data"]["embeds"][0]["description"].count("Lighthouse note") == 1


async def test_save_as_article_takes_the_link_or_the_text(
    fake: FakeDiscord, bot: NewsBot, pages: Pages
) -> None:
    url = pages.add("/saltmere", LIGHTHOUSE)
    channel = str(fake.guilds[0].channel_id)
    linked = message_payload(
        str(fake.next_id()),
        channel,
        content=f"Look at this <{url}> !",
        author=user_payload(4001, "poster"),
    )
    token = await fake.message_command("Save as article", linked, MOD)
    reply = await fake.wait_message(token, timeout=20)
    assert "Saltmere lighthouse" in reply["embeds"][0]["title"]

    plain = message_payload(
        str(fake.next_id()),
        channel,
        content="Ostbank ferry pauses\n" + PASTED,
        author=user_payload(4001, "poster"),
    )
    token = await fake.message_command("Save as article", plain, MOD)
    reply = await fake.wait_message(token)
    assert reply["embeds"][0]["title"] == "Ostbank ferry pauses"
    assert (await bot.desk.count(fake.guilds[0].id)) == 2


async def test_a_member_without_the_permission_is_refused_and_nothing_is_stored(
    fake: FakeDiscord, bot: NewsBot, pages: Pages
) -> None:
    url = pages.add("/saltmere", LIGHTHOUSE)
    token = await fake.slash("article", READER, sub="add", url=url)
    reply = await fake.wait_message(token)
    assert reply["flags"] == 64 and "Only moderators" in reply["content"]
    token = await fake.slash("article", READER, sub="paste")
    reply = await fake.wait_message(token)
    assert "Only moderators" in reply["content"]
    target = message_payload(str(fake.next_id()), str(fake.guilds[0].channel_id), content=url)
    token = await fake.message_command("Save as article", target, READER)
    assert "Only moderators" in (await fake.wait_message(token))["content"]
    assert (await bot.desk.count(fake.guilds[0].id)) == 0
    assert pages.requested == []  # refused before anything was fetched


async def test_the_servers_moderator_role_may_curate(fake: FakeDiscord, bot: NewsBot) -> None:
    from fake_discord import MANAGE_GUILD, MEMBER_PERMISSIONS, Member

    curator_role = 7001
    curator = Member(3003, "curator", roles=[curator_role])
    admin = Member(3004, "admin", MEMBER_PERMISSIONS | MANAGE_GUILD)
    token = await fake.slash("article", curator, sub="paste")
    assert "Only moderators" in (await fake.wait_message(token))["content"]

    token = await fake.interact(
        2,
        {
            "id": fake.command_id("newsbot"),
            "name": "newsbot",
            "type": 1,
            "options": [
                {
                    "name": "modrole",
                    "type": 1,
                    "options": [{"name": "role", "type": 8, "value": str(curator_role)}],
                }
            ],
            "resolved": {
                "roles": {
                    str(curator_role): {
                        "id": str(curator_role),
                        "name": "curators",
                        "permissions": "0",
                        "position": 1,
                        "color": 0,
                        "hoist": False,
                        "managed": False,
                        "mentionable": False,
                    }
                }
            },
        },
        admin,
    )
    assert "can now add and remove articles" in (await fake.wait_message(token))["content"]
    assert await bot.desk.stores.guilds.mod_role(fake.guilds[0].id) == curator_role

    reply = await add_via_paste_as(fake, curator)
    assert "Stored as article #1" in reply["content"]


async def add_via_paste_as(fake: FakeDiscord, member: Any) -> dict:
    token = await fake.slash("article", member, sub="paste")
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.json["type"] == 9
    token = await fake.submit_modal(
        call.json["data"]["custom_id"],
        {"title": "Ostbank ferry pauses", "text": PASTED, "url": ""},
        member,
    )
    return await fake.wait_message(token)


async def test_guild_isolation(fake: FakeDiscord, bot: NewsBot) -> None:
    guild_a, guild_b = fake.guilds[0].id, fake.guilds[1].id
    await add_via_paste(fake, "Ostbank ferry pauses for an engine swap", PASTED, guild_id=guild_a)
    token = await fake.slash(
        "ask", READER, guild_id=guild_b, question="How often does the replacement bus leave?"
    )
    reply = await fake.wait_message(token)
    assert reply["embeds"][0]["title"] == "Not found in the stored articles."
    assert "Ostbank" not in embeds_text(reply)
    token = await fake.slash("article", READER, sub="show", guild_id=guild_b, article=1)
    assert "There is no article #1 here." in (await fake.wait_message(token))["content"]

    token = await fake.slash(
        "ask", READER, guild_id=guild_a, question="How often does the replacement bus leave?"
    )
    reply = await fake.wait_message(token)
    assert "twenty minutes" in reply["embeds"][0]["description"]


async def test_a_failing_autocomplete_is_logged_and_offers_nothing(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: Any, caplog: Any
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> list[Any]:
        raise RuntimeError("titles index missing")

    monkeypatch.setattr(bot.desk, "autocomplete", broken)
    token = await fake.autocomplete("article", READER, sub="show", focused="article", value="x")
    for _ in range(50):
        if "titles index missing" in caplog.text:
            break
        await asyncio.sleep(0.02)
    assert "titles index missing" in caplog.text
    assert fake.calls_for(token) == []


async def test_autocomplete_is_rate_limited_per_member(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: Any
) -> None:
    import cogs.views

    now = [1000.0]
    limit = cogs.views.RateLimit(rate=2.0, burst=3, clock=lambda: now[0])
    monkeypatch.setattr(cogs.views, "AUTOCOMPLETE_LIMIT", limit)
    await add_via_paste(fake, "Ostbank ferry pauses for an engine swap", PASTED)
    asked: list[str] = []
    real = bot.desk.autocomplete

    async def counting(guild_id: int | None, prefix: str, limit: int = 25) -> list[Any]:
        asked.append(prefix)
        return await real(guild_id, prefix, limit)

    monkeypatch.setattr(bot.desk, "autocomplete", counting)

    async def choices(user: dict[str, Any], value: str) -> list[Any]:
        token = await fake.autocomplete("article", user, sub="show", focused="article", value=value)
        call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
        return call.json["data"]["choices"]

    typed = [await choices(READER, "ostbank"[: n + 1]) for n in range(6)]
    assert [len(c) for c in typed] == [1, 1, 1, 0, 0, 0]
    assert asked == ["o", "os", "ost"]  # the database saw three, not six
    assert len(await choices(MOD, "ost")) == 1  # another member has a bucket of their own
    now[0] += 1.6  # the 1.5-second window (3 at 2 a second) is over
    assert len(await choices(READER, "ostbank")) == 1
