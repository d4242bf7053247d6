"""The Tantivy index beside a SQLite store: derived data that follows the database.

Real parts throughout: a SQLite file, the index folder beside it, the real CLI, and for
the kill a real ``newsbot import`` subprocess killed with SIGKILL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("tantivy")

from bot.app.desk import NewsDesk
from bot.cli import cli
from news.domain import NewArticle
from storage import search_index
from storage.backend import open_stores
from storage.search_index import IndexedArticleStore, check
from storage.tantivy_index import IndexedDoc, TantivyIndex
from tests.harness.crash import (
    kill_group,
    run_import,
    start_import,
    wait_for_articles,
    write_jsonl,
)

BOATS = (
    "The harbour authority in Portwell opened a second ferry terminal on Tuesday. "
    "Officials said the terminal would handle 1,200 passengers a day."
)
APPLES = (
    "Growers in the Lindle valley reported the smallest apple harvest in twenty years. "
    "A late frost destroyed most blossoms in April."
)
BRIDGE = (
    "Engineers closed the old stone bridge at Marrow Ford after divers found cracks in "
    "two of its piers. Repairs will take eleven weeks."
)


async def _tantivy_store(path: Path) -> None:
    stores = await open_stores(path)
    try:
        await search_index.use(stores.articles.db, "tantivy")  # type: ignore[attr-defined]
    finally:
        await stores.close()


@asynccontextmanager
async def _indexed_store(path: Path) -> AsyncIterator[IndexedArticleStore]:
    """A new store at ``path`` switched to Tantivy, opened; closed at the end."""
    await _tantivy_store(path)
    stores = await open_stores(path)
    try:
        store = stores.articles
        assert isinstance(store, IndexedArticleStore)
        yield store
    finally:
        await stores.close()


async def _use(path: Path, kind: search_index.Kind) -> None:
    """`newsbot index use KIND` on the file, as its code runs it."""
    from storage.db import open_database

    db = await open_database(path)
    try:
        await search_index.use(db, kind)
    finally:
        await db.close()


async def _ids(store: IndexedArticleStore, words: list[str], guild: int | None) -> set[int]:
    hits = await store.match(words, guild, limit=50, title_weight=2.0, any_term=True)
    return {hit.article_id for hit in hits}


async def test_a_delete_and_a_scope_change_reach_the_index(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    async with _indexed_store(path) as store:
        ferry, apples, bridge = await store.add_many(
            [
                NewArticle("Portwell ferry terminal", BOATS, guild_id=7),
                NewArticle("Small apple harvest", APPLES, guild_id=7),
                NewArticle("Marrow Ford bridge shut", BRIDGE),
            ]
        )
        assert await _ids(store, ["ferry"], 7) == {ferry.article.id}
        assert await _ids(store, ["ferry"], 8) == set()  # another guild never sees it
        assert await _ids(store, ["bridge"], 8) == {bridge.article.id}  # a global one

        assert await store.remove(apples.article.id, 7)
        assert await _ids(store, ["apple", "harvest"], 7) == set()

        # A scope change (the row moved to guild 8 in the database) reaches the index
        # at the next catch-up: guild 7 no longer finds it, guild 8 does.
        async with store.db.transaction() as tx:
            await tx.execute("UPDATE articles SET guild_id = 8 WHERE id = ?", (ferry.article.id,))
        await store.catch_up()
        assert await _ids(store, ["ferry", "terminal"], 7) == set()
        assert await _ids(store, ["ferry", "terminal"], 8) == {ferry.article.id}
        assert await store.total() == 2

        report = await check(store)
        assert report.ok, report


async def test_a_desk_on_tantivy_answers_from_the_index(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    await _tantivy_store(path)
    desk = await NewsDesk.open(path)
    try:
        assert isinstance(desk.store, IndexedArticleStore)
        await desk.store.add_many(
            [NewArticle("Portwell ferry terminal", BOATS), NewArticle("Harvest", APPLES)]
        )
        asked = await desk.ask("How many passengers will the ferry terminal handle a day?")
        assert asked.answer is not None and "1,200" in asked.answer
        # The re-ranking's counts come from the index too.
        total, docs = await desk.staged_search.word_counts(["ferry", "frost", "zeppelin"])
        assert (total, docs) == (2, {"ferry": 1, "frost": 1, "zeppelin": 0})
    finally:
        await desk.close()


async def test_a_burst_of_reads_runs_on_one_index_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event loop shares the GIL with a fixed few threads: a burst of /ask must not
    spread its index reads over asyncio's default pool (the loop's lag rose with it)."""
    import asyncio
    import threading

    seen: set[str] = set()
    async with _indexed_store(tmp_path / "desk.db") as store:
        for name in ("search", "doc_counts", "total"):
            original = getattr(TantivyIndex, name)

            def spy(*args: object, _original=original, **kwargs: object) -> object:  # type: ignore[no-untyped-def]
                seen.add(threading.current_thread().name)
                return _original(*args, **kwargs)

            monkeypatch.setattr(TantivyIndex, name, spy)
        await store.add_many([NewArticle("Portwell ferry terminal", BOATS, guild_id=7)])
        reads = [_ids(store, ["ferry"], 7) for _ in range(12)]
        reads += [store.doc_counts(["ferry"], 10) for _ in range(6)]
        reads += [store.total() for _ in range(6)]
        results = await asyncio.gather(*reads)
        assert results[0] and results[12] == {"ferry": 1} and results[-1] == 1
        assert len(seen) == 1 and seen.pop().startswith("newsbot-index")


