"""Tests for the answer engine's parts: the dateline rule, the weights file and the
feature vectors built by name."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import news.weights
from news.answer import Passage, analyze_question, answer_question
from news.answer.engine import candidate_pool
from news.answer.fitted import load_fitted, save_fitted
from news.answer.question import FORMS, QTYPES
from news.answer.sentences import SENT_FEATURES, rank_sentences, sentence_features
from news.answer.spans import BASE_FEATURES, FEATURES, expand_features, fold_weights
from news.answer.tokens import strip_dateline
from news.weights import WeightsError

# ----------------------------------------------------------------------------- datelines


@pytest.mark.parametrize(
    ("sentence", "rest"),
    [
        ("LONDON, England (CNN) -- The mayor opened the bridge.", "The mayor opened the bridge."),
        ("(CNN) -- The mayor opened the bridge.", "The mayor opened the bridge."),
        ("WASHINGTON (Reuters) - Lawmakers passed the bill.", "Lawmakers passed the bill."),
        ("NAIROBI, Kenya (AP) — Rain closed the airport.", "Rain closed the airport."),
        ("(AP) – Rain closed the airport.", "Rain closed the airport."),
        ("PARIS (AFP) Rain closed the airport.", "Rain closed the airport."),
        ("CHICAGO (UPI) -- Rain closed the airport.", "Rain closed the airport."),
    ],
)
def test_wire_datelines_are_stripped(sentence: str, rest: str) -> None:
    assert strip_dateline(sentence) == rest


@pytest.mark.parametrize(
    "sentence",
    [
        "Reuters reported the merger on Monday.",
        "A spokesman for the AP said the story was accurate.",
        "Sales rose 5% (AP figures) in May.",
        "(CNNMoney) -- Shares fell on Friday.",
        # Too far into the sentence to be a dateline.
        "Experts at the lab, who asked not to be named by the network, said (CNN) it was safe.",
    ],
)
def test_text_that_is_not_a_dateline_is_kept(sentence: str) -> None:
    assert strip_dateline(sentence) == sentence


def test_answer_evidence_never_starts_with_a_dateline() -> None:
    text = (
        "WASHINGTON (Reuters) -- The council freed 250 inmates on Tuesday.\n\n"
        "The mayor said more releases would follow."
    )
    ans = answer_question("How many inmates were freed?", [Passage(1, "", text)])
    assert ans.answer == "250"
    assert ans.evidence == "The council freed 250 inmates on Tuesday."


# ----------------------------------------------------------------------------- weights


@pytest.fixture
def weights_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """news.weights reads and writes files in tmp_path instead of the package."""
    monkeypatch.setattr(news.weights, "resources", SimpleNamespace(files=lambda _pkg: tmp_path))
    monkeypatch.setattr(news.weights, "path_of", lambda name: tmp_path / f"{name}.json")
    return tmp_path


def _write(where: Path, body: object) -> None:
    (where / "answer.json").write_text(json.dumps(body), encoding="utf-8")


def test_shipped_weights_name_every_feature() -> None:
    fitted = load_fitted()
    assert list(fitted.span) == list(FEATURES)
    assert list(fitted.sentence) == list(SENT_FEATURES)


def test_missing_weights_file_fails_loudly(weights_dir: Path) -> None:
    with pytest.raises(WeightsError, match=re.escape("news/weights/answer.json is missing")):
        load_fitted()


def test_malformed_weights_file_fails_loudly(weights_dir: Path) -> None:
    (weights_dir / "answer.json").write_text('{"weights": {"span": {', encoding="utf-8")
    with pytest.raises(WeightsError, match="unreadable"):
        load_fitted()


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"span": dict.fromkeys(FEATURES, 0.0)}, 'no "sentence" table'),
        ({"sentence": {}, "span": 1.0}, 'no "span" table'),
        ({"span": {}, "sentence": {}, "extra": {}}, "unknown features: extra"),
        ({"span": {"sent": "high"}, "sentence": {}}, "span.sent is not a finite number"),
    ],
)
def test_weights_file_of_the_wrong_shape_fails_loudly(
    weights_dir: Path, tables: dict[str, object], message: str
) -> None:
    _write(weights_dir, {"weights": tables})
    with pytest.raises(WeightsError, match=re.escape(message)):
        load_fitted()


def test_weights_for_another_feature_set_are_refused(weights_dir: Path) -> None:
    span = dict.fromkeys(FEATURES, 0.5)
    sentence = dict.fromkeys(SENT_FEATURES, 0.5)
    del span["type_ok"]
    _write(weights_dir, {"weights": {"span": span, "sentence": sentence}})
    with pytest.raises(WeightsError, match="missing: type_ok"):
        load_fitted()
    span["type_ok"] = 0.5
    sentence["s_crystal_ball"] = 1.0
    _write(weights_dir, {"weights": {"span": span, "sentence": sentence}})
    with pytest.raises(WeightsError, match="unknown: s_crystal_ball"):
        load_fitted()


def test_saved_weights_load_back_rounded(weights_dir: Path) -> None:
    span = {name: i / 3 for i, name in enumerate(FEATURES)}
    sentence = {name: -i / 7 for i, name in enumerate(SENT_FEATURES)}
    path = save_fitted(span, sentence, cv_f1=12.5)
    assert path == weights_dir / "answer.json"
    assert json.loads(path.read_text(encoding="utf-8"))["cv_f1"] == 12.5
    fitted = load_fitted()
    assert fitted.span["rank1"] == round(FEATURES.index("rank1") / 3, 4)
    assert fitted.sentence == {name: round(v, 4) for name, v in sentence.items()}


def test_incomplete_weights_are_never_written(weights_dir: Path) -> None:
    with pytest.raises(WeightsError, match="missing"):
        save_fitted({"sent": 1.0}, dict.fromkeys(SENT_FEATURES, 0.0))
    assert not (weights_dir / "answer.json").exists()


# ----------------------------------------------------------------------------- features

STORY = """Harbor council frees prisoners

