"""The engine and the summarizer never raise, but a crash inside them is a bug: it must
reach the log with a traceback and a short id, not turn silently into an abstention
or an empty summary."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

import news.answer.engine as engine
import news.summarize as summarize_module
from news.answer import Answer, Passage, answer_question
from news.summarize import summarize

# Written for these tests: one fact a question can ask for.
BAKERY = Passage(
    3,
    "Bakery reopens after flood",
    "The Corner Loaf bakery on Mill Street reopened on Saturday after the spring flood. "
    "The owners spent 18,000 pounds on new ovens and flooring. "
    "Queues reached the post office by eight in the morning.",
    1.0,
)
ERROR_ID = re.compile(r"\berror ([0-9a-f]{8})\b")


def _boom(*args: object, **kwargs: object) -> object:
    raise RuntimeError("injected crash for the test")


def _logged_with_id(caplog: pytest.LogCaptureFixture, logger: str) -> logging.LogRecord:
    [record] = [r for r in caplog.records if r.name == logger]
    assert record.levelno == logging.ERROR
    assert ERROR_ID.search(record.getMessage()), record.getMessage()
    assert record.exc_info is not None and "injected crash" in str(record.exc_info[1])
    return record


def test_a_normal_question_still_gets_its_answer(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    answer = answer_question("How much did the owners spend on new ovens?", [BAKERY])
    assert answer.committed and answer.answer is not None and "18,000" in answer.answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_crash_in_the_engine_is_logged_with_an_id_and_still_abstains(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(engine, "read", _boom)
    caplog.set_level(logging.DEBUG)
    answer = answer_question("How much did the owners spend?", [BAKERY])
    assert isinstance(answer, Answer) and not answer.committed
    assert answer.related == (3,)
    _logged_with_id(caplog, "news.answer.engine")


def test_two_crashes_get_two_ids(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(engine, "read", _boom)
    caplog.set_level(logging.ERROR)
    answer_question("Who reopened?", [BAKERY])
    answer_question("Who reopened?", [BAKERY])
    ids = {m.group(1) for r in caplog.records if (m := ERROR_ID.search(r.getMessage()))}
    assert len(ids) == 2


def test_a_normal_article_still_gets_its_summary(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    summary = summarize(BAKERY.text, BAKERY.title)
    assert summary and summary[0].startswith("The Corner Loaf bakery")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_crash_in_the_summarizer_is_logged_with_an_id_and_gives_no_summary(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(summarize_module, "_summarize", _boom)
    caplog.set_level(logging.DEBUG)
    assert summarize(BAKERY.text, BAKERY.title) == []
    _logged_with_id(caplog, "news.summarize")


async def test_a_crash_in_the_model_reader_is_logged_with_an_id_and_the_offline_answer_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.app.readers import read_with_model

    class Broken:
        async def read(self, *args: object, **kwargs: object) -> object:
            raise RuntimeError("injected crash for the test")

    async def inline(fn: Callable[..., Any], *args: Any) -> Any:
        return fn(*args)

    caplog.set_level(logging.DEBUG)
    question = "How much did the owners spend on new ovens?"
    offline = answer_question(question, [BAKERY])
    asked = await read_with_model(Broken(), question, [BAKERY], offline, "auto", inline)  # type: ignore[arg-type]
    assert asked.answer == offline and asked.outcome is not None
    record = _logged_with_id(caplog, "bot.app.readers")
    # The id in the log is the one the host sees as the reason (`newsbot ask`).
    match = ERROR_ID.search(record.getMessage())
    assert match is not None and match.group(1) in asked.outcome.reason
