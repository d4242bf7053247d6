"""Feed formats and delivery settings, pure: templates refused when they could mention or
mask a link, every placeholder escaped, the three styles, pings by keyword, and the
feed's rules (a catastrophic regex on a 10,000-character title in bounded time)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.app.feed_polling import feed_filter, sift
from bot.app.feed_posting import with_also
from bot.app.feed_settings import check_delivery
from bot.feed_formats import TemplateError, check_template, story_messages
from news.domain import Article, Delivery, Feed
from news.errors import InputError
from news.feed_parse import FeedItem

NOW = datetime(2026, 5, 3, tzinfo=UTC)


def feed(**delivery: object) -> Feed:
    return Feed(
        id=1, guild_id=5, url="https://coast.example/rss", title="Coast", site_url=None,
        channel_id=9, include_words="", exclude_words="", interval_minutes=15,
        server_minutes=None, etag=None, last_modified=None, added_at=NOW, added_by=None,
        primed_at=NOW, last_polled=None, next_poll=NOW, last_status=None, last_detail=None,
        failures=0, paused=False, pause_reason=None, posting_paused=None,
        delivery=Delivery(**delivery),  # type: ignore[arg-type]
    )  # fmt: skip


def article(n: int, title: str = "Harbour ferry to stop") -> Article:
    return Article(
        id=n, guild_id=5, url=f"https://coast.example/{n}", url_norm=None, title=title,
        source="Coast", author="Jane", published=date(2026, 5, 1), added_at=NOW,
        added_by=None, text="The ferry stops in May.", content_hash="h",
        summary=("The ferry stops in May.",),
    )  # fmt: skip


@pytest.mark.parametrize(
    "template",
    [
        "@everyone {title}",
        "@HERE {title}",
        "<@&123> {title}",
        "<@42> {title}",
        "[read more]({url})",
        "[{title}] ({url})",
        "@{title}",
        "{title.__class__}",
        "{nope}",
        "x" * 501,
    ],
)
def test_hostile_templates_are_refused_in_one_line(template: str) -> None:
    with pytest.raises(TemplateError) as refused:
        check_template(template)
    assert "\n" not in str(refused.value)


def test_a_title_cannot_close_the_templates_markdown_or_mention() -> None:
    hostile = article(1, "x** [click](https://evil.example) @everyone <@&5>")
    f = feed(style="text", template=check_template("**{title}** — {source} {url}"))
    (message,) = story_messages(f, [hostile])
    assert message.content is not None
    assert "**x\\*\\* \\[click\\]" in message.content
    assert "@everyone" not in message.content and "<@&5>" not in message.content
    assert "<https://coast.example/1>" in message.content
    assert message.ping_role is None


def test_styles_compact_text_and_card() -> None:
    stories = [article(n, f"Story {n}") for n in range(1, 4)]
    (compact,) = story_messages(feed(style="compact"), stories)
    assert compact.content is not None and compact.content.count("\n• ") == 3
    assert not compact.embeds
    (text,) = story_messages(feed(style="text", summary=False), stories)
    assert text.content is not None and "The ferry stops" not in text.content
    (card,) = story_messages(feed(), stories)
    assert len(card.embeds) == 3 and "The ferry stops" in (card.embeds[0].description or "")
    threads = story_messages(feed(deliver="thread"), stories)
    assert [m.title for m in threads] == ["Story 1", "Story 2", "Story 3"]


def test_pings_only_on_keywords_and_only_the_role() -> None:
    f = feed(style="compact", ping_role=77, ping_keywords="harbour")
    (hit,) = story_messages(f, [article(1)])
    (miss,) = story_messages(f, [article(2, "Library roof reopens")])
    assert hit.ping_role == 77 and hit.content and hit.content.startswith("<@&77> ")
    assert miss.ping_role is None and miss.content and "<@&" not in miss.content


def test_catastrophic_regex_on_a_long_title_runs_in_bounded_time() -> None:
    f = feed(exclude_regex="title: ^(a+)+b$\n(a|aa)+c\n(x+x+)+y")
    rules = feed_filter(f)
    item = FeedItem(keys=("k",), link=None, title="a" * 10_000 + "!", published=None,
                    author=None, summary="", content="")  # fmt: skip
    started = time.perf_counter()
    wanted, left_out = sift(rules, [item] * 20)
    assert time.perf_counter() - started < 2.0
    assert wanted == [True] * 20 and left_out == {}
    wanted, left_out = sift(rules, [replace(item, title="aaaab")])
    assert wanted == [False] and left_out == {"exclude /^(a+)+b$/ in title": 1}


def test_settings_are_checked_before_anything_is_written() -> None:
    f = feed()
    with pytest.raises(InputError):
        check_delivery(f, {"style": "fancy"})
    with pytest.raises(InputError):
        check_delivery(f, {"include_regex": "(a)\\1"})  # a back-reference: RE2 refuses
    with pytest.raises(InputError):
        check_delivery(replace(f, channel_id=None), {"deliver": "thread"})
    assert check_delivery(f, {"ping_keywords": " ferry ,, tram ", "publish": True}) == {
        "ping_keywords": "ferry,tram",
        "publish": 1,
    }


def test_also_reported_by_adds_to_one_line_per_story() -> None:
    once = with_also("New from Coast:", 4, "Ferry **stops**", "Bay News", "https://bay.example/a")
    twice = with_also(once, 4, "Ferry stops (update)", "Wire", None)
    assert twice.count("also reported by") == 1
    assert "↳ #4 Ferry \\*\\*stops\\*\\*: also reported by" in twice
    assert "[Bay News](https://bay.example/a), Wire" in twice


def test_repeats_finds_another_sources_copy_with_or_without_cached_shingles() -> None:
    from bot.app.feed_posting import repeats
    from news.domain import StoryPost

    text = (
        "The ferry between Port Alder and Mistle Bay will stop running in May, the council"
        " said on Friday, after the operator asked for a subsidy the town could not pay."
    )
    posted = StoryPost(5, 1, 1, "Coast", "https://coast.example/1", text, NOW)
    copy = replace(article(2, "Ferry to stop"), text="PORT ALDER (Wire) - " + text)
    other = replace(article(3, "Library roof"), text="The library roof was mended " * 5)
    found, new = repeats([copy, other], "Bay News", NOW, [posted], {})
    assert found == {2: posted} and set(new) == {1}
    again, none = repeats([copy, other], "Bay News", NOW, [posted], new)
    assert again == found and none == {}  # the cached shingles give the same answer
    assert repeats([copy], "Coast", NOW, [posted], new)[0] == {}  # a feed repeating itself
