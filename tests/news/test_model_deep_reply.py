"""A model server that answers with JSON nested a hundred thousand deep: Python's
parser gives up with RecursionError, which is not a ValueError. The reply must read
as malformed (the offline answer is shown) and count toward the breaker like any
other malformed reply, so a server stuck in that state stops being asked."""

from __future__ import annotations

import time

import pytest

from news.answer import Answer, Passage, answer_question
from news.answer.model import BREAKER_FAILURES, ModelConfig, ModelReader, ReaderOutcome
from tests.harness.fake_openai import Clock, FakeOpenAI

DEPTH = 100_000
STORY = Passage(
    5,
    "Tram line extended",
    "The tram line to Eastfield opened on Sunday, three months late. "
    "It added four stops and cost 31 million pounds.",
    1.0,
)
QUESTION = "How many stops did the tram extension add?"


async def ask(reader: ModelReader) -> tuple[Answer, ReaderOutcome, Answer]:
    offline = answer_question(QUESTION, [STORY])
    shown, outcome = await reader.read(QUESTION, [STORY], offline)
    return shown, outcome, offline


def deep_content() -> str:
    """A reply whose message text opens a JSON object nested DEPTH deep."""
    return '{"answer": ' + "[" * DEPTH + "]" * DEPTH + ', "quote": "", "article_id": 5}'


def deep_body() -> bytes:
    """A whole HTTP body nested DEPTH deep: not even a chat completion."""
    return b"[" * DEPTH + b"]" * DEPTH


@pytest.mark.parametrize("where", ["content", "body"])
async def test_a_deeply_nested_reply_is_malformed_and_opens_the_breaker(
    fake: FakeOpenAI, where: str
) -> None:
    if where == "content":
        fake.reply = deep_content()
    else:
        fake.body = deep_body()
    clock = Clock()
    reader = ModelReader(ModelConfig(fake.base_url, "fake-model", timeout=5.0), clock=clock)
    try:
        for _ in range(BREAKER_FAILURES):
            shown, outcome, offline = await ask(reader)
            assert (outcome.reader, outcome.status) == ("offline", "fallback")
            assert "malformed" in outcome.reason
            assert shown == offline
        asked = len(fake.requests)
        assert asked == BREAKER_FAILURES
        # The breaker is open: the next question is not sent.
        _, outcome, _ = await ask(reader)
        assert "skipped" in outcome.reason and len(fake.requests) == asked
    finally:
        await reader.close()


async def test_the_check_reports_a_deeply_nested_reply_as_a_problem(fake: FakeOpenAI) -> None:
    reader = ModelReader(ModelConfig(fake.base_url, "fake-model", timeout=5.0))
    fake.body = deep_body()
    started = time.monotonic()
    try:
        report = await reader.check()
    finally:
        await reader.close()
    assert not report.server_answers
    assert any("malformed" in p for p in report.problems)
    assert time.monotonic() - started < 5.0
