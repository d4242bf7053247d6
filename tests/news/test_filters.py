"""A feed's include/exclude rules (news/filters.py): what they keep, what a moderator is
told when a rule can't be used, and that a hostile pattern or title costs linear time."""

from __future__ import annotations

import time

import pytest

from news.feed_parse import parse_feed
from news.filters import Fields, Filter, FilterError, parse_rules, rule


def _wanted(rules: list, item: Fields) -> bool:
    return Filter(rules).verdict(item).wanted


def test_keywords_are_whole_words_in_any_case() -> None:
    rules = [rule("include", "keyword", "ferry")]
    assert _wanted(rules, Fields("Harbour FERRY returns"))
    assert not _wanted(rules, Fields("Ferrymen strike again"))
    assert _wanted(rules, Fields("Quiet day", summary="The ferry, late again."))


def test_an_exclude_wins_and_is_named_as_the_rule_that_left_the_item_out() -> None:
    rules = [
        rule("include", "regex", r"elect(ion|ed)\b", "title"),
        rule("exclude", "keyword", "sponsored", "categories"),
    ]
    f = Filter(rules)
    assert f.verdict(Fields("Mayor elected")).wanted
    assert f.verdict(Fields("Mayor elected", categories=("Sponsored",))).rule == 1
    # No include matched: not wanted, and no single rule is to blame.
    assert f.verdict(Fields("Weather warning")) == f.verdict(Fields("Tide tables"))
    assert f.verdict(Fields("Weather warning")).rule is None


def test_a_rule_on_one_field_does_not_look_at_the_others() -> None:
    rules = [rule("exclude", "regex", r"^Jane\b", "author")]
    assert _wanted(rules, Fields("Jane Doe opens the bridge", author="Sam Roe"))
    assert not _wanted(rules, Fields("Bridge opens", author="Jane Doe"))


def test_tally_counts_what_each_rule_left_out() -> None:
    f = Filter(parse_rules("sport, title: celebrity", "exclude", "keyword"))
    items = [
        Fields("Cup final tonight", summary="sport"),
        Fields("Celebrity wedding"),
        Fields("A sport star wed a celebrity"),  # the first rule that matches is named
        Fields("Council budget"),
    ]
    wanted, left_out = f.tally(items)
    assert [i.title for i in wanted] == ["Council budget"]
    assert left_out == {0: 2, 1: 1}


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        (r"(ferry)\1", "back-references and look-arounds are not supported"),
        (r"(?<!no )ferry", "back-references and look-arounds are not supported"),
        (r"ferry(", "missing )"),
        (r"(x{900}){900}", "invalid repetition size"),
        ("f" * 201, "at most 200 characters"),
        ("   ", "needs a word or a pattern"),
    ],
)
def test_a_pattern_that_cannot_be_used_is_refused_in_one_line(pattern: str, said: str) -> None:
    with pytest.raises(FilterError) as caught:
        rule("include", "regex", pattern)
    assert said in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_pattern_too_big_for_its_memory_budget_is_refused() -> None:
    with pytest.raises(FilterError, match="pattern too large"):
        rule("include", "regex", r"\pL{1000}\pL{1000}")


def test_bad_action_kind_or_field_is_refused() -> None:
    for args in [("keep", "keyword", "x"), ("include", "glob", "x")]:
        with pytest.raises(FilterError):
            rule(*args)
    with pytest.raises(FilterError, match="title, summary, author, categories"):
        rule("include", "keyword", "x", "body")


# The classic catastrophic patterns: each backtracks exponentially (or worse than
# quadratically) in Python's re on a long run of "a" that fails at the end.
CATASTROPHIC = [r"(a+)+$", r"(a|aa)*$", r"(a|a?)+$", r"^(\w+\s?)*$", r"(.*a){12}$", r"(a*)*b"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_catastrophic_pattern_on_a_long_title_takes_bounded_time(pattern: str) -> None:
    title = "a" * 10_000 + "!"
    f = Filter([rule("include", "regex", pattern, "title")])
    start = time.process_time()
    for _ in range(20):
        f.verdict(Fields(title, summary=title, author=title))
    # CPU time, so a busy machine does not fail it; Python's re would not finish
    # (r"(a+)+$" on 30 characters already takes seconds).
    assert time.process_time() - start < 2.0


def test_fields_are_cut_before_matching() -> None:
    # A match beyond the cap is not seen: the cap is what bounds the work per rule.
    long = "x " * 5_000 + "ferry"
    assert not _wanted([rule("include", "keyword", "ferry")], Fields(long))


def test_parse_rules_reads_fields_and_one_regex_per_line() -> None:
    rules = parse_rules("title: ^Breaking\nauthor: Smith$\n\n", "exclude", "regex")
    assert [(r.field, r.pattern) for r in rules] == [("title", "^Breaking"), ("author", "Smith$")]
    assert [r.describe() for r in rules] == [
        "exclude /^Breaking/ in title",
        "exclude /Smith$/ in author",
    ]


def test_feed_categories_reach_the_filters() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Town</title>
    <item><title>Ferry news</title><link>https://example.org/1</link>
    <category>Advert</category><category>Local</category></item>
    <item><title>Ferry timetable</title><link>https://example.org/2</link>
    <category>Local</category></item></channel></rss>"""
    items = parse_feed(rss).items
    f = Filter([rule("exclude", "keyword", "advert", "categories")])
    kept = [
        i.title
        for i in items
        if f.verdict(Fields(i.title, i.summary, i.author or "", i.categories)).wanted
    ]
    assert kept == ["Ferry timetable"]
