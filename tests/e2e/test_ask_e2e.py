"""/ask through the real client: the bold answer with "See also" by title, the passages
card when the engine is not sure, the threshold setting, the article option and its
autocomplete, and hostile text that cannot break either reply."""

from __future__ import annotations

import re
from typing import Any

from fake_discord import MOD, READER, BotRunner, FakeDiscord

from bot import ask_cards, render
from bot.app.readers import Asked
from bot.client import NewsBot
from news.answer import Answer
from news.answer.totals import TOTAL_LABEL
from tests.harness.markdown import unescaped_markdown

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
MARATHON_TITLE = "Kenyan runner takes the Berlin Marathon in a course record"
MARATHON = (
    "Kenyan runner Daniel Kiprotich won the Berlin Marathon on Sunday, finishing in two "
    "hours, one minute and nine seconds. More than 40,000 runners started the race under "
    "clear skies, the organisers said. Kiprotich, 27, had finished second in Berlin a year "
    "ago and said he had trained in the hills near Eldoret all summer. The women's race "
    "was won by Ethiopia's Meseret Alemu."
)
LIFEGUARDS_TITLE = "Dunmore hires more lifeguards for the summer"
LIFEGUARDS = (
    "Dunmore county will hire 35 seasonal lifeguards to patrol its beaches, the Coast Post "
    "reported. The new posts will bring the total number of lifeguards hired by the county "
    "to 180. Last summer the beaches drew more than 9,000 swimmers."
)
HOSTILE = "@everyone <@123456789012345678> **loud** __under__ `tick` ||hidden|| <#42> ~~gone~~"


def description(message: dict[str, Any]) -> str:
    return str(message["embeds"][0].get("description") or "")


async def store(bot: NewsBot, fake: FakeDiscord, *texts: str) -> list[int]:
    guild = fake.guilds[0].id
    return [(await bot.desk.add_text(text, guild_id=guild)).article.id for text in texts]


