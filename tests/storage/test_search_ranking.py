"""How the answer engine's candidate search ranks, on both backends, and the PostgreSQL
store's own parts of it: idf on top of ts_rank, the bounded any-word query, the search
vector kept in the row."""

from __future__ import annotations

import pytest

from news.domain import NewArticle
from storage.backend import open_stores
from storage.postgres import articles as pg_articles
from storage.postgres.articles import Unit, candidate_units, idf, ts_units
from tests.harness.postgres import reset_database

FILLER = "Residents gathered at the town hall on Monday evening to hear the council's plans."


def story(title: str, text: str, guild_id: int | None = None) -> NewArticle:
    return NewArticle(title=title, text=f"{text} {FILLER}", guild_id=guild_id)


@pytest.fixture
def store(stores):
    return stores.articles


@pytest.fixture
async def pg_store(postgres_url):
    opened = await open_stores(postgres_url)
    await reset_database(postgres_url)
    try:
        yield opened.articles
    finally:
        await opened.close()


async def _harbour_town(store) -> tuple[int, int]:
    """Six stories about the harbour (one says it three times) and one about a
    lighthouse; returns the ids of the harbour-heavy story and the lighthouse one."""
    heavy = await store.add(
        story("Ferry timetable", "The harbour was busy, the harbour was loud, the harbour shone.")
    )
    for n in range(5):
        await store.add(story(f"Notice {n}", f"Boats in the harbour were counted {n} times."))
    rare = await store.add(story("Coastal walk", "A lighthouse keeper retired after forty years."))
    return heavy.article.id, rare.article.id


async def test_a_rare_word_outranks_a_common_one_said_often(store):
    heavy, rare = await _harbour_town(store)
    hits = await store.match(["harbour", "lighthouse"], None, limit=3, any_term=True)
    # bm25 (and the PostgreSQL store's idf) weigh the word one story holds above the
    # word six hold, however often the one story repeats it.
    assert hits[0].article_id == rare
    assert heavy in [h.article_id for h in hits]


async def test_doc_counts_see_articles_added_since_the_last_count(store):
    await store.add(story("Notice", "The harbour froze overnight."))
    assert await store.doc_counts(["harbour"], cap=10) == {"harbour": 1}
    await store.add(story("Second notice", "The harbour thawed by noon."))
    assert await store.doc_counts(["harbour"], cap=10) == {"harbour": 2}


async def test_match_scope_holds_with_idf_ranking(store):
    mine = await store.add(story("Lighthouse", "The lighthouse was repainted.", guild_id=7))
    theirs = await store.add(story("Lighthouse", "The lighthouse lamp failed.", guild_id=8))
    shared = await store.add(story("Lighthouse", "A lighthouse opened to visitors."))
    hits = await store.match(["lighthouse", "lamp"], 7, limit=10, any_term=True)
    ids = {h.article_id for h in hits}
    assert ids == {mine.article.id, shared.article.id}
    assert theirs.article.id not in ids


# -- PostgreSQL only ----------------------------------------------------------------


def test_units_are_words_then_phrases():
    units = ts_units(["Harbour", "lighthouse"], [("harbour", "lighthouse"), ("x",)])
    assert units == [
        Unit("'harbour'", ("harbour",)),
        Unit("'lighthouse'", ("lighthouse",)),
        Unit("('harbour' <-> 'lighthouse')", ("harbour", "lighthouse")),
    ]
    assert ts_units(["🙂"], [("harbour", "lighthouse")]) == []


def test_candidates_are_every_unit_within_the_budget_else_the_rarest():
    words = ts_units(["ferry", "harbour", "lighthouse"])
    counts = {"ferry": 300, "harbour": 900, "lighthouse": 20}
    assert candidate_units(words, counts, budget=2_000) == words
    assert [u.words for u in candidate_units(words, counts, budget=400)] == [
        ("lighthouse",),
        ("ferry",),
    ]
    # Never nothing: the rarest word alone, even past the budget.
    assert [u.words for u in candidate_units(words, counts, budget=5)] == [("lighthouse",)]


