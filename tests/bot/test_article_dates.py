"""An article's date says what it is: published (when a publication date is known) or
added (the UTC day the bot stored it), on every card, list and line that shows one
(issue 20, item 14)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot import render
from bot.digest import Digest, article_block, render_markdown
from bot.style import article_date
from news.answer import Answer, Quote
from news.domain import Article, SearchHit

ArticleFactory = Callable[..., Article]

# Added on the evening of 6 Dec in New York, already 7 Dec in UTC: the day shown is UTC's.
ADDED = datetime(2026, 12, 6, 19, 15, tzinfo=ZoneInfo("America/New_York"))


def test_the_one_helper_labels_the_date(article_factory: ArticleFactory) -> None:
    published = article_date(article_factory(published=date(2026, 5, 3)))
    assert published.long() == "Published 3 May 2026"
    assert published.short() == "published 2026-05-03"
    added = article_date(article_factory(published=None, added_at=ADDED))
    assert added.long() == "Added 7 Dec 2026"
    assert added.short() == "added 2026-12-07"


def test_a_card_without_a_publication_date_says_added(article_factory: ArticleFactory) -> None:
    card = render.article_card(article_factory(id=7, published=None, added_at=ADDED))
    fields = {f.name: f.value for f in card.fields}
    assert fields == {"Source": "Harbour Herald", "Added": "7 Dec 2026", "ID": "#7"}


def test_a_card_with_a_publication_date_says_published(article_factory: ArticleFactory) -> None:
    card = render.article_card(article_factory(id=7, published=date(2026, 5, 3)))
    fields = {f.name: f.value for f in card.fields}
    assert fields == {"Source": "Harbour Herald", "Published": "3 May 2026", "ID": "#7"}


def test_every_citation_labels_its_date(article_factory: ArticleFactory) -> None:
    added = article_factory(id=2, url=None, published=None, added_at=ADDED)
    published = article_factory(id=1, url=None, published=date(2026, 5, 3))
    answer = Answer("Who?", "crews", "Crews did it.", 1, 0.9, "person")
    assert (
        render.answer_embed(answer, published).fields[0].value
        == "Harbour wall repaired · Harbour Herald · published 2026-05-03 · #1"
    )
    assert render.answer_embed(answer, added).fields[0].value.endswith(" · added 2026-12-07 · #2")
    quotes = [(Quote(2, "Crews did it."), added)]
    passages = render.passages_embed("Who did it?", quotes).description or ""
    assert "— Harbour wall repaired · Harbour Herald · added 2026-12-07 · #2" in passages
    listed = render.list_page([published, added], 0, 1, 2).description or ""
    assert "published 2026-05-03 · #1" in listed and "added 2026-12-07 · #2" in listed
    closest = render.not_found_embed("Who?", [added]).description or ""
    assert "added 2026-12-07" in closest


def test_search_results_label_a_publication_date() -> None:
    hit = SearchHit(3, "Ferry resumes", 1.0, "The ferry runs again.", date(2026, 5, 3), None, None)
    page = render.search_page("ferry", [hit], 0, 1).description or ""
    assert "(published 2026-05-03 · #3)" in page


def test_a_digest_labels_its_dates(article_factory: ArticleFactory) -> None:
    added = article_factory(id=2, published=None, added_at=ADDED)
    published = article_factory(id=1, published=date(2026, 5, 3))
    assert article_block(added).split("\n")[1] == "Harbour Herald · Added 7 Dec 2026 · #2"
    assert article_block(published).split("\n")[1] == "Harbour Herald · Published 3 May 2026 · #1"
    since = datetime(2026, 12, 1, tzinfo=UTC)
    text = render_markdown(Digest(1001, since, ADDED, (added, published), False))
    assert "*Harbour Herald · Added 7 Dec 2026 · #2*" in text
    assert "*Harbour Herald · Published 3 May 2026 · #1*" in text


def test_a_feed_item_card_labels_its_date(article_factory: ArticleFactory) -> None:
    from bot.feed_cards import item_card

    added = item_card(article_factory(id=7, published=None, added_at=ADDED))
    assert added.footer.text is not None and "added 2026-12-07" in added.footer.text
    published = item_card(article_factory(id=8, published=date(2026, 5, 3)))
    assert published.footer.text is not None and "published 2026-05-03" in published.footer.text