async def test_a_sure_answer_is_bold_with_its_evidence_citation_and_see_also_titles(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    library, parking, _ = await store(bot, fake, LIBRARY, PARKING, POOL)
    token = await fake.slash(
        "ask", READER, question="Who signed the petition against parking fees?"
    )
    reply = await fake.wait_message(token, timeout=20)
    embed = reply["embeds"][0]
    assert "title" not in embed  # no "not sure" heading: the answer is stated
    assert description(reply).startswith("**Shop owners and residents of Brenholt**")
    assert "> Shop owners and residents of Brenholt signed a second petition" in description(reply)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Source"].startswith("Brenholt residents sign a petition against parking fees")
    assert f"#{parking}" in fields["Source"]
    # The other close article by its title, not only its id; the cited one is not repeated.
    assert fields["See also"] == f"• Brenholt library extends its opening hours · #{library}"


async def test_an_unsure_answer_quotes_the_most_relevant_sentences(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    _, _, pool = await store(bot, fake, LIBRARY, PARKING, POOL)
    token = await fake.slash("ask", READER, question="Why did the swimming pool close?")
    reply = await fake.wait_message(token, timeout=20)
    embed = reply["embeds"][0]
    assert embed["title"] == render.NOT_SURE
    lines = description(reply).splitlines()
    assert lines[0] == render.NOT_SURE_LEAD
    quotes = [line for line in lines if line.startswith("> ")]
    assert 2 <= len(quotes) <= 3
    assert quotes[0] == (
        "> The indoor **swimming** **pool** in Brenholt **closed** on Monday because its roof "
        "is leaking."
    )
    cited = await bot.desk.get(pool, fake.guilds[0].id)
    assert f"\n— {render.citation(cited)}" in description(reply)
    assert not description(reply).startswith("**")  # no answer is stated


async def test_the_threshold_setting_decides_between_the_two_replies(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    question = "When will the library stay open until nine?"
    bot = await runner.start()
    library, _, _ = await store(bot, fake, LIBRARY, PARKING, POOL)
    sure = await fake.wait_message(await fake.slash("ask", READER, question=question), timeout=20)
    assert description(sure).startswith("**April**")
    # Nothing is sure enough at 1.0: the same question gets the passages card.
    await runner.restart(answer_threshold=1.0)
    unsure = await fake.wait_message(await fake.slash("ask", READER, question=question))
    assert unsure["embeds"][0]["title"] == render.NOT_SURE
    quotes = [line for line in description(unsure).splitlines() if line.startswith("> ")]
    assert 2 <= len(quotes) <= 3 and "first of April" in quotes[0]
    # Five of the question's words match that sentence: bold on all would not help reading.
    assert "**" not in quotes[0]
    assert "Brenholt library extends its opening hours" in description(unsure)
    assert f"#{library}" in description(unsure)
    assert all(len(quote) <= 2 * render.QUOTE_LIMIT for quote in quotes)


async def test_with_no_relevant_sentence_the_closest_articles_are_listed(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: Any
) -> None:
    _, parking, _ = await store(bot, fake, LIBRARY, PARKING, POOL)

    async def nothing_relevant(question: str, *args: Any, **options: Any) -> Asked:
        return Asked(Answer(question, None, None, None, 0.0, "thing", related=(parking,)))

    monkeypatch.setattr(bot.desk, "ask_read", nothing_relevant)
    token = await fake.slash("ask", READER, question="Is the station busy?")
    reply = await fake.wait_message(token)
    assert reply["embeds"][0]["title"] == render.NOT_FOUND
    closest = await bot.desk.get(parking, fake.guilds[0].id)
    assert "Brenholt residents sign a petition" in closest.title
    assert description(reply) == f"Closest articles:\n• {render.citation(closest)}"


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
            # Every line is one the renderer made: the answer, its date, a quote, a
            # citation, the lead.
            made = ("**", ask_cards.DATE_MARK, "> ", "— ", render.NOT_SURE_LEAD)
            assert line == "" or line.startswith(made), line
            if line.startswith("> "):
                assert unescaped_markdown(line) == []


async def paste(fake: FakeDiscord, title: str, text: str) -> None:
    """A moderator adds a story through /article paste and its form."""
    token = await fake.slash("article", MOD, sub="paste")
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.json["type"] == 9  # the form
    token = await fake.submit_modal(
        call.json["data"]["custom_id"], {"title": title, "text": text, "url": ""}, MOD
    )
    assert "Stored as article #" in (await fake.wait_message(token, timeout=20))["content"]


async def test_a_race_the_story_never_names_gets_the_passages_card_not_its_winner(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await paste(fake, MARATHON_TITLE, MARATHON)
    token = await fake.slash("ask", READER, question="Who won the Tokyo Marathon?")
    reply = await fake.wait_message(token, timeout=20)
    assert reply["embeds"][0].get("title") == render.NOT_SURE
    lines = description(reply).splitlines()
    assert lines[0] == render.NOT_SURE_LEAD
    assert not any(line.startswith("**") for line in lines)  # no answer is stated
    assert any("Kiprotich" in line for line in lines if line.startswith("> "))
    assert "**Daniel" not in description(reply) and "**Kiprotich" not in description(reply)
    # What the question asks is bold; the race's name, the story's subject, is not.
    assert "**won**" in description(reply) and "**Marathon**" not in description(reply)

    # The race the story does name gets its winner in bold.
    token = await fake.slash("ask", READER, question="Who won the Berlin Marathon?")
    sure = await fake.wait_message(token, timeout=20)
    first = description(sure).splitlines()[0]
    assert first.startswith("**") and "Kiprotich" in first


async def test_every_line_of_the_answer_card_says_what_it_is(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    await paste(fake, LIFEGUARDS_TITLE, LIFEGUARDS)
    token = await fake.slash("ask", READER, question="How many lifeguards were hired?")
    reply = await fake.wait_message(token, timeout=20)
    embed = reply["embeds"][0]
    first, *rest = description(reply).split("\n")
    assert first == "**35**"  # the answer, under the question in the author line
    assert f"{TOTAL_LABEL} 180 (lifeguards hired)" in rest
    assert rest[0].startswith(ask_cards.DATE_MARK + "Added ")  # the answer's date, under it
    for line in rest[1:]:
        # A quote of the evidence, or a line with its label; nothing bare.
        assert line == "" or line.startswith(("> ", TOTAL_LABEL)), line
    assert [f["name"] for f in embed["fields"]] == ["Source"]
