"""The /ask replies: the passages card when the engine does not commit, short highlighted
quotes, "See also" by title, and hostile text that stays inert in every part."""

from __future__ import annotations

import re
from collections.abc import Callable

import discord
from hypothesis import given
from hypothesis import strategies as st

from bot import render
from news.answer import Answer, Passage, Quote, answer_question, stem
from news.answer.totals import TOTAL_LABEL
from news.domain import Article
from tests.harness.markdown import MARKDOWN, unescaped_markdown

ArticleFactory = Callable[..., Article]

FERRY = "Commuters can take a replacement bus that leaves the Ostbank quay every twenty minutes."
ENGINE = "The operator said the new engine uses forty percent less fuel than the old one."
HOSTILE = "@everyone <@123456789012345678> **bold** __under__ `code` ||spoiler|| <#42> ~~x~~"


def test_the_passages_card_says_it_is_not_sure_and_quotes_each_sentence_under_its_article(
    article_factory: ArticleFactory,
) -> None:
    ferry = article_factory(id=1, title="Ostbank ferry pauses", url="https://news.example/ferry")
    port = article_factory(id=2, title="Port news", url=None, source="Quay Times")
    quotes = [(Quote(1, FERRY), ferry), (Quote(2, "Ships wait."), port), (Quote(1, ENGINE), ferry)]
    embed = render.passages_embed("How often does the replacement bus leave?", quotes)
    assert embed.title == render.NOT_SURE
    assert embed.author.name == "How often does the replacement bus leave?"
    assert embed.colour == discord.Colour(render.NOT_FOUND_COLOUR)
    assert embed.description == (
        f"{render.NOT_SURE_LEAD}\n\n"
        "> Commuters can take a **replacement** **bus** that **leaves** the Ostbank quay "
        "every twenty minutes.\n"
        f"> {ENGINE}\n"
        "— [Ostbank ferry pauses](https://news.example/ferry) · Harbour Herald · published 2024-05-01 · #1"
        "\n\n> Ships wait.\n— Port news · Quay Times · published 2024-05-01 · #2"
    )


def test_a_long_sentence_is_quoted_short_around_the_matched_words() -> None:
    words = render.question_words("When does the ferry leave?")
    long = " ".join(["Before"] + ["the harbour board met again"] * 30 + ["and the ferry left."])
    quote = render.quote_text(long, words)
    assert len(quote) <= render.QUOTE_LIMIT + 10  # the bold markers
    assert quote.startswith("…") and "**ferry**" in quote
    head = render.quote_text(long, frozenset())
    assert head.startswith("Before the harbour") and head.endswith("…")
    assert len(head) <= render.QUOTE_LIMIT and not head[:-1].endswith(" ")


def test_highlighting_stops_when_it_would_stop_helping() -> None:
    words = render.question_words("Which bus routes leave the bus station by bus?")
    # Most of the words match: bold everywhere reads worse than none.
    assert render.quote_text("Bus routes leave.", words) == "Bus routes leave."
    many = "The bus and the bus and the bus and the bus and the bus left the station late."
    assert "**" not in render.quote_text(many, words)
    assert render.quote_text("A bus left at noon from the town square.", words) == (
        "A **bus** left at noon from the town square."
    )
    # Question words ("how", "many") and stop words are never highlighted.
    assert render.question_words("How many were there?") == frozenset()


def test_a_word_inside_a_mention_a_url_or_markup_is_not_highlighted() -> None:
    words = render.question_words("everyone ferry example")
    quote = render.quote_text(
        "@everyone saw https://example.com/ferry and *ferry* at the quay today.", words
    )
    assert "**" not in quote and "@everyone" not in quote
    assert "https://example.com/ferry" in quote


def test_hostile_question_and_article_stay_inert_in_the_passages_card(
    article_factory: ArticleFactory,
) -> None:
    article = article_factory(id=9, title=HOSTILE, source=HOSTILE, url="javascript:alert(1)")
    sentence = f"{HOSTILE}\n> not a quote\n# not a heading\n1. not a list [link](https://x.example)"
    embed = render.passages_embed(f"{HOSTILE} bold spoiler?", [(Quote(9, sentence), article)])
    assert embed.author.name is not None and "@everyone" not in embed.author.name
    description = embed.description or ""
    assert "@everyone" not in description and not re.search(r"<[@#]&?!?\d", description)
    assert unescaped_markdown(description.replace(render.NOT_SURE_LEAD, "")) == []
    lines = description.split("\n")
    # One quote line (newlines in the sentence cannot start a heading, list or quote)
    # and one citation line, with no link to a non-web URL.
    assert len(lines) == 4 and lines[2].startswith("> ") and lines[3].startswith("— ")
    assert "](" not in lines[3] and "\\[link\\]" in lines[2]


