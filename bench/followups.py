"""Follow-up questions (issue 23): 30 follow-ups, written here, each after a first
question about one of ten short stories also written here, stored among the 401 NewsQA
dev stories (read from ../shared at run time) as distractors.

For each pair the first question is asked through the desk; its answer's story is the
one a member would follow up on. The follow-up is then asked three ways:

- as typed, as a fresh /ask (no context: "what did she say?" names nobody);
- resolved (``news.answer.followup.resolve``) but asked of the whole store;
- the bot's path, ``NewsDesk.follow_up``: resolved and asked about the same story.

Printed: the share answered from the right story (the committed answer's article, else
the first passage's), the share whose expected words are shown (answer, evidence or
passages), and how many follow-ups the resolver rewrote.

Run: ``.venv/bin/python -m bench.followups [--shared DIR]``
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import DEFAULT_SHARED, load, print_table

# Ten stories in our own words: (title, text).
STORIES: tuple[tuple[str, str], ...] = (
    (
        "Brightline names a new chief executive",
        "The rail company Brightline appointed Laura Menendez as its chief executive on "
        "Monday. Laura Menendez said the company would open two new routes next year and "
        "hire 400 drivers. She previously ran the freight arm of Norvik Logistics. The "
        "company's shares rose four percent after the announcement.",
    ),
    (
        "Kessling council approves a new bridge",
        "Kessling council voted to build a footbridge over the Amber river on Tuesday. "
        "Mayor Tom Reyes said the bridge would cost 12 million crowns and open in 2028. "
        "He told reporters that the old crossing would close for repairs. The council "
        "will pay for it from a regional transport fund.",
    ),
    (
        "Halden bus drivers strike over pay",
        "Bus drivers in Halden began a two-day strike on Wednesday after pay talks broke "
        "down. The Transport Workers Union said 300 members had joined the walkout. The "
        "union asked for a raise of six percent. Its leader, Mira Osei, said the drivers "
        "would return to work on Friday.",
    ),
    (
        "Orbis Labs recalls its smart kettle",
        "Orbis Labs recalled 20,000 smart kettles on Thursday because their lids can come "
        "loose. The firm said customers would get a full refund. Its spokesperson, Daniel "
        "Ferro, said no one had been hurt. The kettles were sold in Denmark and Norway.",
    ),
    (
        "Port Elwin harbour reopens after repairs",
        "The harbour in Port Elwin reopened on Friday after eight months of repairs. The "
        "Port Authority said 40 ships a week would call there again. Its director, Anya "
        "Brandt, said the works had cost 9 million crowns. Fishing boats had used the "
        "harbour at Sella during the closure.",
    ),
    (
        "Marlow Rovers sign a striker from Lisbon",
        "Marlow Rovers signed the striker Paulo Mendes from a club in Lisbon on Saturday. "
        "The club paid a fee of 3 million euros. Paulo Mendes said he wanted to win the "
        "cup with his new team. He scored 18 goals last season.",
    ),
    (
        "Dunmore library opens on Sundays",
        "The public library in Dunmore will open on Sundays from March. The Dunmore "
        "Library Trust said it would hire three extra librarians. Its chair, Helen Price, "
        "said 1,500 residents had signed a petition for longer hours. The reading room "
        "will close at six in the evening.",
    ),
    (
        "Vantor Airways cuts flights to Oslo",
        "Vantor Airways will cut its flights to Oslo from five a day to two in April. The "
        "airline blamed the price of fuel. Its chief executive, Samir Haddad, said the "
        "company would add routes to Madrid instead. About 120 jobs at the Oslo office "
        "will move to Madrid.",
    ),
    (
        "Greenhill school wins the science prize",
        "Pupils from Greenhill school won the national science prize on Sunday for a "
        "water filter made from sand and charcoal. Their teacher, Grace Okafor, said the "
        "pupils had worked on it for a year. The prize comes with 50,000 crowns for the "
        "school's laboratory.",
    ),
    (
        "Tessin Motors opens a battery plant",
        "Tessin Motors opened a battery plant in Vasby on Monday. The carmaker said the "
        "plant would employ 800 people. Its founder, Erik Lund, said the batteries would "
        "go into a small city car. The plant cost 2 billion crowns to build.",
    ),
)


@dataclass(frozen=True)
class Pair:
    story: int  # index in STORIES
    first: str
    followup: str
    expect: str  # words the right answer or its sentences hold (lower case)


PAIRS: tuple[Pair, ...] = (
    Pair(0, "Who is the new chief executive of Brightline?", "What did she say?", "two new routes"),
    Pair(
        0, "Who did Brightline appoint as chief executive?", "Where did she work before?", "norvik"
    ),
    Pair(0, "Who runs Brightline now?", "How many drivers will the company hire?", "400"),
    Pair(1, "What did Kessling council vote to build?", "How much will it cost?", "12 million"),
    Pair(1, "Who is the mayor of Kessling?", "What did he tell reporters?", "old crossing"),
    Pair(1, "When will the Kessling footbridge open?", "Who will pay for it?", "transport fund"),
    Pair(2, "Why are Halden bus drivers on strike?", "How many members joined it?", "300"),
    Pair(2, "Who leads the Transport Workers Union?", "What did she say?", "friday"),
    Pair(
        2,
        "Which union called the Halden bus strike?",
        "What raise did the union ask for?",
        "six percent",
    ),
    Pair(3, "What did Orbis Labs recall?", "Why did the firm recall them?", "lids"),
    Pair(3, "Who speaks for Orbis Labs?", "What did he say?", "no one had been hurt"),
    Pair(3, "How many kettles did Orbis Labs recall?", "Where were they sold?", "denmark"),
    Pair(
        4, "When did the Port Elwin harbour reopen?", "How many ships will call there?", "40 ships"
    ),
    Pair(
        4,
        "Who is the director of the Port Authority in Port Elwin?",
        "What did she say the works cost?",
        "9 million",
    ),
    Pair(
        4,
        "How long was the Port Elwin harbour closed?",
        "Where did fishing boats go during it?",
        "sella",
    ),
    Pair(5, "Who did Marlow Rovers sign?", "How many goals did he score last season?", "18"),
    Pair(
        5, "Where did Marlow Rovers find their new striker?", "What did the club pay?", "3 million"
    ),
    Pair(5, "Who is the new striker at Marlow Rovers?", "What does he want to win?", "cup"),
    Pair(
        6,
        "When will the Dunmore library open on Sundays?",
        "How many librarians will it hire?",
        "three",
    ),
    Pair(
        6, "Who chairs the Dunmore Library Trust?", "What did she say about the petition?", "1,500"
    ),
    Pair(6, "Which trust runs the Dunmore library?", "When will the reading room close?", "six"),
    Pair(
        7,
        "How many flights a day will Vantor Airways fly to Oslo?",
        "Why is the airline cutting them?",
        "fuel",
    ),
    Pair(
        7,
        "Who is the chief executive of Vantor Airways?",
        "What did he say the company would add?",
        "madrid",
    ),
    Pair(7, "Which airline is cutting flights to Oslo?", "How many jobs will move?", "120"),
    Pair(
        8,
        "Which school won the national science prize?",
        "What did the pupils make?",
        "water filter",
    ),
    Pair(
        8, "Who teaches the Greenhill pupils?", "How long did she say they worked on it?", "a year"
    ),
    Pair(8, "What did Greenhill school win?", "How much money comes with it?", "50,000"),
    Pair(
        9, "Where did Tessin Motors open a battery plant?", "How many people will it employ?", "800"
    ),
    Pair(9, "Who founded Tessin Motors?", "What did he say about the batteries?", "city car"),
    Pair(9, "What did Tessin Motors open in Vasby?", "How much did the plant cost?", "2 billion"),
)


def _shown(answer: object, expect: str) -> bool:
    parts = [getattr(answer, "answer", None), getattr(answer, "evidence", None)]
    parts += [q.text for q in getattr(answer, "passages", ())]
    return any(expect in (p or "").casefold() for p in parts)


def _story_of(answer: object) -> int | None:
    got = getattr(answer, "article_id", None)
    if got is None and getattr(answer, "passages", ()):
        got = answer.passages[0].article_id  # type: ignore[attr-defined]
    return got


async def run(shared: Path) -> None:
    from bot.app.desk import NewsDesk
    from bot.app.readers import Asked
    from news.answer.followup import resolve
    from news.domain import NewArticle
    from news.text import first_sentence

    guild = 1
    texts, _ = load(shared, None)
    with tempfile.TemporaryDirectory() as tmp:
        desk = await NewsDesk.open(Path(tmp) / "followups.sqlite3")
        try:
            for text in texts:
                await desk.store.add(
                    NewArticle(title=first_sentence(text) or "untitled", text=text)
                )
            ids = [
                (await desk.store.add(NewArticle(title=t, text=x, guild_id=guild))).article.id
                for t, x in STORIES
            ]
            right = {"as typed": 0, "resolved, whole store": 0, "the bot's follow-up": 0}
            shown = dict.fromkeys(right, 0)
            rewritten = firsts = 0
            for pair in PAIRS:
                first = await desk.ask_read(pair.first, guild)
                firsts += _story_of(first.answer) == ids[pair.story]
                qid = await desk.insights.record(guild, first)
                record = await desk.insights.question(qid, guild)
                assert record is not None
                resolved = resolve(pair.followup, record.question, record.answer, record.evidence)
                rewritten += resolved.changed
                tries: dict[str, Asked] = {
                    "as typed": await desk.ask_read(pair.followup, guild),
                    "resolved, whole store": await desk.ask_read(resolved.question, guild),
                    "the bot's follow-up": (await desk.follow_up(qid, guild, pair.followup))[0],
                }
                for name, asked in tries.items():
                    right[name] += _story_of(asked.answer) == ids[pair.story]
                    shown[name] += _shown(asked.answer, pair.expect)
        finally:
            await desk.close()
    n = len(PAIRS)
    print_table(
        f"{n} follow-ups over {len(STORIES)} stories among {len(texts)} dev stories;"
        f" first questions answered from their story: {firsts}/{n};"
        f" rewritten by the resolver: {rewritten}/{n}",
        ["asked", "right story", "expected words shown"],
        [[name, f"{right[name] / n:.3f}", f"{shown[name] / n:.3f}"] for name in right],
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = ap.parse_args(argv)
    asyncio.run(run(args.shared))


if __name__ == "__main__":
    main()