def test_a_phrase_of_a_selected_word_selects_nothing_more():
    units = ts_units(["ferry", "harbour"], [("ferry", "terminal"), ("old", "harbour")])
    counts = {"ferry": 10, "harbour": 5_000, "terminal": 40, "old": 3_000}
    chosen = candidate_units(units, counts, budget=1_000)
    # "ferry terminal" lies within the ferry rows; "old harbour" is kept on its own
    # count (that of its rarer word) while "harbour" alone is too common to rank.
    assert [u.query for u in chosen] == ["'ferry'"]
    assert [u.query for u in candidate_units(units, counts, budget=3_100)] == [
        "'ferry'",
        "('old' <-> 'harbour')",
    ]


def test_idf_falls_with_the_share_of_articles_and_never_goes_negative():
    assert idf(1, 1_000) > idf(100, 1_000) > idf(900, 1_000) >= 0.0
    assert idf(5_000, 1_000) == idf(1_000, 1_000) >= 0.0


async def test_the_any_word_query_past_its_budget_ranks_the_rare_words_rows(pg_store, monkeypatch):
    _, rare = await _harbour_town(pg_store)
    monkeypatch.setattr(pg_articles, "ANY_ROWS", 3)
    hits = await pg_store.match(["harbour", "lighthouse"], None, limit=10, any_term=True)
    assert [h.article_id for h in hits] == [rare]
    monkeypatch.setattr(pg_articles, "ANY_ROWS", 1_000)
    hits = await pg_store.match(["harbour", "lighthouse"], None, limit=10, any_term=True)
    assert len(hits) == 7 and hits[0].article_id == rare


async def test_news_search_falls_back_to_a_bounded_any_word_query(pg_store, monkeypatch):
    _, rare = await _harbour_town(pg_store)
    # No story holds both words: the any-word fallback, past its budget, ranks only the
    # rare word's rows (with snippets, as /news search shows them).
    monkeypatch.setattr(pg_articles, "ANY_ROWS", 3)
    hits = await pg_store.search("harbour lighthouse", None)
    assert [h.article_id for h in hits] == [rare] and "lighthouse" in hits[0].snippet
    monkeypatch.setattr(pg_articles, "ANY_ROWS", 1_000)
    assert len(await pg_store.search("harbour lighthouse", None)) == 7


async def test_every_word_query_is_never_bounded(pg_store, monkeypatch):
    heavy, _ = await _harbour_town(pg_store)
    monkeypatch.setattr(pg_articles, "ANY_ROWS", 1)
    hits = await pg_store.match(["harbour", "loud"], None, limit=10)
    assert [h.article_id for h in hits] == [heavy]


async def test_the_same_statement_stays_right_once_planned_generically(pg_store):
    """asyncpg prepares each statement once; from the sixth run PostgreSQL may plan it
    for any parameters. The answers must not change when it does."""
    heavy, rare = await _harbour_town(pg_store)
    for _ in range(8):
        hits = await pg_store.match(["lighthouse"], None, limit=5, any_term=True)
        assert [h.article_id for h in hits] == [rare]
        hits = await pg_store.match(["harbour", "shone"], None, limit=5)
        assert [h.article_id for h in hits] == [heavy]


async def test_the_search_vector_and_short_columns_stay_in_the_row(pg_store):
    rows = await pg_store.db.fetchall(
        "SELECT attname, CAST(attstorage AS TEXT) AS storage FROM pg_attribute"
        " WHERE attrelid = CAST('articles' AS regclass)"
        " AND attname IN ('search', 'title', 'url', 'summary', 'body')"
    )
    assert {row["attname"]: row["storage"] for row in rows} == {
        "search": "m",
        "title": "m",
        "url": "m",
        "summary": "m",
        "body": "x",  # only the body goes out of line
    }
