"""Fixtures shared by the model-reader tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness.fake_openai import FakeOpenAI


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    """The fake OpenAI-compatible server on 127.0.0.1."""
    async with FakeOpenAI() as server:
        yield server
