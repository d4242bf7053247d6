"""Newest-first browsing at any depth: keyset pages, scoped counts, bounded autocomplete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import storage.articles
from news.domain import NewArticle, PageCursor
from storage.articles import ArticleStore

BASE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
TEXT = "Notes from the Wrenfield market: stall {n} sold out of pears by noon on a busy day."


@pytest.fixture
def store(stores):
    return stores.articles


async def fill(store: ArticleStore) -> None:
    """Guild 7's own, the global ones and guild 8's, interleaved, with ties in added_at."""
    items = []
    for n in range(23):
        guild = (7, None, 8)[n % 3]
        # Every second pair shares its instant: pages must break ties by id.
        when = BASE + timedelta(minutes=n // 2)
        items.append(
            NewArticle(
                title=f"Market stall {n:02d} sells out",
                text=TEXT.format(n=n),
                guild_id=guild,
                added_at=when,
            )
        )
    await store.add_many(items)


async def walk(store: ArticleStore, guild_id: int | None, size: int, **kw) -> list[int]:
    seen: list[int] = []
    after = None
    while True:
        page = await store.recent(guild_id, limit=size, after=after, **kw)
        seen += [a.id for a in page]
        if len(page) < size:
            return seen
        after = PageCursor.of(page[-1])


@pytest.mark.parametrize("size", [1, 3, 4, 10])
async def test_keyset_pages_cover_the_scope_once_in_order(store, size):
    await fill(store)
    everything = await store.recent(None, limit=100, all_scopes=True)
    expected_7 = [
        a.id
        for a in sorted(everything, key=lambda a: (a.added_at, a.id), reverse=True)
        if a.guild_id in (7, None)
    ]
    assert await walk(store, 7, size) == expected_7
    assert await store.count(7) == len(expected_7)
    expected_global = [
        i for i in expected_7 if i in {a.id for a in everything if a.guild_id is None}
    ]
    assert await walk(store, None, size) == expected_global
    assert await store.count(None) == len(expected_global)
    assert await walk(store, None, size, all_scopes=True) == [a.id for a in everything]
    assert await store.count(None, all_scopes=True) == 23


async def test_autocomplete_searches_the_newest_titles_of_the_scope(store, monkeypatch):
    await fill(store)
    monkeypatch.setattr(storage.articles, "TITLE_WINDOW", 4)
    # Newest four of guild 7 (22..): stalls 21, 18, 15, 12; newest four global: 22, 19, 16, 13.
    found = [a.title[13:15] for a in await store.titles(7, "sells")]
    assert found == ["22", "21", "19", "18", "16", "15", "13", "12"]
    assert [a.title[13:15] for a in await store.titles(7, "stall 15")] == ["15"]
    # Older than the window: not by its title, but by its id.
    old = (await store.recent(7, limit=100))[-1]
    assert await store.titles(7, old.title) == []
    by_id = await store.titles(7, str(old.id))
    assert by_id[0].id == old.id  # first, then newer titles holding the digits
    # Guild 8's articles are never offered to guild 7, not even by id.
    theirs = [a for a in await store.recent(8, limit=100) if a.guild_id == 8]
    assert theirs[0].id not in {a.id for a in await store.titles(7, str(theirs[0].id))}
    assert all(a.guild_id in (7, None) for a in await store.titles(7, ""))
