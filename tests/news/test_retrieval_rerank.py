"""Re-ranking features, the odds handed to the answer engine, and the mix's fitter."""

from __future__ import annotations

import math

from bench.retrieval_eval import cross_validate, fit, recall_at
from news import retrieval
from news.retrieval import Candidate, Ranked, passage_scores, rerank

# Two invented profiles that share their words; one is about a woman, one about a man.
SINGER = (
    "Maria Lopez released her third album on Friday. "
    "She recorded the songs in a small studio in Lisbon, her label said. "
    "Her tour starts in the autumn."
)
DRUMMER = (
    "Tom Baker released his third album on Friday. "
    "He recorded the songs in a small studio in Lisbon, his label said. "
    "His tour starts in the autumn."
)


def _pair() -> list[Candidate]:
    return [Candidate(1, "", DRUMMER, 5.0), Candidate(2, "", SINGER, 5.0)]


def test_the_gender_feature_follows_the_question_pronoun() -> None:
    she = {r.article_id: r.features["gender"] for r in rerank("where did she record ?", _pair())}
    he = {r.article_id: r.features["gender"] for r in rerank("where did he record ?", _pair())}
    assert she[2] > 0 > she[1]
    assert he[1] > 0 > he[2]
    plain = rerank("where was the album recorded ?", _pair())
    assert all(r.features["gender"] == 0.0 for r in plain)
    assert rerank("where did she record the album ?", _pair())[0].article_id == 2
    assert rerank("where did he record the album ?", _pair())[0].article_id == 1


def test_features_stay_in_range_and_weights_name_known_features() -> None:
    ranked = rerank("which studio recorded the third album ?", _pair())
    names = set(ranked[0].features)
    assert set(retrieval.WEIGHTS) <= names
    for r in ranked:
        assert all(-1.0 <= v <= 1.0 for v in r.features.values()), r.features


def test_passage_scores_are_odds_against_the_best() -> None:
    ranked = [
        Ranked(7, 3.0, {}),
        Ranked(8, 2.9, {}),
        Ranked(9, -4.0, {}),
    ]
    scores = dict(passage_scores(ranked))
    assert scores[7] == 1.0
    assert math.isclose(scores[8], math.exp(-0.1))
    assert scores[9] < 0.001
    assert passage_scores(ranked, keep=1) == [(7, 1.0)]
    assert passage_scores([]) == []


def _table() -> tuple[list[list[Ranked]], list[int]]:
    # Synthetic questions: "good" marks the asked-about story, "noise" does not.
    table: list[list[Ranked]] = []
    gold: list[int] = []
    for q in range(40):
        rows = [
            Ranked(10 * q + k, 0.0, {"good": float(k == q % 3), "noise": float((k + q) % 2)})
            for k in range(3)
        ]
        table.append(rows)
        gold.append(10 * q + q % 3)
    return table, gold


def test_the_fitter_weighs_the_feature_that_finds_the_story() -> None:
    table, gold = _table()
    every = list(range(len(gold)))
    w = fit(table, gold, every, ["good", "noise"], steps=100)
    assert w["good"] > 1.0
    assert abs(w.get("noise", 0.0)) < w["good"]
    assert recall_at(table, gold, every, w, 1) == 1.0
    folds = [i % 5 for i in every]
    assert cross_validate(table, gold, folds, ["good", "noise"]) == 1.0


def test_a_story_that_keeps_naming_the_subject_outranks_a_passing_mention() -> None:
    passing = (
        "The harbour authority met on Monday. "
        "A lighthouse keeper retired after forty years. "
        "Ferries will run late during the summer."
    )
    focused = (
        "The old lighthouse on the north cape will be restored. "
        "The lighthouse has been dark since a storm in the winter. "
        "Volunteers raised money to repair the lighthouse lamp."
    )
    ranked = rerank(
        "when will the lighthouse be repaired ?",
        [Candidate(1, "", passing, 5.0), Candidate(2, "", focused, 5.0)],
    )
    assert ranked[0].article_id == 2
    feats = {r.article_id: r.features for r in ranked}
    assert feats[2]["tf"] > feats[1]["tf"]
    assert feats[2]["early"] >= feats[1]["early"]
