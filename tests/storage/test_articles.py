"""ArticleStore against a real SQLite file: dedupe, scopes, search with hostile text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from news.domain import NewArticle
from storage.articles import ArticleStore, fts_query, query_terms
from storage.search_index import IndexedArticleStore

HARBOUR = (
    "The harbour authority in Portwell opened a second ferry terminal on Tuesday. "
    "Officials said the terminal would handle 1,200 passengers a day."
)
ORCHARD = (
    "Growers in the Lindle valley reported the smallest apple harvest in twenty years. "
    "A late frost destroyed most blossoms in April."
)


@pytest.fixture
def store(stores):
    return stores.articles


def article(title: str, text: str, **fields) -> NewArticle:
    return NewArticle(title=title, text=text, **fields)


async def test_add_and_get_round_trip(store):
    outcome = await store.add(
        article(
            "Portwell opens ferry terminal",
            HARBOUR,
            url="https://news.example.org/ferry",
            source="example.org",
            author="Ana Ruiz",
            published=date(2024, 3, 5),
            added_by=42,
            summary=("One.", "Two."),
        )
    )
    assert outcome.created
    got = await store.get(outcome.article.id)
    assert got == outcome.article
    assert got.published == date(2024, 3, 5)
    assert got.added_at.tzinfo is not None
    assert got.summary == ("One.", "Two.")
    assert got.url_norm == "https://news.example.org/ferry"


async def test_same_url_in_other_form_is_a_duplicate(store):
    first = await store.add(
        article("A", HARBOUR, url="https://www.example.org/story/?utm_source=x")
    )
    again = await store.add(article("B", ORCHARD, url="http://example.org/story#comments"))
    assert not again.created
    assert again.article.id == first.article.id
    assert await store.count(None) == 1


async def test_same_body_with_other_whitespace_is_a_duplicate(store):
    first = await store.add(article("A", HARBOUR))
    again = await store.add(article("Other title", HARBOUR.replace(" ", "   ")))
    assert not again.created and again.article.id == first.article.id


async def test_scopes_keep_guilds_apart(store):
    mine = await store.add(article("Ferry", HARBOUR, guild_id=1))
    theirs = await store.add(article("Ferry", HARBOUR, guild_id=2))  # same body, other scope
    shared = await store.add(article("Apples", ORCHARD))  # global
    assert theirs.created and theirs.article.id != mine.article.id
    assert await store.get(mine.article.id, 2) is None
    assert (await store.get(mine.article.id, 1)) is not None
    assert (await store.get(shared.article.id, 2)) is not None
    ids_for_1 = {a.id for a in await store.recent(1, limit=50)}
    assert ids_for_1 == {mine.article.id, shared.article.id}
    hits = await store.search("ferry terminal", 2)
    assert [h.article_id for h in hits] == [theirs.article.id]
    assert await store.search("ferry", None) == []


async def test_remove_only_in_own_scope(store):
    mine = await store.add(article("Ferry", HARBOUR, guild_id=1))
    assert not await store.remove(mine.article.id, 2)
    assert not await store.remove(mine.article.id, None)
    assert await store.remove(mine.article.id, 1)
    assert await store.get(mine.article.id, 1) is None
    assert await store.search("ferry", 1) == []  # the index follows the delete


async def test_search_ranks_title_above_body(store):
    body_only = await store.add(article("Valley news", "The frost hurt the apple growers badly."))
    titled = await store.add(article("Apple harvest shrinks", "Growers counted fewer crates."))
    hits = await store.search("apple", None)
    assert [h.article_id for h in hits] == [titled.article.id, body_only.article.id]
    assert hits[0].score > hits[1].score


async def test_search_stems_words(store):
    await store.add(article("Orchards", ORCHARD))
    assert await store.search("harvests reporting", None)


async def test_all_words_first_then_any(store):
    a = await store.add(article("Ferry", HARBOUR))
    await store.add(article("Apples", ORCHARD))
    hits = await store.search("terminal passengers", None)
    assert [h.article_id for h in hits] == [a.article.id]
    assert len(await store.search("terminal blossoms", None)) == 2


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '"unbalanced',
        "NEAR(ferry terminal",
        "ferry*",
        "-ferry",
        "ferry OR",
        "AND",
        "title:ferry",
        "((()))",
        "^ferry",
        "🚢🚢 ferry 🚢",
        "ferry' ; DROP TABLE articles; --",
        "\x00\x01ferry",
        "x" * 10_000,
        "",
    ],
)
async def test_hostile_queries_never_raise(store, hostile):
    await store.add(article("Ferry", HARBOUR))
    hits = await store.search(hostile, None)
    assert isinstance(hits, list)
    if "ferry" in hostile.lower():
        assert hits, f"{hostile!r} should still find the ferry story"
    assert await store.count(None) == 1


def test_query_builder_quotes_every_term():
    assert fts_query(query_terms('NEAR("a" b*) -c')) == '"near" AND "a" AND "b" AND "c"'
    assert fts_query([]) is None
    assert fts_query(["🙂"]) is None
    assert fts_query(["one", "two"], any_term=True) == '"one" OR "two"'


async def test_since_and_recent_are_newest_first(store):
    base = datetime(2024, 1, 1, tzinfo=UTC)
    ids = []
    for i in range(3):
        out = await store.add(
            article(
                f"Story {i}",
                f"Body number {i} about topic {i}.",
                added_at=base + timedelta(hours=i),
            )
        )
        ids.append(out.article.id)
    assert [a.id for a in await store.recent(None, limit=10)] == ids[::-1]
    newer = await store.since(None, base + timedelta(minutes=30))
    assert [a.id for a in newer] == [ids[2], ids[1]]


async def test_batch_is_all_or_nothing(store):
    good = article("Fine", HARBOUR)
    with pytest.raises(ValueError):
        await store.add_many([good, article("", "")])
    assert await store.count(None) == 0


async def test_batch_dedupes_within_itself(store):
    outcomes = await store.add_many(
        [article("A", HARBOUR), article("B", HARBOUR), article("C", ORCHARD)]
    )
    assert [o.created for o in outcomes] == [True, False, True]
    assert outcomes[1].article.id == outcomes[0].article.id


async def test_autocomplete_titles(store):
    a = await store.add(article("Ferry terminal opens", HARBOUR, guild_id=7))
    await store.add(article("Apple harvest", ORCHARD, guild_id=8))
    found = await store.titles(7, "ferry")
    assert [x.id for x in found] == [a.article.id]
    assert [x.id for x in await store.titles(7, "apple")] == []
    assert [x.id for x in await store.titles(7, "50%_")] == []
    assert [x.id for x in await store.titles(7, str(a.article.id))] == [a.article.id]
    # A NUL typed into autocomplete is dropped, not sent to the database (PostgreSQL
    # refuses it in a query parameter).
    assert [x.id for x in await store.titles(7, "fer\x00ry")] == [a.article.id]


async def test_match_all_or_any_term_within_the_scope(store):
    ferry = await store.add(article("Ferry terminal", HARBOUR, guild_id=7))
    apples = await store.add(article("Apples", ORCHARD))
    await store.add(article("Other guild ferry", HARBOUR + " Elsewhere.", guild_id=8))
    both = await store.match(["ferry", "passengers"], 7, limit=10)
    assert [h.article_id for h in both] == [ferry.article.id]
    either = await store.match(["ferry", "frost"], 7, limit=10, any_term=True)
    assert {h.article_id for h in either} == {ferry.article.id, apples.article.id}
    assert [h.article_id for h in await store.match(["ferry"], None, limit=10)] == []
    # The answer engine reads whole bodies: no snippets are made for it.
    assert all(getattr(h, "snippet", "") == "" for h in either)


async def test_match_phrases_need_adjacent_words(store):
    await store.add(article("Terminal", "The ferry left. A second terminal opened later."))
    together = await store.add(article("Second ferry", HARBOUR))
    hits = await store.match(["ferry"], None, limit=10, phrases=[("ferry", "terminal")])
    assert [h.article_id for h in hits] == [together.article.id]
    hits = await store.match(
        ["nothing"], None, limit=10, any_term=True, phrases=[("ferry", "terminal")]
    )
    assert [h.article_id for h in hits] == [together.article.id]
    # Without a plain word there is no query at all, whatever the phrases.
    assert (
        await store.match(["🙂"], None, limit=10, any_term=True, phrases=[("ferry", "terminal")])
        == []
    )


async def test_match_title_weight_decides_title_against_body(store):
    in_title = await store.add(article("Frost", "Growers counted the damage in the valley."))
    in_body = await store.add(article("Valley", "Frost, frost and more frost hit the valley."))
    heavy = await store.match(["frost"], None, limit=2, title_weight=50.0)
    light = await store.match(["frost"], None, limit=2, title_weight=0.1)
    if isinstance(store, IndexedArticleStore):
        # Tantivy weighs the title as it was indexed (twice, storage.tantivy_index's
        # TITLE_REPEAT): the weight asked for changes nothing, and three mentions in the
        # body outweigh one title.
        assert [h.article_id for h in heavy] == [h.article_id for h in light]
        assert [h.article_id for h in heavy] == [in_body.article.id, in_title.article.id]
        return
    assert [h.article_id for h in heavy] == [in_title.article.id, in_body.article.id]
    assert [h.article_id for h in light] == [in_body.article.id, in_title.article.id]


async def test_doc_counts_stop_past_the_cap_and_skip_non_words(store):
    for n in range(4):
        await store.add(
            article(f"Ferry {n}", f"{HARBOUR} Crossing number {n}.", guild_id=n or None)
        )
    await store.add(article("Apples", ORCHARD))
    counts = await store.doc_counts(["ferry", "frost", "harbour", "🙂", "ferry"], cap=2)
    assert counts == {"ferry": 3, "frost": 1, "harbour": 3}
    assert await store.doc_counts([], cap=2) == {}
    assert await store.total() == 5  # every scope


def test_query_words_are_the_words_fts_looks_up():
    store = ArticleStore(None)  # type: ignore[arg-type]
    assert store.query_words(["Ferry", "white-house", "🙂"]) == ["ferry", "white", "house"]
