"""/ask through the real client: the bold answer with "See also" by title, the passages
card when the engine is not sure, the threshold setting, the article option and its
autocomplete, and hostile text that cannot break either reply."""

from __future__ import annotations

import re
from typing import Any

from fake_discord import READER, BotRunner, FakeDiscord

from bot import render
from bot.client import NewsBot

LIBRARY = (
    "Brenholt library extends its opening hours\n"
    "The public library in Brenholt will stay open until nine in the evening from the first "
    "of April. The council agreed to pay for two extra librarians after a petition signed by "
    "1,200 residents. The reading room on the second floor will also open on Sundays."
)
PARKING = (
    "Brenholt residents sign a petition against parking fees\n"
    "Shop owners and residents of Brenholt signed a second petition, this time against the "
    "new parking fees near the station. The fees start at two crowns an hour. The council "
    "will discuss the petition at its May meeting."
)
POOL = (
    "Brenholt swimming pool closes for roof repairs\n"
    "The indoor swimming pool in Brenholt closed on Monday because its roof is leaking. "
    "Repairs are expected to take eleven weeks. Swimmers can use the pool in the "
    "neighbouring town of Kessling until the work is finished."
)
HOSTILE = "@everyone <@123456789012345678> **loud** __under__ `tick` ||hidden|| <#42> ~~gone~~"
MARKDOWN = set("*_~`|")


def description(message: dict[str, Any]) -> str:
    return str(message["embeds"][0].get("description") or "")


def unescaped_markdown(text: str) -> list[str]:
    """Markdown characters not escaped, once the renderer's own bold words and links are
    taken out."""
    text = re.sub(r"\*\*[^\W_]+\*\*", "w", text)
    found, escaped = [], False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in MARKDOWN:
            found.append(char)
    return found


async def store(bot: NewsBot, fake: FakeDiscord, *texts: str) -> list[int]:
    guild = fake.guilds[0].id
    return [(await bot.desk.add_text(text, guild_id=guild)).article.id for text in texts]


async def test_a_sure_answer_is_bold_with_its_evidence_citation_and_see_also_titles(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    library, parking, _ = await store(bot, fake, LIBRARY, PARKING, POOL)
    token = await fake.slash("ask", READER, question="How many residents signed the petition?")
    reply = await fake.wait_message(token, timeout=20)
    embed = reply["embeds"][0]
    assert description(reply).startswith("**1,200**")
    assert "> The council agreed to pay for two extra librarians" in description(reply)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Source"].startswith("Brenholt library extends its opening hours")
    assert f"#{library}" in fields["Source"]
    # The other close article by its title, not only its id; the cited one is not repeated.
    assert fields["See also"] == (
        f"• Brenholt residents sign a petition against parking fees · #{parking}"
    )


async def test_below_the_threshold_the_reply_quotes_the_closest_sentences(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    # Nothing is sure enough at 1.0: the same question gets the passages card.
    bot = await runner.start(answer_threshold=1.0)
    library, _, _ = await store(bot, fake, LIBRARY, PARKING, POOL)
    token = await fake.slash("ask", READER, question="How many residents signed the petition?")
    reply = await fake.wait_message(token, timeout=20)
    embed = reply["embeds"][0]
    assert embed["title"] == render.NOT_SURE
    text = description(reply)
    assert text.startswith(render.NOT_SURE_LEAD)
    quotes = [line for line in text.splitlines() if line.startswith("> ")]
    citations = [line for line in text.splitlines() if line.startswith("— ")]
    assert 2 <= len(quotes) <= 3 and citations
    assert any("1,200 residents" in quote for quote in quotes)
    assert "**1,200**" not in text  # no answer is stated
    assert "Brenholt library extends its opening hours" in text and f"#{library}" in text
    assert "**petition**" in text  # the question's words stand out
    assert all(len(quote) <= 2 * render.QUOTE_LIMIT for quote in quotes)


async def test_nothing_relevant_still_lists_the_closest_articles(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await store(bot, fake, LIBRARY, PARKING, POOL)
    token = await fake.slash("ask", READER, question="Which band headlined the Kessling festival?")
    reply = await fake.wait_message(token, timeout=20)
    embed = reply["embeds"][0]
    # One shared word (Kessling) is no answer: no bold guess, an honest reply instead.
    assert embed.get("title") in (render.NOT_FOUND, render.NOT_SURE)
    if embed["title"] == render.NOT_FOUND:
        assert "Brenholt swimming pool closes for roof repairs" in description(reply)


async def test_the_article_option_asks_about_one_story_and_is_autocompleted(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    library, parking, _ = await store(bot, fake, LIBRARY, PARKING, POOL)
    token = await fake.autocomplete(
        "ask", READER, sub=None, focused="article", value="brenholt res", question="Who?"
    )
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.json["type"] == 8
    assert call.json["data"]["choices"] == [
        {
            "name": f"#{parking} Brenholt residents sign a petition against parking fees",
            "value": parking,
        }
    ]
    # The petition question, pinned to the parking story, is answered from that story only.
    token = await fake.slash(
        "ask", READER, question="What does the petition oppose?", article=parking
    )
    reply = await fake.wait_message(token, timeout=20)
    text = repr(reply["embeds"])
    assert f"#{parking}" in text and f"#{library}" not in text
    assert "librarians" not in text


async def test_hostile_question_and_article_cannot_break_either_reply(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    bot = await runner.start()
    body = (
        f"{HOSTILE}\nThe harbour crane lifted {HOSTILE} forty containers on Friday.\n"
        "> fake quote\n# fake heading\n1. fake list\n"
        "The crane operator said the lift took six hours in strong wind."
    )
    await store(bot, fake, f"Harbour crane {HOSTILE}\n{body}")
    question = f"How long did the crane lift take? {HOSTILE}"
    sure = await fake.wait_message(await fake.slash("ask", READER, question=question), timeout=20)
    assert sure["embeds"][0]["description"].startswith("**")  # an answer, in bold
    await runner.restart(answer_threshold=1.0)
    unsure = await fake.wait_message(await fake.slash("ask", READER, question=question), timeout=20)
    assert unsure["embeds"][0]["title"] == render.NOT_SURE
    for reply in (sure, unsure):
        assert reply.get("allowed_mentions") == {"parse": []}
        embed = reply["embeds"][0]
        shown = repr([embed.get("description"), embed.get("fields", [])])
        assert "@everyone" not in shown and not re.search(r"<[@#]&?!?\d", shown)
        assert "@everyone" not in embed["author"]["name"]
        for line in description(reply).splitlines():
            # Every line is one the renderer made: the answer, a quote, a citation, the lead.
            assert line == "" or line.startswith(("**", "> ", "— ", render.NOT_SURE_LEAD)), line
            if line.startswith("> "):
                assert unescaped_markdown(line) == []
