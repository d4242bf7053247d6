"""Settings: the answer threshold is optional, and a value outside 0..1 is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import load_settings


@pytest.mark.parametrize(("raw", "expected"), [("", None), ("0.6", 0.6), ("0", 0.0), ("1", 1.0)])
def test_answer_threshold(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: float | None
) -> None:
    monkeypatch.setenv("NEWSBOT_ANSWER_THRESHOLD", raw)
    assert load_settings(_env_file=None).answer_threshold == expected


@pytest.mark.parametrize("raw", ["1.5", "-0.1", "high"])
def test_a_threshold_outside_0_to_1_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("NEWSBOT_ANSWER_THRESHOLD", raw)
    with pytest.raises(ValidationError, match="NEWSBOT_ANSWER_THRESHOLD"):
        load_settings(_env_file=None)


def test_no_threshold_means_the_engines_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_ANSWER_THRESHOLD", raising=False)
    assert load_settings(_env_file=None).answer_threshold is None