def test_hostile_answer_and_see_also_titles_stay_inert(article_factory: ArticleFactory) -> None:
    answer = Answer(
        HOSTILE, f"{HOSTILE}", f"The {HOSTILE} said.", 1, 0.9, "thing", (1, 2), confidence=0.9
    )
    see_also = [article_factory(id=2, title=HOSTILE)]
    embed = render.answer_embed(answer, article_factory(id=1, title=HOSTILE), see_also)
    # The author line is plain text to Discord: only pings need defusing there.
    assert embed.author.name is not None and "@everyone" not in embed.author.name
    shown = repr([embed.description, [(f.name, f.value) for f in embed.fields]])
    assert "@everyone" not in shown and not re.search(r"<[@#]&?!?\d", shown)
    assert embed.description is not None and embed.description.startswith("**@\u200beveryone")
    bold, quote = embed.description.split("\n\n")
    assert bold.endswith("**") and unescaped_markdown(bold[2:-2]) == []
    assert quote.startswith("> ") and unescaped_markdown(quote) == []
    assert unescaped_markdown(embed.fields[1].value or "") == []


@given(
    st.text(alphabet=st.sampled_from(list("ab ferry*_~`|>#@<:!\n\\.-1[]()")), max_size=600),
    st.text(alphabet=st.sampled_from(list("ferry bus*_@<\\")), max_size=80),
)
def test_any_quote_is_one_inert_line_of_bounded_length(sentence: str, question: str) -> None:
    quote = render.quote_text(sentence, render.question_words(question))
    assert "\n" not in quote
    assert len(quote) <= 2 * render.QUOTE_LIMIT + 4 * render.MAX_HIGHLIGHTS
    # A quote holds no link of its own: brackets are escaped too.
    assert unescaped_markdown(quote, frozenset(MARKDOWN | set("[]"))) == []
    assert "@everyone" not in quote and not re.search(r"<[@#]", quote)


def test_passages_cards_fit_discord_with_the_worst_input(article_factory: ArticleFactory) -> None:
    article = article_factory(
        title="*_" * 150, source="|" * 300, url="https://x.example/" + "a" * 500
    )
    quotes = [
        (Quote(n, "word *_* " * 400), article_factory(id=n, title="*" * 300)) for n in range(3)
    ]
    embed = render.passages_embed("q" * 600, [(Quote(0, "x" * 9000), article), *quotes])
    data = embed.to_dict()
    assert len(data["description"]) <= 4096 and len(embed) <= 6000
    assert len(data["author"]["name"]) <= 256


RAIL = "Brightline to cut jobs as ridership slows"


def test_the_passages_card_bolds_what_the_question_asks_not_its_subject(
    article_factory: ArticleFactory,
) -> None:
    rail = article_factory(id=3, title=RAIL, url=None, source="Rail Post")
    quotes = [
        (Quote(3, "Brightline will cut 1,800 jobs over the next year, Brightline said."), rail),
        (Quote(3, "Brightline has run trains between Miami and Orlando since 2023."), rail),
        (
            Quote(3, "Chief executive Laura Menendez said the cuts would fall on office staff."),
            rail,
        ),
    ]
    question = "How many jobs is Brightline cutting?"
    # "Brightline" names the story the title is about; "jobs" and "cutting" are asked.
    assert render.subject_words(question, quotes) == frozenset({stem("brightline")})
    lines = (render.passages_embed(question, quotes).description or "").split("\n")
    assert lines[2:5] == [
        "> Brightline will **cut** 1,800 **jobs** over the next year, Brightline said.",
        "> Brightline has run trains between Miami and Orlando since 2023.",
        "> Chief executive Laura Menendez said the **cuts** would fall on office staff.",
    ]


def test_a_word_every_quote_holds_is_not_bold_but_one_quote_keeps_its_bold(
    article_factory: ArticleFactory,
) -> None:
    baths = article_factory(id=4, title="Town baths shut for repairs", url=None)
    leak = "The pool closed on Monday because its roof leaks."
    quotes = [(Quote(4, leak), baths), (Quote(4, "Swimmers can use the pool in Kessling."), baths)]
    question = "Why did the pool close?"
    shown = render.passages_embed(question, quotes).description or ""
    assert "> The pool **closed** on Monday because its roof leaks." in shown
    assert "**pool**" not in shown
    # Alone, a quote's words cannot be told apart by the others: the question's stay bold.
    alone = render.passages_embed(question, quotes[:1]).description or ""
    assert "> The **pool** **closed** on Monday because its roof leaks." in alone


# The total is right after the evidence: the card shows it, with its label.
DUNMORE = (
    "Dunmore county will hire 35 seasonal lifeguards to patrol its beaches, the Coast Post "
    "reported. The new posts will bring the total number of lifeguards hired by the county "
    "to 180. Last summer the beaches drew more than 9,000 swimmers."
)


def test_every_line_of_the_answer_card_says_what_it_is(article_factory: ArticleFactory) -> None:
    answer = answer_question("How many lifeguards were hired?", [Passage(5, "", DUNMORE, 1.0)])
    assert answer.committed and answer.extra is not None
    article = article_factory(id=5, title="Dunmore hires lifeguards", text=DUNMORE)
    first, *rest = (render.answer_embed(answer, article).description or "").split("\n")
    assert first == "**35**"  # the answer itself, under the question in the author line
    assert f"{TOTAL_LABEL} 180 (lifeguards hired)" in rest
    for line in rest:
        assert line == "" or line.startswith(("> ", TOTAL_LABEL)), line
