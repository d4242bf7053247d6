"""The pool before re-ranking: near-duplicate stories collapse so distinct ones fill it,
and re-ranking only ever reorders the candidates it is given."""

from __future__ import annotations

from news import retrieval
from news.retrieval import (
    FETCH,
    POOL,
    Candidate,
    distinct,
    open_passages,
    opening_shingles,
    rerank,
    same_story,
)

# An invented wire story, a lightly edited update of it, and two other stories on the
# same subject (a harbour) that share many words but are not the same story.
FERRY = (
    "A passenger ferry ran aground outside the harbour of Kelmstad early on Tuesday, "
    "the port authority said. All 212 passengers were taken ashore in lifeboats and "
    "nobody was hurt. The ferry, the Nordlys, had left the harbour twenty minutes "
    "earlier on its daily crossing to the island of Vask. Divers will inspect the hull "
    "once the tide turns, a spokesman for the operator said."
)
FERRY_UPDATE = FERRY.replace("early on Tuesday", "early on Tuesday morning") + (
    " Tugs pulled the Nordlys free in the afternoon and towed it back to port."
)
HARBOUR_FEES = (
    "The harbour of Kelmstad will raise its fees for passenger ferries next year, the "
    "port authority said on Tuesday. Operators on the crossing to the island of Vask "
    "say the rise will push up ticket prices. The authority says the money will pay "
    "for a new breakwater."
)
HARBOUR_FESTIVAL = (
    "Kelmstad's harbour festival returns in August with tall ships, a fish market and "
    "a swimming race to the island of Vask. Organisers expect more visitors than last "
    "year, when storms cut the programme short."
)


def _c(article_id: int, text: str, score: float) -> Candidate:
    return Candidate(article_id, text.split(",")[0], text, score)


def test_a_copy_and_an_update_are_one_story_and_a_story_on_the_same_subject_is_not() -> None:
    ferry = opening_shingles(FERRY)
    assert same_story(ferry, opening_shingles(FERRY))
    assert same_story(ferry, opening_shingles(FERRY_UPDATE))
    assert not same_story(ferry, opening_shingles(HARBOUR_FEES))
    assert not same_story(ferry, opening_shingles(HARBOUR_FESTIVAL))
    assert not same_story(ferry, opening_shingles(""))


def test_distinct_keeps_one_copy_per_story_and_distinct_stories_fill_the_pool() -> None:
    cands = [
        _c(1, FERRY, 9.0),
        _c(2, FERRY, 9.0),
        _c(3, HARBOUR_FEES, 7.0),
        _c(4, FERRY_UPDATE, 6.0),
        _c(5, HARBOUR_FESTIVAL, 5.0),
    ]
    kept = distinct(cands, keep=3)
    assert [c.article_id for c in kept] == [2, 3, 5]


def test_of_copies_the_higher_bm25_stays_in_the_first_copys_place() -> None:
    cands = [_c(7, FERRY, 4.0), _c(8, HARBOUR_FEES, 3.5), _c(3, FERRY_UPDATE, 5.0)]
    assert [c.article_id for c in distinct(cands)] == [3, 8]


def test_distinct_only_returns_given_candidates_in_their_order() -> None:
    stories = [FERRY, HARBOUR_FEES, HARBOUR_FESTIVAL]
    cands = [_c(10 + i, stories[i % 3] + f" Note {i}.", 10.0 - i) for i in range(12)]
    kept = distinct(cands, keep=POOL)
    assert [c.article_id for c in kept] == [10, 11, 12]
    assert distinct([], keep=POOL) == []
    unrelated = [
        _c(i, f"Story number {i} about topic {i * 7919} in town {i}.", 1.0) for i in range(5)
    ]
    assert distinct(unrelated, keep=2) == unrelated[:2]
    assert FETCH >= POOL


def test_the_shingle_cache_follows_the_text_not_only_the_id() -> None:
    retrieval.clear_caches()
    first = distinct([_c(1, FERRY, 2.0), _c(2, HARBOUR_FEES, 1.0)])
    assert [c.article_id for c in first] == [1, 2]
    # Article 2 is edited into a copy of article 1: the cached opening must not be reused.
    again = distinct([_c(1, FERRY, 2.0), _c(2, FERRY, 1.0)])
    assert [c.article_id for c in again] == [1]


def test_rerank_reorders_exactly_the_candidates_and_keeps_ties_in_order() -> None:
    cands = [_c(i, HARBOUR_FESTIVAL, 1.0) for i in (5, 3, 9)]
    ranked = rerank("when is the harbour festival ?", cands)
    assert [r.article_id for r in ranked] == [5, 3, 9]
    mixed = [_c(1, HARBOUR_FEES, 2.0), _c(2, FERRY, 1.0), _c(3, HARBOUR_FESTIVAL, 1.5)]
    ranked = rerank("how many passengers were on the ferry that ran aground ?", mixed)
    assert sorted(r.article_id for r in ranked) == [1, 2, 3]
    assert ranked[0].article_id == 2


def test_open_passages_hand_the_engine_distinct_stories() -> None:
    cands = [
        _c(1, FERRY, 9.0),
        _c(2, FERRY_UPDATE, 8.5),
        _c(3, FERRY, 8.0),
        _c(4, HARBOUR_FEES, 5.0),
        _c(5, HARBOUR_FESTIVAL, 4.0),
    ]
    got = open_passages("how many passengers were on the ferry ?", cands)
    ids = [p.article_id for p in got]
    assert ids[0] == 1
    assert sorted(ids) == [1, 4, 5]
