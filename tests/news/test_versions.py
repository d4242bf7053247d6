"""news.versions: which stored stories are versions of one developing story, and which
is newer (publication date, else the day added; on one day, the later added)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from news.versions import Version, Versions, same_sentence, title_words

ADDED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BODY = (
    "The death toll from the floods in Port Elwin rose to {n} on Monday, the regional "
    "emergency office said. Rescue teams were still searching the lower town."
)


def v(i: int, title: str, day: date | None, text: str = "", added: datetime = ADDED) -> Version:
    return Version(i, title, day, added, text)


def test_versions_share_their_title_words_or_their_opening() -> None:
    stories = [
        v(1, "Death toll in Port Elwin floods rises to 12", date(2026, 12, 1)),
        v(2, "Death toll in Port Elwin floods rises to 40", date(2026, 12, 3)),
        v(3, "Talks on rail pay to start Monday", date(2026, 12, 2)),
        v(4, "Rail pay talks postponed", date(2026, 12, 4)),
        v(5, "Port Elwin harbour reopens", date(2026, 12, 5)),
        v(6, "A headline of its own", date(2026, 12, 6), BODY.format(n=73)),
        v(7, "Another unrelated headline", date(2026, 12, 7), BODY.format(n=90)),
    ]
    versions = Versions(stories)
    assert [x.article_id for x in versions.newer(1)] == [2]
    assert [x.article_id for x in versions.newer(3)] == [4]
    assert versions.newer(2) == [] and versions.newer(5) == []
    assert [x.article_id for x in versions.newer(6)] == [7]  # near-duplicate openings
    assert not versions.same(1, 5)  # "Port Elwin" alone is a place, not the story


def test_newer_is_the_later_day_then_the_later_added() -> None:
    later = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    stories = [
        v(1, "Flood toll rises in Port Elwin", None),
        v(2, "Flood toll rises in Port Elwin again", None, added=later),
        v(3, "Flood toll rises in Port Elwin, officials say", date(2026, 11, 30), added=later),
    ]
    versions = Versions(stories)
    assert [x.article_id for x in versions.newer(3)] == [2, 1]
    assert [x.article_id for x in versions.newer(1)] == [2]
    assert versions.newer(1, strictly_later_day=True) == []


def test_one_sentence_with_its_figures_changed() -> None:
    a = "The death toll rose to 12 on Monday, officials said."
    assert same_sentence(a, "The death toll rose to 73 on Monday, officials said.")
    assert not same_sentence(a, "Rescue teams were still searching the lower town.")
    assert not same_sentence(a, None) and not same_sentence("", a)
    assert title_words("The 12 deaths in Port Elwin") == title_words("the deaths in port elwin")


def test_the_recency_prior_lowers_older_days_and_leaves_one_day_alone() -> None:
    from news.retrieval import Candidate
    from news.versions import recency_prior

    cands = [
        Candidate(1, "old", "", 10.0),
        Candidate(2, "new", "", 8.0),
        Candidate(3, "x", "", 5.0),
    ]
    days = {1: date(2026, 11, 25), 2: date(2026, 12, 2), 3: date(2026, 12, 2)}
    lifted = {c.article_id: c.score for c in recency_prior(cands, days, 1.0)}
    assert lifted[2] == 8.0 and lifted[3] == 5.0  # the newest day keeps its score
    assert lifted[1] < lifted[2]  # a week older: 10 * e^-1
    one_day = dict.fromkeys(days, date(2026, 12, 2))
    assert recency_prior(cands, one_day, 5.0) == cands
    assert recency_prior(cands, days, 0.0) == cands
