"""render: escaping, clamping, splitting, and every embed within Discord's limits."""

from __future__ import annotations

from collections.abc import Callable

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import render
from news.answer import Answer
from news.domain import Article, SearchHit
from tests.harness.discord_links import masked_links

ArticleFactory = Callable[..., Article]


def within_limits(embed: discord.Embed) -> bool:
    data = embed.to_dict()
    return (
        len(data.get("title", "")) <= 256
        and len(data.get("description", "")) <= 4096
        and all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in data.get("fields", []))
        and len(data.get("fields", [])) <= 25
        and len(embed) <= 6000
    )


@pytest.mark.parametrize(
    ("raw", "forbidden"),
    [
        ("@everyone come here", "@everyone"),
        ("hey @here", "@here"),
        ("<@123456789012345678> hi", "<@1"),
        ("<@!123456789012345678>", "<@!"),
        ("<@&123456789012345678>", "<@&"),
        ("see <#123456789012345678>", "<#"),
        ("**bold** and __under__", "**"),
        ("`code` ~~strike~~ ||spoiler||", "||"),
    ],
)
def test_escape_makes_text_inert(raw: str, forbidden: str) -> None:
    assert forbidden not in render.escape(raw)


def test_escape_breaks_masked_links() -> None:
    assert render.escape("[click](https://evil.example)") == "\\[click\\](https://evil.example)"


def test_escape_keeps_ordinary_text() -> None:
    assert (
        render.escape("The council met on 3 May at 10:30.") == "The council met on 3 May at 10:30."
    )


def test_clamp() -> None:
    assert render.clamp("short", 10) == "short"
    cut = render.clamp("one two three four five six", 15)
    assert cut == "one two three…" and len(cut) <= 15
    assert render.clamp("x" * 50, 10) == "x" * 9 + "…"
    assert render.clamp("anything", 0) == ""
    # A cut never leaves half an escape sequence behind.
    assert not render.clamp("a" * 8 + "\\*" * 10, 10).rstrip("…").endswith("\\")


@given(st.text(max_size=300), st.integers(min_value=1, max_value=60))
def test_clamp_never_exceeds_the_limit(text: str, limit: int) -> None:
    assert len(render.clamp(text, limit)) <= limit


def test_split_message_prefers_paragraphs_then_sentences() -> None:
    para = "First paragraph sentence. " * 40  # ~1,040 characters
    text = f"{para.strip()}\n\n{para.strip()}\n\n{para.strip()}"
    chunks = render.split_message(text)
    assert all(len(c) <= 2000 for c in chunks)
    assert chunks[0].endswith("sentence.") and chunks[1].startswith("First")
    assert len(chunks) == 3  # one paragraph would not fit next to another

    one_paragraph = "A sentence that goes on. " * 200
    chunks = render.split_message(one_paragraph, 500)
    assert all(len(c) <= 500 and c.endswith("on.") for c in chunks)


