"""Re-ranking features, the odds handed to the answer engine, and the mix's weights file."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import news.weights
from news import retrieval
from news.retrieval import Candidate, Ranked, passage_scores, rerank
from news.weights import WeightsError

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


def test_features_stay_in_range_and_are_the_ones_the_mix_weighs() -> None:
    ranked = rerank("which studio recorded the third album ?", _pair())
    for r in ranked:
        assert tuple(r.features) == retrieval.FEATURES
        assert all(-1.0 <= v <= 1.0 for v in r.features.values()), r.features
    assert retrieval.WEIGHTS and set(retrieval.WEIGHTS) <= set(retrieval.FEATURES)
    # The score is the weighted sum of exactly those features.
    for r in ranked:
        mix = sum(w * r.features[name] for name, w in retrieval.WEIGHTS.items())
        assert math.isclose(r.score, mix)


def test_the_shipped_weights_file_is_what_rerank_uses() -> None:
    shipped = news.weights.load("retrieval")["weights"]
    assert shipped == retrieval.WEIGHTS
    assert list(retrieval.WEIGHTS) == [n for n in retrieval.FEATURES if n in shipped]


@pytest.fixture
def weights_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """news.weights reads its files from ``tmp_path`` instead of the package."""
    monkeypatch.setattr(news.weights, "resources", SimpleNamespace(files=lambda _pkg: tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (None, "missing"),
        ("{ not json", "unreadable"),
        ("[1, 2]", '"weights"'),
        ('{"weights": {"bm25": "4.8"}}', "not a finite number"),
        ('{"weights": {"bm25": NaN}}', "not a finite number"),
        ('{"weights": {"bm25": true}}', "not a finite number"),
        ('{"weights": {"bm25": 4.8, "stem_bm25": 1.0}}', "unknown features: stem_bm25"),
        ('{"weights": {}}', "weighs no feature"),
    ],
)
def test_a_missing_or_malformed_weights_file_stops_start_up(
    weights_dir: Path, body: str | None, complaint: str
) -> None:
    if body is not None:
        (weights_dir / "retrieval.json").write_text(body, encoding="utf-8")
    with pytest.raises(WeightsError, match=re.escape("news/weights/retrieval.json")) as err:
        retrieval._load_weights()
    assert complaint in str(err.value)


def test_a_weights_file_in_any_key_order_sums_in_feature_order(weights_dir: Path) -> None:
    backwards = {name: float(i + 1) for i, name in enumerate(reversed(retrieval.FEATURES))}
    (weights_dir / "retrieval.json").write_text(json.dumps({"weights": backwards}))
    loaded = retrieval._load_weights()
    assert list(loaded) == list(retrieval.FEATURES)
    assert loaded == backwards


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


# Invented stories: both name the glacier and the drone, only one of them together.
NEAR = (
    "A survey drone mapped the glacier for six hours before the storm. "
    "The team flew home on Sunday."
)
APART = (
    "A drone show opened the festival in the old market square, with music until late. "
    "Farmers came in from the valleys, the bakers sold out by noon and the mayor gave "
    "a speech about the new bus lanes, the school roof and the autumn fair. "
    "Far to the north, meanwhile, a glacier lost another slice of ice."
)


def test_near2_marks_the_story_with_the_two_rarest_words_close_together() -> None:
    cands = [Candidate(1, "", APART, 5.0), Candidate(2, "", NEAR, 5.0)]
    # A third story holds neither word, so both are rarer than "survey"-free filler.
    cands.append(Candidate(3, "", "The festival in the market square ended at noon.", 1.0))
    near = {
        r.article_id: r.features["near2"] for r in rerank("which drone mapped the glacier ?", cands)
    }
    assert near == {1: 0.0, 2: 1.0, 3: 0.0}
    # One rare word alone is never "near".
    alone = rerank("which drone was it ?", [Candidate(2, "", NEAR, 1.0)])
    assert alone[0].features["near2"] == 0.0


def _titled() -> list[Candidate]:
    # The bodies hold the same question words; only the titles differ in them.
    return [
        Candidate(
            1,
            "Harbour wall repairs approved",
            "The council met on Monday. It spoke of the harbour wall and the ferry fares.",
            5.0,
        ),
        Candidate(
            2,
            "Ferry fares to rise again in the spring",
            "Ferry fares and the harbour wall were on the agenda when the council sat.",
            5.0,
        ),
    ]


def test_title_bm25_weighs_the_question_words_by_the_whole_store() -> None:
    q = "what did the council say about the harbour wall and ferry fares ?"
    # Without the store's counts every word weighs the same: the title with more of
    # the question's words (harbour, wall) is the better title.
    plain = {r.article_id: r.features["title"] for r in rerank(q, _titled())}
    assert plain[1] == 1.0 and 0.0 < plain[2] < 1.0
    # In the store "harbour" and "wall" are everywhere and "ferry", "fares" rare: the
    # ferry title wins, which the candidates' own sentences (they share the body)
    # could not tell.
    counts = retrieval.StoreCounts(
        1000, {"harbour": 600, "wall": 500, "ferry": 3, "fares": 4, "council": 300}
    )
    store = {r.article_id: r.features["title"] for r in rerank(q, _titled(), counts=counts)}
    assert store[2] == 1.0 and store[1] < 0.5
    # A title without any question word scores 0.
    none = [Candidate(3, "Weather", "Rain on Monday.", 1.0), *_titled()]
    got = {r.article_id: r.features["title"] for r in rerank(q, none, counts=counts)}
    assert got[3] == 0.0


def test_open_passages_pass_the_store_counts_to_the_ranking() -> None:
    q = "what did the council say about the harbour wall and ferry fares ?"
    counts = retrieval.StoreCounts(
        1000, {"harbour": 600, "wall": 500, "ferry": 3, "fares": 4, "council": 300}
    )
    weights = {"title": 1.0}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(retrieval, "WEIGHTS", weights)
        assert retrieval.open_passages(q, _titled(), counts)[0].article_id == 2
        assert retrieval.open_passages(q, _titled())[0].article_id == 1