The Harbor council freed 250 prisoners on Tuesday, officials said.

The releases began in the port city of Maravel, where 40 guards watched."""


def test_sentence_features_are_named_and_typed_by_question() -> None:
    info = analyze_question("How many prisoners were freed?")
    ranked = rank_sentences(info, [Passage(1, "", STORY)])
    best = next(sc for sc in ranked if "250" in sc.sentence.text)
    feats = sentence_features(info, best, best.score, 0, info.terms[0], best.coverage)
    assert list(feats) == list(SENT_FEATURES)
    assert feats["s_heur"] == 0.0 and feats["s_hrank0"] == 1.0
    assert feats["s_num"] == 1.0  # "250" is a number the question does not contain
    assert feats["count_s_num"] == feats["s_num"] and feats["count_s_cov"] == feats["s_cov"]
    others = [q for q in QTYPES if q != "count"]
    assert all(feats[f"{q}_s_num"] == 0.0 for q in others)


def test_span_features_are_named_and_complete() -> None:
    pool = candidate_pool("How many prisoners were freed?", [Passage(1, "", STORY)])
    assert pool.cands and all(len(c.feats) == len(BASE_FEATURES) for c in pool.cands)
    by_text = {
        pool.top[c.sent_index].sentence.text[
            pool.top[c.sent_index].sentence.toks[c.start].start : pool.top[c.sent_index]
            .sentence.toks[c.end - 1]
            .end
        ]: dict(zip(BASE_FEATURES, c.feats, strict=True))
        for c in pool.cands
    }
    count = by_text["250"]
    assert count["has_num"] == 1.0 and count["type_ok"] == 1.0 and count["len1"] == 1.0
    assert count["dr1"] == 1.0  # "prisoners", a question word, follows it
    full = expand_features(pool.cands[0].feats, "count")
    assert list(full) == list(FEATURES)
    assert full["count_type_ok"] == full["type_ok"]
    assert all(full[f"{form}_type_ok"] == 0.0 for form in FORMS if form != "count")


@pytest.mark.parametrize("form", FORMS)
def test_folded_weights_score_like_the_full_vector(form: str) -> None:
    weights = load_fitted().span
    folded = fold_weights(weights, form)
    pool = candidate_pool("How many prisoners were freed?", [Passage(1, "", STORY)])
    for cand in pool.cands[:20]:
        full = expand_features(cand.feats, form)
        direct = sum(weights[name] * value for name, value in full.items())
        assert math.isclose(
            sum(w * v for w, v in zip(folded, cand.feats, strict=True)), direct, abs_tol=1e-9
        )
