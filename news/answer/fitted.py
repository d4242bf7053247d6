"""The answer engine's fitted weights: ``news/weights/answer.json``, written by
``bench/fit_answer.py``.

The file holds two tables keyed by feature name: ``span`` (FEATURES) and
``sentence`` (SENT_FEATURES). Both must name exactly the engine's features: a
file fitted for another feature set is refused at start-up, loudly, rather than
half-used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from news.answer.sentences import SENT_FEATURES
from news.answer.spans import FEATURES
from news.weights import load, save, table

NAME = "answer"
_TABLES: dict[str, tuple[str, ...]] = {"span": FEATURES, "sentence": SENT_FEATURES}


@dataclass(frozen=True)
class Fitted:
    """Weights by feature name: the span scorer's and the sentence re-ranker's."""

    span: dict[str, float]
    sentence: dict[str, float]


def load_fitted(name: str = NAME) -> Fitted:
    """The fitted weights; raises :class:`WeightsError` if the file is missing or does not
    fit the engine's features."""
    tables = load(name, expect=frozenset(_TABLES))["weights"]
    return Fitted(*(table(name, tables, key, _TABLES[key]) for key in ("span", "sentence")))


def save_fitted(span: Mapping[str, float], sentence: Mapping[str, float], **meta: Any) -> Path:
    """Write fitted weights (rounded to 4 places) and how they were fitted (``meta``)."""
    rounded = {
        key: {n: float(f"{v:.4f}") for n, v in weights.items()}
        for key, weights in (("span", span), ("sentence", sentence))
    }
    tables = {key: table(NAME, rounded, key, _TABLES[key]) for key in rounded}
    return save(NAME, tables, **meta)
