"""Property tests: hostile text never crashes the text pipeline or breaks Discord's limits.

Arbitrary Unicode (control characters, bidi marks, astral planes), markdown and
mention syntax, and 100,000-character inputs go through the cleaner, the FTS query
builder (and a real FTS5 MATCH), the answer engine and the renderers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render
from bot.digest import article_block
from news.answer import Answer, Passage, answer_question
from news.clean import clean_body, clean_title
from news.domain import Article, SearchHit
from news.text import normalize_ws
from storage.articles import BODY_WEIGHT, TITLE_WEIGHT, fts_query, query_terms
from storage.migrate import load_migrations
from tests.harness.discord_links import masked_links

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HUGE = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HUGE_CHARS = 100_000

# Pieces Discord (or FTS5) would read as syntax.
HOSTILE = (
    "**",
    "__",
    "*",
    "_",
    "`",
    "```",
    "~~",
    "||",
    "> ",
    ">>> ",
    "# ",
    "-# ",
    "[link](https://example.org)",
    "<@123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "</ask:1234567890>",
    "<t:1700000000:R>",
    "@everyone",
    "@here",
    "\\",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x1b[31m",
    "\u200b",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u2060",
    "\u200c",
    "\u200d",
    "\ufeff",
    "<id:customize>",
    '"',
    "NEAR(",
    "AND",
    "OR NOT",
    "*",
    "^",
    "title:",
    "-",
    "(",
    ")",
    "👍🏽",
    "𝕏",
    "ﷺ",
    "e\u0301",
    "  ",
    ". ",
    "Mr. ",
    "12,000",
    "3.5%",
)

# Bidi embeddings, overrides, isolates and marks, word joiner and BOM: never shown.
BIDI_CONTROLS = (
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)

unicode_text = st.text(max_size=3000)
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30)), max_size=120
).map("".join)
any_text = st.one_of(unicode_text, hostile_text)
huge_text = st.tuples(st.one_of(st.text(min_size=1, max_size=40), hostile_text), any_text).map(
    lambda parts: ((parts[0] or "x") * (HUGE_CHARS // max(1, len(parts[0] or "x")) + 1))[
        :HUGE_CHARS
    ]
)


def _article(
    title: str, text: str, *, url: str | None = None, source: str | None = None
) -> Article:
    return Article(
        id=42,
        guild_id=None,
        url=url,
        url_norm=url,
        title=title,
        source=source,
        author=None,
        published=date(2024, 5, 1),
        added_at=datetime(2024, 5, 1, 12, tzinfo=UTC),
        added_by=None,
        text=text,
        content_hash="0" * 64,
        summary=(text[:300],) if text else None,
    )


# ----------------------------------------------------------------------------- cleaner


@SETTINGS
@given(title=any_text, body=any_text)
def test_cleaner_never_raises(title: str, body: str) -> None:
    cleaned_title = clean_title(title)
    cleaned_body = clean_body(body, cleaned_title)
    assert isinstance(cleaned_title, str)
    assert isinstance(cleaned_body, str)
    assert "\x00" not in cleaned_body


@HUGE
@given(body=huge_text)
def test_cleaner_handles_huge_input(body: str) -> None:
    assert isinstance(clean_body(body, clean_title(body[:500])), str)


# Whitespace, control characters and combining accents side by side.
messy_text = st.text(
    alphabet=st.sampled_from(
        list("ab Z.\n\r\t\x0b\x0c\x00\x1c\x7f\x85\xa0\u2000\u200b\u2028\u3000e\u0301\u00e9")
    ),
    max_size=40,
)


@SETTINGS
@given(text=messy_text)
def test_normalize_ws_is_idempotent_and_leaves_no_runs(text: str) -> None:
    once = normalize_ws(text)
    assert normalize_ws(once) == once  # the already-normal fast path returns it as is
    assert "  " not in once and "\r" not in once and "\x00" not in once
    assert "\n\n\n" not in once and once == once.strip()


# ----------------------------------------------------------------------------- FTS queries


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    for migration in load_migrations():
        conn.executescript(migration.sql)
    conn.executemany(
        "INSERT INTO articles (title, added_at, body, content_hash) VALUES (?, ?, ?, ?)",
        [
            ("Harbour ferry terminal opens", "2024-05-01", "A second ferry terminal.", "a"),
            ("Orchard harvest smallest in years", "2024-05-01", "A late frost in April.", "b"),
            ("Ünïcödé títle 東京 news", "2024-05-01", "Straße naïve café 東京 Ελλάδα.", "c"),
        ],
    )
    yield conn
    conn.close()


MATCH_SQL = (
    f"SELECT a.id, bm25(articles_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS rank,"
    " snippet(articles_fts, 1, '', '', '…', 24)"
    " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
    " WHERE articles_fts MATCH ? ORDER BY rank LIMIT 10"
)


@SETTINGS
@given(text=any_text)
def test_query_builder_output_is_always_a_valid_match(fts: sqlite3.Connection, text: str) -> None:
    terms = query_terms(text)
    assert len(terms) <= 32
    assert all(term and '"' not in term for term in terms)
    for any_term in (False, True):
        query = fts_query(terms, any_term=any_term)
        if query is None:
            assert not terms
            continue
        fts.execute(MATCH_SQL, (query,)).fetchall()  # must not raise
    raw = fts_query([text])  # callers may also hand whole strings as terms
    if raw is not None:
        fts.execute(MATCH_SQL, (raw,)).fetchall()


@HUGE
@given(text=huge_text)
def test_query_builder_bounds_huge_input(fts: sqlite3.Connection, text: str) -> None:
    query = fts_query(query_terms(text), any_term=True)
    if query is not None:
        assert query.count('"') <= 64
        fts.execute(MATCH_SQL, (query,)).fetchall()


# ----------------------------------------------------------------------------- answers


@SETTINGS
@given(
    question=any_text,
    passages=st.lists(st.tuples(any_text, any_text, st.floats(0, 1)), max_size=4),
)
def test_answer_engine_never_raises(question: str, passages: list[tuple[str, str, float]]) -> None:
    items = [Passage(i + 1, t, body, s) for i, (t, body, s) in enumerate(passages)]
    answer = answer_question(question, items)
    assert isinstance(answer, Answer)
    if answer.answer is not None:
        assert answer.evidence
        assert answer.article_id in {p.article_id for p in items}


@HUGE
@given(question=any_text, body=huge_text)
def test_answer_engine_handles_huge_passages(question: str, body: str) -> None:
    answer = answer_question(question or "how many?", [Passage(1, body[:300], body, 1.0)])
    assert isinstance(answer, Answer)


# ----------------------------------------------------------------------------- renderers


def assert_embed_fits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= render.EMBED_TITLE_LIMIT
    assert len(embed.description or "") <= render.EMBED_DESCRIPTION_LIMIT
    assert len(embed.fields) <= render.EMBED_FIELDS_LIMIT
    for embed_field in embed.fields:
        assert len(embed_field.name or "") <= render.FIELD_NAME_LIMIT
        assert len(embed_field.value or "") <= render.FIELD_VALUE_LIMIT
    assert len(embed.footer.text or "") <= render.FOOTER_LIMIT
    assert len(embed.author.name or "") <= render.AUTHOR_LIMIT
    assert len(embed) <= render.EMBED_TOTAL_LIMIT
    for text in (embed.title, embed.description, *(f.value for f in embed.fields)):
        assert "@everyone" not in (text or "")
        assert "@here" not in (text or "")
    shown = str(embed.to_dict())
    assert not any(c in shown for c in BIDI_CONTROLS)


@SETTINGS
@given(text=any_text, limit=st.integers(1, 5000))
def test_escape_clamp_and_split_respect_limits(text: str, limit: int) -> None:
    escaped = render.escape(text)
    assert "@everyone" not in escaped and "@here" not in escaped
    assert not any(c in escaped for c in BIDI_CONTROLS)
    assert len(render.clamp(text, limit)) <= limit
    parts = render.split_message(escaped)
    assert all(0 < len(part) <= render.MESSAGE_LIMIT for part in parts)


@HUGE
@given(text=huge_text)
def test_split_message_handles_huge_text(text: str) -> None:
    parts = render.split_message(render.escape(text))
    assert all(0 < len(part) <= render.MESSAGE_LIMIT for part in parts)
    assert len(render.clamp(text, render.EMBED_DESCRIPTION_LIMIT)) <= 4096


@SETTINGS
@given(
    title=any_text,
    body=any_text,
    question=any_text,
    answer=st.one_of(st.none(), any_text),
    evidence=any_text,
    url=st.one_of(st.none(), st.just("https://news.example.org/a?b=(c)"), any_text),
    source=st.one_of(st.none(), any_text),
    lines=st.lists(any_text, max_size=12),
)
def test_embeds_fit_discord_limits(
    title: str,
    body: str,
    question: str,
    answer: str | None,
    evidence: str,
    url: str | None,
    source: str | None,
    lines: list[str],
) -> None:
    article = _article(title or "t", body, url=url, source=source)
    reply = Answer(
        question=question,
        answer=answer,
        evidence=evidence if answer is not None else None,
        article_id=article.id if answer is not None else None,
        score=0.5,
        qtype="what",
        related=(1, 2, 3),
        extra=evidence[:100] or None,
    )
    hit = SearchHit(article.id, title, 1.0, body[:500], article.published, source, url)
    embeds = [
        render.article_card(article),
        render.article_card(article, lines),
        render.answer_embed(reply, article),
        render.answer_embed(reply, None),
        render.not_found_embed(question, [article] * 5),
        render.list_page([article] * 10, 0, 3, 30),
        render.search_page(question, [hit] * 10, 1, 2, 20),
    ]
    for embed in embeds:
        assert_embed_fits(embed)
    assert sum(len(e) for e in embeds[:1]) <= render.EMBED_TOTAL_LIMIT
    assert len(render.stored_message(article, duplicate=False)) <= render.MESSAGE_LIMIT
    assert len(render.choice_name(article)) <= render.CHOICE_NAME_LIMIT


@HUGE
@given(text=huge_text)
def test_embeds_fit_with_huge_fields(text: str) -> None:
    article = _article(text, text, url="https://news.example.org/x", source=text)
    reply = Answer(text, text, text, article.id, 0.9, "what", (), text)
    for embed in (
        render.article_card(article, [text, text]),
        render.answer_embed(reply, article),
        render.not_found_embed(text, [article] * 10),
        render.list_page([article] * 10, 0, 1, 10),
    ):
        assert_embed_fits(embed)


link_text = st.lists(
    st.one_of(
        st.sampled_from(["[", "]", "](", "\\", "(", ")", "https://evil.example/x"]), any_text
    ),
    max_size=20,
).map("".join)
link_url = st.one_of(
    st.none(),
    any_text,
    link_text.map(lambda tail: "https://news.example.org/" + tail),
)


@SETTINGS
@given(text=link_text, url=link_url)
def test_a_link_is_the_bots_own_whatever_the_text_and_url(text: str, url: str | None) -> None:
    assert masked_links(render.escape(text)) == []
    target = render.safe_url(url)
    expected = [] if target is None else [target]
    assert [found for _, found in masked_links(render.link(text, url, 150))] == expected
    article = _article(text or "t", "body", url=url)
    assert [found for _, found in masked_links(render.citation(article))] == expected
    block = article_block(article)
    assert [found for _, found in masked_links(block)] == expected
    if target is not None:
        assert not any(c.isspace() or c in "()<>\\" for c in target)
