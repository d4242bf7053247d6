"""Building a digest from a real store, and rendering it within Discord's limits, escaped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digest import (
    Digest,
    article_block,
    build_digest,
    escape_discord,
    render_markdown,
    render_messages,
    safe_url,
)
from bot.style import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBEDS_PER_MESSAGE,
    MESSAGE_LIMIT,
)
from news.domain import Article, NewArticle
from storage.articles import ArticleStore
from storage.db import open_database

GUILD = 31
NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


class Desk:
    """The slice of NewsDesk a digest needs."""

    def __init__(self, store: ArticleStore):
        self.store = store
        self.summarized: list[int] = []

    async def summary(self, article: Article, sentences: int = 3) -> list[str]:
        self.summarized.append(article.id)
        return ["A fresh summary made on the spot."]


@pytest.fixture
async def desk(tmp_path):
    db = await open_database(tmp_path / "t.db")
    yield Desk(ArticleStore(db))
    await db.close()


async def add(desk: Desk, title: str, added_at: datetime, guild: int | None = GUILD, **fields):
    values = dict(
        title=title,
        text=f"{title}. An invented report for the digest tests, with enough words in it.",
        url=f"https://paper.example.net/{len(title)}-{added_at.timestamp():.0f}",
        source="paper.example.net",
        guild_id=guild,
        summary=(f"What happened: {title.lower()}.",),
        added_at=added_at,
    )
    values.update(fields)
    return (await desk.store.add(NewArticle(**values))).article


def make_article(n: int, *, title: str | None = None, summary: str | None = None, **fields):
    values = dict(
        id=n,
        guild_id=GUILD,
        url=f"https://paper.example.net/story/{n}",
        url_norm=None,
        title=title or f"Story number {n}",
        source="paper.example.net",
        author=None,
        published=date(2025, 5, n % 28 + 1),
        added_at=NOW - timedelta(minutes=n),
        added_by=None,
        text="body",
        content_hash=str(n),
        summary=(summary or f"Summary of story {n}.",),
    )
    values.update(fields)
    return Article(**values)


def digest_of(articles, *, more: bool = False, since: datetime | None = None) -> Digest:
    return Digest(guild_id=GUILD, since=since, until=NOW, articles=tuple(articles), more=more)


# -- building ------------------------------------------------------------------------


async def test_build_digest_window_order_scope_and_limit(desk):
    before = await add(desk, "Old council vote", NOW - timedelta(days=2))
    a = await add(desk, "Market hall roof fixed", NOW - timedelta(hours=3))
    b = await add(desk, "Regional rail survey", NOW - timedelta(hours=2), guild=None)
    c = await add(desk, "School choir wins prize", NOW - timedelta(hours=1))
    await add(desk, "Someone else's news", NOW - timedelta(hours=1), guild=999)
    after = await add(desk, "Added while building", NOW + timedelta(seconds=5))

    digest = await build_digest(desk, GUILD, NOW - timedelta(days=1), now=NOW)
    assert [x.id for x in digest.articles] == [c.id, b.id, a.id]  # newest first, global in
    assert digest.until == NOW and not digest.more
    assert before.id not in [x.id for x in digest.articles]
    assert after.id not in [x.id for x in digest.articles]  # belongs to the next digest

    limited = await build_digest(desk, GUILD, None, max_articles=2, now=NOW)
    assert [x.id for x in limited.articles] == [c.id, b.id] and limited.more

    assert (await build_digest(desk, GUILD, NOW, now=NOW)).empty


async def test_build_digest_summarizes_articles_stored_without_one(desk):
    bare = await add(desk, "Lighthouse keeper retires", NOW - timedelta(hours=1), summary=None)
    digest = await build_digest(desk, GUILD, None, now=NOW)
    assert digest.articles[0].summary == ("A fresh summary made on the spot.",)
    assert desk.summarized == [bare.id]


async def test_build_digest_refuses_naive_since(desk):
    with pytest.raises(ValueError):
        await build_digest(desk, GUILD, datetime(2025, 1, 1), now=NOW)  # noqa: DTZ001


# -- markdown -------------------------------------------------------------------------


def test_render_markdown_lists_title_link_site_date_summary_and_id():
    digest = digest_of(
        [make_article(3, title="Harbour dredging starts", summary="Boats wait a week.")],
        since=NOW - timedelta(days=1),
    )
    text = render_markdown(digest)
    assert text.startswith("# News digest\n")
    assert "## [Harbour dredging starts](https://paper.example.net/story/3)" in text
    assert "*paper.example.net · Published 4 May 2025 · #3*" in text
    assert "Boats wait a week." in text
    assert "1 new article since 2025-06-01 08:00 UTC." in text


def test_render_markdown_escapes_and_notes_more():
    hostile = make_article(
        1, title="Fans [click](https://evil.example) **now**", url="javascript:alert(1)"
    )
    text = render_markdown(digest_of([hostile], more=True))
    assert "## Fans \\[click\\](https://evil.example) \\*\\*now\\*\\*" in text
    assert "javascript" not in text
    assert "/article list" in text
    assert render_markdown(digest_of([])).count("No new articles.") == 1


# -- Discord ----------------------------------------------------------------------------


def test_escape_discord_defuses_mentions_and_markdown():
    text = escape_discord("@everyone look: <@123456789012345678> and @here\n# big **bold** ||x||")
    assert "@everyone" not in text and "@here" not in text
    assert "<@1" not in text
    assert "\n" not in text
    assert "\\*\\*bold\\*\\*" in text and "\\|\\|x\\|\\|" in text
    assert escape_discord("- item").startswith("\\-")
    assert escape_discord("1. first").startswith("1\\.")


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_escape_discord_leaves_no_live_markup(text):
    out = escape_discord(text)
    assert "\n" not in out
    assert "@everyone" not in out and "@here" not in out
    # Every inline markdown character is preceded by a backslash that is not itself
    # escaped; a heading or quote marker cannot open the line; nothing mention-shaped.
    i = 0
    while i < len(out):
        if out[i] == "\\":
            i += 2
            continue
        assert out[i] not in "*_~|`", (text, out)
        i += 1
    assert not re.match(r"\s*(#{1,3}|>{1,3}|-#)\s", out), (text, out)  # heading/quote
    assert not any(tag in out for tag in ("<@", "<#", "</")), (text, out)
    assert not re.search(r"(?<!\\)\[[^\]]*\]\(", out), (text, out)  # no masked link


def test_safe_url():
    assert safe_url("https://a.example/x_(y)") == "https://a.example/x_%28y%29"
    assert safe_url("https://a.example/a b") == "https://a.example/a%20b"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("ftp://a.example/file") is None
    assert safe_url("https://a.example/" + "x" * 2000) is None
    assert safe_url(None) is None


def test_article_block_holds_link_site_date_id_and_summary():
    block = article_block(make_article(7, title="Tram depot opens", summary="Ten trams move in."))
    lines = block.split("\n")
    assert lines[0] == "**[Tram depot opens](https://paper.example.net/story/7)**"
    assert lines[1] == "paper.example.net · Published 8 May 2025 · #7"
    assert lines[2] == "Ten trams move in."


def test_empty_digest_renders_no_messages():
    assert render_messages(digest_of([])) == []


def test_small_digest_is_one_message_with_one_embed():
    [message] = render_messages(digest_of([make_article(1), make_article(2)]))
    assert message.content == "The 2 latest articles."
    [embed] = message.embeds
    assert embed.title == "News digest"
    assert "#1" in (embed.description or "") and "#2" in (embed.description or "")
    assert embed.footer.text and embed.footer.text.startswith("2 articles")


@pytest.mark.parametrize("count", [1, 10, 25, 60])
def test_large_digests_split_within_every_discord_limit(count):
    articles = [
        make_article(
            n,
            title=("Very long headline about the harbour " * 12)[:300] + f" {n}",
            summary=("A long and winding summary sentence about the works. " * 30),
            url=f"https://paper.example.net/{'deep/' * 150}{n}",
        )
        for n in range(1, count + 1)
    ]
    messages = render_messages(digest_of(articles, more=True, since=NOW - timedelta(days=1)))
    seen: list[int] = []
    for message in messages:
        assert message.content is None or len(message.content) <= MESSAGE_LIMIT
        assert 1 <= len(message.embeds) <= EMBEDS_PER_MESSAGE
        total = 0
        for embed in message.embeds:
            description = embed.description or ""
            assert len(description) <= EMBED_DESCRIPTION_LIMIT
            assert len(embed.title or "") <= 256
            total += len(embed.title or "") + len(description) + len(embed.footer.text or "")
            seen += [a.id for a in articles if f"· #{a.id}\n" in description]
        assert total <= EMBED_TOTAL_LIMIT
    # Every article exactly once, in order, none cut in half.
    assert seen == [a.id for a in articles]
    assert "/article list" in (messages[-1].embeds[-1].description or "")


def test_each_message_names_the_articles_it_holds():
    articles = [
        make_article(n, summary=f"Summary {n}. " + "Long words. " * 70) for n in range(1, 26)
    ]
    messages = render_messages(digest_of(articles))
    assert len(messages) > 1
    assert [i for m in messages for i in m.article_ids] == [a.id for a in articles]
    for message in messages:
        text = "".join(e.description or "" for e in message.embeds)
        assert all(f"#{i}" in text for i in message.article_ids)


def test_a_digest_message_nonce_names_its_channel_and_articles() -> None:
    from bot.digest import message_nonce

    first = message_nonce(5005, [3, 1, 2])
    assert first is not None and len(first) <= 25  # Discord's limit
    assert message_nonce(5005, [1, 2, 3]) == first  # the same message, re-rendered
    assert message_nonce(5005, [1, 2]) != first
    assert message_nonce(6006, [1, 2, 3]) != first
    assert message_nonce(5005, []) is None
