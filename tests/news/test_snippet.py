"""A search result's snippet is a stretch of the stored body around the words sought."""

from __future__ import annotations

from collections.abc import Callable

from news.snippet import snippet

BODY = (
    "The county council met on Monday to discuss the budget. Several members asked about "
    "road repairs, and the treasurer said the reserves were low. Later in the evening the "
    "council agreed to spend 40,000 pounds on the library roof, which has leaked since "
    "the storm in March. The vote was close. Residents who came to watch cheered when "
    "the result was read out, and the librarian thanked the members for their support."
)


def _words(*wanted: str) -> Callable[[str], bool]:
    return lambda word: word in wanted


def test_the_window_with_most_distinct_words_sought_wins() -> None:
    got = snippet(BODY, _words("library", "roof", "storm"), words=12)
    assert "library roof" in got and "storm" in got
    assert got.startswith("…") and got.endswith("…")
    assert got.strip("…") in BODY  # only the article's own text


def test_no_match_gives_the_opening_and_a_short_body_is_whole() -> None:
    assert snippet(BODY, _words("zeppelin"), words=5) == "The county council met on…"
    assert snippet("Two words.", _words("words")) == "Two words"
    assert snippet("", _words("x")) == ""


def test_words_are_matched_once_each_however_often_they_occur() -> None:
    asked: list[str] = []

    def is_match(word: str) -> bool:
        asked.append(word)
        return word == "council"

    got = snippet(BODY, is_match, words=6)
    assert "council" in got
    assert asked.count("council") == 1 and asked.count("the") == 1


def test_the_best_window_is_found_among_many_matches() -> None:
    # 400 mentions of one word, then the one stretch that holds all three sought.
    body = "river " * 400 + "the river flooded the mill near the bridge today. " + "river " * 50
    got = snippet(body, _words("river", "mill", "bridge"), words=10)
    assert "mill" in got and "bridge" in got