def test_split_message_cuts_words_only_when_it_must() -> None:
    assert render.split_message("word " * 10, 12) == ["word word"] * 5
    assert render.split_message("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert render.split_message("   ") == []


@given(st.text(alphabet=st.sampled_from("ab .\n\\*"), max_size=600), st.integers(5, 120))
def test_split_message_keeps_everything_but_whitespace(text: str, limit: int) -> None:
    chunks = render.split_message(text, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    squash = lambda s: "".join(s.split())  # noqa: E731
    assert squash("".join(chunks)) == squash(text)


def test_article_card(article_factory: ArticleFactory) -> None:
    card = render.article_card(article_factory(id=7, title="@everyone **Harbour**"))
    assert card.title is not None and "@everyone" not in card.title and "**" not in card.title
    assert card.url == "https://news.example/harbour"
    fields = {f.name: f.value for f in card.fields}
    assert fields == {"Source": "Harbour Herald", "Published": "1 May 2024", "ID": "#7"}
    assert card.description is not None and "harbour wall" in card.description


def test_article_card_of_a_huge_article_fits(article_factory: ArticleFactory) -> None:
    huge = article_factory(title="T" * 300, source="S" * 500, text="\n".join(["word " * 900] * 5))
    assert within_limits(render.article_card(huge))


def test_answer_embed(article_factory: ArticleFactory) -> None:
    answer = Answer(
        question="How long did the work take?",
        answer="six weeks",
        evidence="The work took six weeks.",
        article_id=1,
        score=0.9,
        qtype="duration",
        related=(1, 4),
    )
    see_also = [article_factory(id=1), article_factory(id=4, title="Ferry *resumes*", url=None)]
    embed = render.answer_embed(answer, article_factory(), see_also)
    assert embed.description == "**six weeks**\n\n> The work took six weeks."
    source = embed.fields[0].value
    assert (
        source
        == "[Harbour wall repaired](https://news.example/harbour) · Harbour Herald · published 2024-05-01 · #1"
    )
    # The other articles by title; the cited one is not repeated.
    assert embed.fields[1].value == "• Ferry \\*resumes\\* · #4"


def test_answer_embed_with_an_enormous_evidence_sentence(article_factory: ArticleFactory) -> None:
    answer = Answer("q?", "x" * 5000, "y " * 5000, 1, 0.5, "other", extra="z" * 3000)
    assert within_limits(render.answer_embed(answer, article_factory(title="t" * 300)))


def test_not_found_lists_the_closest(article_factory: ArticleFactory) -> None:
    embed = render.not_found_embed("Who?", [article_factory(id=3, url=None)])
    assert embed.title == render.NOT_FOUND
    assert (
        embed.description
        == "Closest articles:\n• Harbour wall repaired · Harbour Herald · published 2024-05-01 · #3"
    )
    assert render.not_found_embed("Who?", []).description is None


def test_pages_fit_with_the_worst_titles(article_factory: ArticleFactory) -> None:
    articles = [article_factory(id=n, title="*_" * 150, source="|" * 300) for n in range(10)]
    page = render.list_page(articles, 0, 3, 25)
    assert within_limits(page) and page.footer.text == "Page 1 of 3 · 25 articles"
    hits = [
        SearchHit(
            n, "*_" * 150, 1.0, "<b>" * 400, None, "@everyone", "https://x.example/" + "a" * 500
        )
        for n in range(10)
    ]
    page = render.search_page("`" * 300, hits, 1, 2)
    assert within_limits(page) and page.footer.text == "Page 2 of 2"
    assert "@everyone" not in (page.description or "")


def test_fit_embed_enforces_the_total() -> None:
    embed = discord.Embed(title="t" * 400, description="d" * 5000)
    for n in range(30):
        embed.add_field(name=f"f{n}", value="v" * 2000)
    render.fit_embed(embed)
    assert within_limits(embed)


def test_links_only_for_web_urls(article_factory: ArticleFactory) -> None:
    assert "](" not in render.citation(article_factory(url="javascript:alert(1)"))
    assert render.article_card(article_factory(url="file:///etc/passwd")).url is None


def test_choice_name_is_at_most_100_characters(article_factory: ArticleFactory) -> None:
    name = render.choice_name(article_factory(id=12345, title="Long\n title " * 30))
    assert len(name) <= 100 and name.startswith("#12345 Long title")


@pytest.mark.parametrize(
    "title",
    [
        "Council approves bridge](https://evil.example/login) [details",
        "Ferry timetable\\](https://evil.example/a) \\[more",
        "Tide [see https://evil.example/x](https://evil.example/y) [notes",
        "Dredging ends]]](https://evil.example/z) [[[x",
    ],
)
def test_a_title_cannot_open_close_or_steal_a_link(
    title: str, article_factory: ArticleFactory
) -> None:
    article = article_factory(title=title, url="https://news.example/story")
    assert masked_links(render.escape(title)) == []
    for text in (render.citation(article), render.link(title, article.url, 150)):
        assert [url for _, url in masked_links(text)] == ["https://news.example/story"], text


def test_escape_escapes_lone_brackets_and_backslashes() -> None:
    assert render.escape("a ] b [ c") == "a \\] b \\[ c"
    assert render.escape("C:\\temp") == "C:\\\\temp"
    # A backslash in the text cannot undo the escape of the bracket after it.
    assert render.escape("x\\[y](https://e.example)").startswith("x\\\\\\[y\\]")


def test_escape_keeps_bare_urls_clickable() -> None:
    assert render.escape("see https://a.example/x_y_z now") == "see https://a.example/x_y_z now"


def test_link_text_has_no_brackets_and_the_url_cannot_break_out() -> None:
    assert render.link("[Video] Storm", "https://a.example/v", 100) == (
        "[(Video) Storm](https://a.example/v)"
    )
    linked = render.link("Tide", "https://a.example/a) [x](https://evil.example/b c<d>", 100)
    assert linked == "[Tide](https://a.example/a%29%20[x]%28https://evil.example/b%20c%3Cd%3E)"
    assert render.link("Tide [1]", "javascript:alert(1)", 100) == "Tide \\[1\\]"
    assert render.link("Tide", None, 100) == "Tide"


def test_navigation_links_are_inert() -> None:
    for text in ("<id:customize>", "<id:browse>", "<id:guide>", "<id:linked-roles:12>"):
        assert "<id:" not in render.escape(text)


BIDI_TRICK = "Invoice \u202efdp.exe \u2066x\u2069 \u2060\ufeffy \u200cz"


def test_escape_removes_bidi_and_invisible_characters() -> None:
    assert render.escape(BIDI_TRICK) == "Invoice fdp.exe x y z"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert render.escape(persian) == persian


def test_every_embed_and_choice_is_free_of_bidi_controls(article_factory: ArticleFactory) -> None:
    article = article_factory(title=BIDI_TRICK, source=BIDI_TRICK, text=f"{BIDI_TRICK}\nBody.")
    answer = Answer(BIDI_TRICK, BIDI_TRICK, BIDI_TRICK, article.id, 0.9, "what", (), BIDI_TRICK)
    embeds = [
        render.article_card(article),
        render.answer_embed(answer, article),
        render.not_found_embed(BIDI_TRICK, [article]),
        render.list_page([article], 0, 1, 1),
    ]
    for embed in embeds:
        assert "\u202e" not in str(embed.to_dict()) and "\u2066" not in str(embed.to_dict())
    assert "\u202e" not in render.choice_name(article)
