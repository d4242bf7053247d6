"""StagedSearch against a real SQLite store, with small thresholds so every stage runs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from news.domain import NewArticle, SearchHit
from news.search import StagedSearch
from storage.articles import ArticleStore
from storage.db import open_database

HARBOUR = (
    "The harbour authority in Portwell opened a second ferry terminal on Tuesday. "
    "Officials said the terminal would handle 1,200 passengers a day."
)
ORCHARD = (
    "Growers in the Lindle valley reported the smallest apple harvest in twenty years. "
    "A late frost destroyed most blossoms in April."
)
FILLER = (
    ("Library hours", "The town library will open on Sundays from next month."),
    ("Choir tour", "The youth choir sang in three cathedrals during its summer tour."),
    ("Road works", "Resurfacing of the coast road begins after the holiday weekend."),
    ("Chess final", "A schoolgirl won the county chess final in forty moves."),
)


class RecordingStore(ArticleStore):
    """The real store, noting which plain operations the strategy asked of it."""

    def __init__(self, db) -> None:
        super().__init__(db)
        self.calls: list[str] = []

    async def match(self, terms: Sequence[str], guild_id: int | None, **kw) -> list[SearchHit]:
        self.calls.append("any" if kw.get("any_term") else "all")
        return await super().match(terms, guild_id, **kw)

    async def doc_counts(self, words: Sequence[str], cap: int) -> dict[str, int]:
        self.calls.append("counts:" + ",".join(words))
        return await super().doc_counts(words, cap)

    async def total(self) -> int:
        self.calls.append("total")
        return await super().total()


@pytest.fixture
async def store(tmp_path):
    db = await open_database(tmp_path / "search.db")
    yield RecordingStore(db)
    await db.close()


async def add(store: ArticleStore, title: str, text: str, **fields) -> int:
    return (await store.add(NewArticle(title=title, text=text, **fields))).article.id


async def add_filler(store: ArticleStore) -> None:
    for title, text in FILLER:
        await add(store, title, text)


async def test_small_store_asks_once_for_any_word_or_phrase(store):
    await add_filler(store)
    apart = await add(store, "Canal news", "The bridge over the canal shut; later the river rose.")
    together = await add(store, "Repairs", "The old river bridge shut for repairs on Monday.")
    search = StagedSearch(store)
    hits = await search.candidates(
        ["river", "bridge"], None, limit=5, phrases=[("river", "bridge")]
    )
    assert [h.article_id for h in hits] == [together, apart]
    assert hits[0].score > hits[1].score
    # One match, plus the one (cached) count statement the re-ranking's idf reads.
    assert store.calls == ["total", "counts:river,bridge", "any"]


async def test_word_counts_after_candidates_come_from_the_caches(store):
    await add_filler(store)
    await add(store, "Canal news", "The bridge over the canal shut; later the river rose.")
    await add(store, "Repairs", "The old river bridge shut for repairs on Monday.")
    search = StagedSearch(store)
    await search.candidates(["river", "bridges", "zeppelin"], None, limit=5)
    store.calls.clear()
    total, counts = await search.word_counts(["river", "bridges", "zeppelin"])
    assert store.calls == []
    # The index's own stemming counts "bridges" in both bridge stories.
    assert (total, counts) == (6, {"river": 2, "bridges": 2, "zeppelin": 0})


async def test_large_store_tries_all_words_before_any_word(store):
    both = await add(store, "Ferry terminal", HARBOUR)
    await add(store, "Apples", ORCHARD)
    search = StagedSearch(store, all_terms_first_from=0)
    # Enough articles hold both words: only they are candidates.
    hits = await search.candidates(["ferry", "passengers"], None, limit=1)
    assert [h.article_id for h in hits] == [both]
    assert store.calls == ["total", "all"]
    # Too few hold both: any word will do.
    hits = await search.candidates(["ferry", "frost"], None, limit=2)
    assert len(hits) == 2


async def test_large_store_keeps_common_words_when_every_word_is_found(store):
    # A "large" store where any word in more than two articles counts as common.
    search = StagedSearch(store, all_terms_first_from=0, common_share=0.0, common_min_docs=2)
    asked = await add(
        store,
        "Carrier to float in Lisbon",
        "The national airline will list its shares on the Lisbon exchange next spring.",
    )
    loud = await add(
        store, "Fares", "The airline cut airline fares again. Airline staff were told on Monday."
    )
    for n, town in enumerate(("Braga", "Faro", "Evora")):
        await add(store, f"Markets {n}", f"Shares rose in Lisbon as traders from {town} returned.")
    # "shares" and "lisbon" are common, so the any-word query would be "airline" alone,
    # where the story that repeats it wins; every word together finds the story asked.
    hits = await search.candidates(["airline", "shares", "lisbon"], None, limit=1)
    assert [h.article_id for h in hits] == [asked]
    # Too few hold every word: they lead, and the rest is filled without repeats.
    hits = await search.candidates(["airline", "shares", "lisbon"], None, limit=3)
    ids = [h.article_id for h in hits]
    assert ids[0] == asked and loud in ids
    assert len(ids) == len(set(ids))


async def test_large_store_then_asks_for_every_word_that_is_not_common(store):
    search = StagedSearch(store, all_terms_first_from=0, common_share=0.0, common_min_docs=2)
    for n, town in enumerate(("Braga", "Faro", "Evora")):
        await add(store, f"Markets {n}", f"Shares rose as traders from {town} returned.")
    asked = await add(store, "Walkout", "Airline cabin crews will strike over pay next week.")
    await add(store, "Strike", "Strike, strike, strike: the dockers voted to strike again.")
    await add(store, "Fares", "The airline cut airline fares again. Airline staff were told.")
    store.calls.clear()
    hits = await search.candidates(["airline", "shares", "strike"], None, limit=1)
    # No article holds all three; "shares" is common; airline AND strike finds one.
    assert [h.article_id for h in hits] == [asked]
    assert store.calls == ["total", "all", "counts:airline,shares,strike", "all"]
    # The any-word query alone would have ranked another story first.
    any_word = await store.match(["airline", "strike"], None, limit=1, any_term=True)
    assert [h.article_id for h in any_word] != [asked]


async def test_common_words_leave_the_any_word_query_but_never_all_of_them(store):
    search = StagedSearch(store, common_share=0.0, common_min_docs=2)
    await add_filler(store)
    for n in range(3):
        await add(store, f"Weather {n}", f"Rain fell on the harbour for day {n} of the storm.")
    frost = await add(store, "Frost", ORCHARD + " The harbour froze too.")
    hits = await search.candidates(["harbour", "frost"], None, limit=10)
    assert [h.article_id for h in hits] == [frost]  # "harbour" (4 articles) was left out
    hits = await search.candidates(["harbour"], None, limit=10)
    assert len(hits) == 4  # the only word is kept, however common


async def test_store_size_is_read_again_only_after_the_ttl(store):
    now = [0.0]
    search = StagedSearch(store, all_terms_first_from=3, count_ttl=60.0, clock=lambda: now[0])
    await add(store, "Ferry", HARBOUR)
    await add(store, "Apples", ORCHARD)
    await search.candidates(["ferry", "frost"], None, limit=2)
    assert store.calls == ["total", "counts:ferry,frost", "any"]  # two articles: small
    await add_filler(store)
    store.calls.clear()
    now[0] = 59.0
    await search.candidates(["ferry", "frost"], None, limit=2)
    assert store.calls == ["any"]  # the size is still the one read a minute ago
    store.calls.clear()
    now[0] = 61.0
    await search.candidates(["ferry", "frost"], None, limit=2)
    assert store.calls[:2] == ["total", "all"]  # six articles: now a large store


async def test_document_counts_are_cached_until_the_store_grows_by_a_tenth(store):
    now = [0.0]
    search = StagedSearch(store, common_share=0.0, common_min_docs=1, clock=lambda: now[0])
    await add_filler(store)
    await add(store, "Ferry", HARBOUR)
    await search.candidates(["ferry", "choir"], None, limit=5)
    await search.candidates(["choir", "frost"], None, limit=5)
    counts = [c for c in store.calls if c.startswith("counts:")]
    assert counts == ["counts:ferry,choir", "counts:frost"]
    await add(store, "Apples", ORCHARD)  # 5 -> 6 articles: more than a tenth
    now[0] = 120.0
    await search.candidates(["ferry", "choir"], None, limit=5)
    counts = [c for c in store.calls if c.startswith("counts:")]
    assert counts[-1] == "counts:ferry,choir"


async def test_any_word_query_keeps_the_rarest_words_within_its_postings(store):
    # Five articles hold "harbour", two "ferry", one "portwell": with room for three
    # postings the any-word query asks for the rarest words only, and drops the phrase
    # of a word it left out.
    await add_filler(store)
    portwell = await add(store, "Ferry", HARBOUR)
    await add(store, "Ferry times", "The ferry from the harbour leaves at noon.")
    for n in range(3):
        await add(store, f"Harbour {n}", f"Boats filled the harbour for regatta day {n}.")
    asked: list[tuple[list[str], list[Sequence[str]]]] = []
    match = store.match

    async def recording(terms, guild_id, **kw):
        asked.append((list(terms), list(kw.get("phrases", ()))))
        return await match(terms, guild_id, **kw)

    store.match = recording
    search = StagedSearch(store, any_word_postings=3, common_min_docs=100)
    hits = await search.candidates(
        ["harbour", "ferry", "portwell"], None, limit=5, phrases=[("harbour", "ferry")]
    )
    assert asked == [(["ferry", "portwell"], [])]
    assert hits[0].article_id == portwell
    # An index that prunes (Tantivy) is asked for every word, but a phrase only within
    # the budget: pruning skips a word's postings, never a phrase's.
    store.prunes = True
    asked.clear()
    await StagedSearch(store, any_word_postings=3, common_min_docs=100).candidates(
        ["harbour", "ferry", "portwell"], None, limit=5, phrases=[("harbour", "ferry")]
    )
    assert asked == [(["harbour", "ferry", "portwell"], [])]
    asked.clear()
    await StagedSearch(store, any_word_postings=10, common_min_docs=100).candidates(
        ["harbour", "ferry", "portwell"], None, limit=5, phrases=[("harbour", "ferry")]
    )
    assert asked == [(["harbour", "ferry", "portwell"], [("harbour", "ferry")])]