async def test_changes_committed_before_a_crash_are_indexed_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The process dies between the database's commit and the index's: the change rows
    # are in the database, past the mark, and the next open applies them.
    path = tmp_path / "desk.db"
    await _tantivy_store(path)
    stores = await open_stores(path)
    try:
        with monkeypatch.context() as patched:

            async def died(self: IndexedArticleStore) -> int:
                return 0

            patched.setattr(IndexedArticleStore, "catch_up", died)
            await stores.articles.add_many(
                [NewArticle("Portwell ferry terminal", BOATS), NewArticle("Harvest", APPLES)]
            )
            assert await stores.articles.total() == 0
        kind, _, waiting = await search_index.state(stores.articles.db)  # type: ignore[attr-defined]
        assert (kind, waiting) == ("tantivy", 2)
    finally:
        await stores.close()

    stores = await open_stores(path)  # the next start
    try:
        store = stores.articles
        assert isinstance(store, IndexedArticleStore)
        assert await store.total() == 2
        assert (await search_index.state(store.db))[2] == 0
        # Applying the same changes again (a kill after the index's commit, before the
        # mark moved) indexes nothing twice.
        async with store.db.transaction() as tx:
            await tx.execute("INSERT INTO index_changes (article_id) SELECT id FROM articles")
            await tx.execute("INSERT INTO index_changes (article_id) SELECT id FROM articles")
        assert await store.catch_up() == 2
        report = await check(store)
        assert report.ok and report.documents == 2, report
    finally:
        await stores.close()


@pytest.mark.timeout(90)
def test_the_index_catches_up_after_a_kill_during_import(tmp_path: Path) -> None:
    import asyncio
    import signal

    jsonl = tmp_path / "articles.jsonl"
    total = write_jsonl(jsonl, 1000, seed=5)
    path = tmp_path / "crash.db"
    asyncio.run(_tantivy_store(path))

    proc = start_import(path, jsonl)
    try:
        first = wait_for_articles(path, proc, timeout=40)
    finally:
        kill_group(proc)
    assert first > 0 and proc.returncode in (-signal.SIGKILL, 0)

    checked = CliRunner().invoke(cli, ["--db", str(path), "index", "check"])
    assert checked.exit_code == 0, checked.output
    assert "The index matches the database." in checked.output

    run_import(path, jsonl, timeout=60)  # the rest, as a person would resume it
    checked = CliRunner().invoke(cli, ["--db", str(path), "index", "check"])
    assert checked.exit_code == 0, checked.output
    assert f"{total} articles in the database, {total} in the index." in checked.output


