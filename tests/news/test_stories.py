"""One story, many sources (news/stories.py): a second outlet's copy of a story posted
within the day is found; another story on the same subject, the same feed again, or a
copy from yesterday's news are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from news.stories import Posted, first_report

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)

WIRE = (
    "The harbour authority said on Tuesday that the night ferry between Port Elwin and "
    "the islands will stop running in May, after forty years of service. Fuel costs and "
    "a shortage of engineers left the service losing money every winter, the authority's "
    "chair told reporters. Islanders have until the end of March to comment on a plan "
    "that would replace the crossing with two extra daytime sailings.\n\n"
    "The island council said it would fight the decision."
)
# The same subject, written by another reporter: shares names and facts, not sentences.
OWN_REPORT = (
    "Islanders reacted with anger to news that their overnight boat to Port Elwin is "
    "being scrapped. Residents who work night shifts on the mainland say two more "
    "daytime sailings will not help them, and the council has promised a legal fight "
    "over the harbour authority's plan, which is open to comment until March."
)


def _posted(source: str, hours_ago: float, text: str = WIRE, article_id: int = 1) -> Posted:
    return Posted.of(
        article_id,
        source,
        f"https://{source}.example/{article_id}",
        NOW - timedelta(hours=hours_ago),
        text,
    )


def test_a_wire_copy_from_another_feed_within_the_day_is_the_same_story() -> None:
    copy = "PORT ELWIN (Wire) - " + WIRE.replace("The island council", "Local councillors")
    earlier = [_posted("coastnews", 5, article_id=1), _posted("islandtimes", 2, article_id=2)]
    found = first_report(copy, "dailyharbour", NOW, earlier)
    assert found is not None and found.article_id == 1  # the first to report it


def test_the_same_feed_again_is_not_a_second_source() -> None:
    assert first_report(WIRE, "coastnews", NOW, [_posted("coastnews", 1)]) is None


def test_a_copy_from_more_than_a_day_ago_is_news_again() -> None:
    assert first_report(WIRE, "islandtimes", NOW, [_posted("coastnews", 25)]) is None
    assert first_report(WIRE, "islandtimes", NOW, [_posted("coastnews", 23)]) is not None


def test_another_report_on_the_same_subject_is_its_own_story() -> None:
    assert first_report(OWN_REPORT, "islandtimes", NOW, [_posted("coastnews", 1)]) is None


def test_an_empty_text_repeats_nothing() -> None:
    assert first_report("", "islandtimes", NOW, [_posted("coastnews", 1)]) is None
