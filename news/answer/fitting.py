"""What ``bench/fit_answer.py`` needs of the engine, and nothing more.

The fitter replays the engine's own stages on the dev set (the candidate pool of
the whole sentence shortlist, each candidate's answer text and full feature vector),
mirrors its final choice, and writes the weights file the engine loads.
"""

from __future__ import annotations

from collections.abc import Mapping

from news.answer import engine
from news.answer.choose import MBR_FORMS, MBR_TEMPERATURE, MBR_TOP, candidate_text
from news.answer.engine import TOP_SENTENCES, Pool, candidate_pool
from news.answer.fitted import save_fitted
from news.answer.question import FORMS
from news.answer.sentences import SENT_FEATURES, SHORTLIST
from news.answer.spans import FEATURES, Candidate, expand_features, fold_weights

__all__ = [
    "FEATURES",
    "FORMS",
    "MBR_FORMS",
    "MBR_TEMPERATURE",
    "MBR_TOP",
    "SENT_FEATURES",
    "SHORTLIST",
    "TOP_SENTENCES",
    "Candidate",
    "Pool",
    "answer_text",
    "candidate_pool",
    "full_features",
    "save_fitted",
    "use_weights",
]


def answer_text(pool: Pool, cand: Candidate) -> str:
    """The answer the engine would give if it chose ``cand``."""
    return candidate_text(pool.info, pool.top[cand.sent_index].sentence, cand)


def full_features(pool: Pool, cand: Candidate) -> list[float]:
    """The candidate's full feature vector, ordered like FEATURES."""
    return list(expand_features(cand.feats, pool.info.form).values())


def use_weights(span: Mapping[str, float], sentence: Mapping[str, float]) -> None:
    """Run the engine on these weights from now on, in this process: the honest
    benches refit them inside each fold and read that fold's questions with them."""
    engine._SENT_VECTOR[:] = [float(sentence[name]) for name in SENT_FEATURES]
    spans = {name: float(v) for name, v in span.items()}
    engine._FOLDED.update({form: fold_weights(spans, form) for form in FORMS})