async def _plant(path: Path) -> tuple[int, int, int]:
    """Three articles, then behind the database's back: one document removed from the
    index, one with the wrong scope, one for an article that does not exist."""
    await _tantivy_store(path)
    stores = await open_stores(path)
    try:
        a, b, _ = await stores.articles.add_many(
            [
                NewArticle("Portwell ferry terminal", BOATS),
                NewArticle("Harvest", APPLES, guild_id=3),
                NewArticle("Bridge", BRIDGE),
            ]
        )
    finally:
        await stores.close()
    index = TantivyIndex(search_index.index_folder(path))
    with index.writer() as writer:
        writer.apply([a.article.id], {})
        writer.apply(
            [b.article.id],
            {b.article.id: IndexedDoc(b.article.id, 4, "Harvest", APPLES, "x")},
        )
        writer.add(IndexedDoc(999, None, "Ghost", "A story never stored.", "y"))
        writer.commit()
    return a.article.id, b.article.id, 999


def test_index_check_finds_a_planted_difference_and_rebuild_mends_it(tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "desk.db"
    missing, changed, extra = asyncio.run(_plant(path))
    runner = CliRunner()
    found = runner.invoke(cli, ["--db", str(path), "index", "check"])
    assert found.exit_code == 1, found.output
    assert f"1 missing from the index: #{missing}" in found.output
    assert f"1 in the index only: #{extra}" in found.output
    assert f"1 with another scope or text in the index: #{changed}" in found.output

    rebuilt = runner.invoke(cli, ["--db", str(path), "index", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    again = runner.invoke(cli, ["--db", str(path), "index", "check"])
    assert again.exit_code == 0, again.output


def test_switching_back_to_fts5_stops_the_change_rows(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    runner = CliRunner()
    runner.invoke(cli, ["--db", str(path), "add", "--title", "Ferry", "-"], input=BOATS)
    used = runner.invoke(cli, ["--db", str(path), "index", "use", "tantivy"])
    assert used.exit_code == 0 and "1 articles indexed" in used.output, used.output
    assert search_index.index_folder(path).is_dir()
    back = runner.invoke(cli, ["--db", str(path), "index", "use", "fts5"])
    assert back.exit_code == 0, back.output
    assert not search_index.index_folder(path).exists()
    runner.invoke(cli, ["--db", str(path), "add", "--title", "Apples", "-"], input=APPLES)
    status = runner.invoke(cli, ["--db", str(path), "index", "status"])
    assert status.output.strip().endswith(": fts5, 2 articles")
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM index_changes").fetchone()[0] == 0
    finally:
        conn.close()


async def test_an_index_left_half_built_is_built_again(tmp_path: Path) -> None:
    # A build killed part-way leaves a folder without the stamp a finished build writes:
    # the next open makes the index again from the database, whatever the mark says.
    path = tmp_path / "desk.db"
    await _tantivy_store(path)
    stores = await open_stores(path)
    try:
        await stores.articles.add_many(
            [NewArticle("Portwell ferry terminal", BOATS), NewArticle("Harvest", APPLES)]
        )
    finally:
        await stores.close()
    folder = search_index.index_folder(path)
    (folder / search_index.SCHEMA_FILE).unlink()
    with TantivyIndex(folder).writer() as writer:  # and the half-built index lost a story
        writer.clear()
        writer.commit()
    stores = await open_stores(path)
    try:
        store = stores.articles
        assert isinstance(store, IndexedArticleStore)
        assert await store.total() == 2
        assert (await check(store)).ok
    finally:
        await stores.close()


async def test_a_catch_up_waits_for_another_writer_then_applies_its_rows(tmp_path: Path) -> None:
    # Another process holds the index's writer (here: this test, through the lock file
    # Tantivy keeps in the folder) while articles are added; the add's catch-up waits
    # for it and applies its rows once it is free.
    import threading

    path = tmp_path / "desk.db"
    async with _indexed_store(path) as store:
        other = TantivyIndex(search_index.index_folder(path)).writer()
        threading.Timer(0.3, other.__exit__, (None, None, None)).start()
        await store.add_many([NewArticle("Portwell ferry terminal", BOATS)])
        assert await store.total() == 1
        assert (await search_index.state(store.db))[2] == 0


def test_a_scope_crowded_out_of_the_unfiltered_best_still_gets_its_own(tmp_path: Path) -> None:
    # The search reads OVERFETCH x limit hits without the scope filter first. Here guild
    # 5's twelve ferry stories all outscore the two global ones and guild 6's one, so
    # those are found only by the scoped query it falls back to; and guild 5's are
    # never shown to anyone else.
    index = TantivyIndex(tmp_path / "index")
    crowd = "Ferry ferry ferry: the ferry, the ferry terminal and ferry timetables."
    with index.writer() as writer:
        for n in range(12):
            writer.add(IndexedDoc(100 + n, 5, f"Ferry {n}", crowd, f"h{n}"))
        writer.add(IndexedDoc(1, None, "Harbour news", BOATS, "g1"))
        writer.add(IndexedDoc(2, None, "Quiet quay", "One ferry sailed late on Sunday.", "g2"))
        writer.add(IndexedDoc(3, 6, "Guild six", "A ferry strike was called off.", "s6"))
        writer.commit()

    def ids(guild: int | None, limit: int) -> list[int]:
        hits = index.search(["ferry"], guild, limit=limit, title_weight=2.0, any_term=True)
        return [hit.article_id for hit in hits]

    assert sorted(ids(None, 2)) == [1, 2]
    assert sorted(ids(6, 3)) == [1, 2, 3]
    assert len(ids(5, 3)) == 3 and set(ids(5, 3)) <= set(range(100, 112))
    # Few enough matches that the unfiltered read holds them all: no fallback needed,
    # and the same answer.
    assert sorted(ids(None, 50)) == [1, 2]


def test_index_status_counts_the_articles_and_suggests_tantivy_for_a_large_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.cli.index as index_cli

    path = tmp_path / "desk.db"
    runner = CliRunner()
    for text in (BOATS, APPLES):
        added = runner.invoke(
            cli, ["--db", str(path), "add", "-", "--title", "A story"], input=text
        )
        assert added.exit_code == 0, added.output
    on_tantivy = runner.invoke(cli, ["--db", str(path), "index", "status"])
    assert "tantivy in " in on_tantivy.output and ", 2 articles, mark " in on_tantivy.output
    assert runner.invoke(cli, ["--db", str(path), "index", "use", "fts5"]).exit_code == 0
    small = runner.invoke(cli, ["--db", str(path), "index", "status"])
    assert small.exit_code == 0 and "fts5, 2 articles" in small.output
    assert "index use tantivy" not in small.output
    monkeypatch.setattr(index_cli, "LARGE_STORE", 2)
    large = runner.invoke(cli, ["--db", str(path), "index", "status"])
    assert "fts5, 2 articles; at this size Tantivy" in large.output
    assert "`newsbot index use tantivy`" in large.output


def _fts5_rows(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        # FTS5's own count of the rows it indexes (its averages record).
        from storage.fts_stats import averages_sql, total_rows

        return total_rows(conn.execute(averages_sql("articles_fts")).fetchone()[0])
    finally:
        conn.close()


async def test_news_search_on_tantivy_reads_the_index_and_snips_the_stored_body(
    tmp_path: Path,
) -> None:
    path = tmp_path / "desk.db"
    await _tantivy_store(path)
    stores = await open_stores(path)
    try:
        store = stores.articles
        assert isinstance(store, IndexedArticleStore)
        ferry, _, bridge, other = await store.add_many(
            [
                NewArticle("Portwell ferry terminal", BOATS, guild_id=7, source="Harbour News"),
                NewArticle("Small apple harvest", APPLES, guild_id=7),
                NewArticle("Marrow Ford bridge shut", BRIDGE),
                NewArticle("A ferry for guild eight", BOATS + " Guild eight's copy.", guild_id=8),
            ]
        )
        hits = await store.search("ferry passengers", 7)
        assert [h.article_id for h in hits] == [ferry.article.id]  # not guild 8's copy
        hit = hits[0]
        assert (hit.title, hit.source) == ("Portwell ferry terminal", "Harbour News")
        assert "passengers" in hit.snippet
        assert hit.snippet.strip("…") in BOATS  # a piece of the stored body, nothing else
        # No article holds both words: any word, as on FTS5.
        either = await store.search("bridge zeppelin", 7)
        assert [h.article_id for h in either] == [bridge.article.id]
        # Pages: the second result alone.
        both = await store.search("ferry bridge", 8)
        assert {h.article_id for h in both} == {other.article.id, bridge.article.id}
        second = await store.search("ferry bridge", 8, limit=1, offset=1)
        assert [h.article_id for h in second] == [both[1].article_id]
    finally:
        await stores.close()
    # FTS5 was never written while Tantivy was chosen.
    assert _fts5_rows(path) == 0


def test_switching_back_to_fts5_refills_it_with_what_came_while_on_tantivy(
    tmp_path: Path,
) -> None:
    import asyncio

    path = tmp_path / "desk.db"
    runner = CliRunner()
    runner.invoke(cli, ["--db", str(path), "add", "--title", "Ferry", "-"], input=BOATS)
    assert _fts5_rows(path) == 0  # a new store: Tantivy, and FTS5 not written
    assert runner.invoke(cli, ["--db", str(path), "index", "use", "fts5"]).exit_code == 0
    assert _fts5_rows(path) == 1
    assert runner.invoke(cli, ["--db", str(path), "index", "use", "tantivy"]).exit_code == 0
    assert _fts5_rows(path) == 0  # emptied: only the chosen index is kept
    runner.invoke(cli, ["--db", str(path), "add", "--title", "Apples", "-"], input=APPLES)
    assert _fts5_rows(path) == 0
    assert runner.invoke(cli, ["--db", str(path), "index", "use", "fts5"]).exit_code == 0
    assert _fts5_rows(path) == 2

    async def search(text: str) -> list[str]:
        stores = await open_stores(path)
        try:
            assert not isinstance(stores.articles, IndexedArticleStore)
            return [h.title for h in await stores.articles.search(text, None)]
        finally:
            await stores.close()

    assert asyncio.run(search("frost blossoms")) == ["Apples"]  # added on Tantivy


async def test_a_tantivy_store_without_tantivy_installed_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.errors import StorageError

    path = tmp_path / "desk.db"
    await _tantivy_store(path)
    stores = await open_stores(path)
    try:
        await stores.articles.add_many([NewArticle("Ferry", BOATS)])
    finally:
        await stores.close()
    monkeypatch.setattr(search_index, "tantivy_available", lambda: False)
    with pytest.raises(StorageError, match=r"not installed.*index use fts5"):
        await open_stores(path)
    # The way out works without Tantivy: FTS5 is rebuilt, the folder goes.
    await _use(path, "fts5")
    assert not search_index.index_folder(path).exists()
    stores = await open_stores(path)
    try:
        assert [h.title for h in await stores.articles.search("ferry", None)] == ["Ferry"]
    finally:
        await stores.close()


async def test_a_bulk_import_indexes_in_larger_batches_and_all_of_it_by_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.app.articles as article_cases
    from bot.app.drafts import Draft

    path = tmp_path / "desk.db"
    await _tantivy_store(path)
    monkeypatch.setattr(article_cases, "IMPORT_BATCH", 2)  # a transaction every 2 drafts
    monkeypatch.setattr(search_index, "BULK_BATCH", 5)  # an index commit every 5 articles
    desk = await NewsDesk.open(path)
    try:
        store = desk.store
        assert isinstance(store, IndexedArticleStore)
        applied: list[int] = []
        catch_up = store.catch_up

        async def counted() -> int:
            done = await catch_up()
            if done:
                applied.append(done)
            return done

        monkeypatch.setattr(store, "catch_up", counted)
        towns = ["Ashby", "Brill", "Corfe", "Dent", "Eyam", "Flint", "Goole", "Hythe", "Ince"]
        drafts = [
            Draft(text=f"The ferry to {town} carried {n} passengers on its first day.", title=town)
            for n, town in enumerate(towns, start=100)
        ]
        await desk.import_drafts(drafts)
        # Commits of at least 5 articles, not one per 2-draft transaction; the rest at
        # the end of the import.
        assert sum(applied) == len(towns)
        assert all(n >= 5 for n in applied[:-1]) and len(applied) <= 2, applied
        found = await store.match(["ferry"], None, limit=20)
        assert len(found) == len(towns)
        report = await check(store)
        assert report.ok and report.documents == len(towns)
    finally:
        await desk.close()


async def test_a_new_store_searches_with_tantivy_and_a_choice_or_old_articles_keep_fts5(
    tmp_path: Path,
) -> None:
    import sqlite3

    async def kind(path: Path) -> str:
        stores = await open_stores(path)
        try:
            return "tantivy" if isinstance(stores.articles, IndexedArticleStore) else "fts5"
        finally:
            await stores.close()

    new = tmp_path / "new.db"
    assert await kind(new) == "tantivy"
    assert search_index.index_folder(new).is_dir()

    # An operator's choice holds, even on an empty store.
    chosen = tmp_path / "chosen.db"
    await kind(chosen)
    await _use(chosen, "fts5")
    assert await kind(chosen) == "fts5"

    # A store that held articles before Tantivy was the default (FTS5, nobody chose)
    # keeps FTS5: building the index is left to `newsbot index use tantivy`.
    old = tmp_path / "old.db"
    await _use(old, "fts5")
    stores = await open_stores(old)
    try:
        await stores.articles.add_many([NewArticle("Ferry", BOATS)])
    finally:
        await stores.close()
    conn = sqlite3.connect(old)
    conn.execute("UPDATE search_index SET chosen = 0")
    conn.commit()
    conn.close()
    assert await kind(old) == "fts5"


async def test_two_openers_of_a_new_store_share_one_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bot and a command open a new file at the same moment. The first builds the
    # (empty) index; a slow build shows whether the second waits for it, or takes the
    # unstamped folder for a build cut short and removes it under the first.
    import asyncio
    import time

    rebuild = search_index._rebuild

    def slow_rebuild(*args: object) -> tuple[int, int]:
        time.sleep(0.5)
        return rebuild(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(search_index, "_rebuild", slow_rebuild)
    path = tmp_path / "desk.db"
    await (await open_stores(path)).close()  # the file, its migrations, the default
    import shutil

    shutil.rmtree(search_index.index_folder(path))  # as if no one had built it yet
    first, second = await asyncio.gather(open_stores(path), open_stores(path))
    try:
        for stores in (first, second):
            assert isinstance(stores.articles, IndexedArticleStore)
        await first.articles.add_many([NewArticle("Ferry", BOATS)])
        await second.articles.catch_up()  # type: ignore[attr-defined]
        assert await _ids(second.articles, ["ferry"], None) == {1}  # type: ignore[arg-type]
        assert (await check(first.articles)).ok  # type: ignore[arg-type]
    finally:
        await first.close()
        await second.close()
