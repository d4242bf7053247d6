"""Fixtures shared by every test package (keep this small: most fixtures live beside their tests)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import settings

from news.domain import Article

# In CI, property tests draw the same examples every run: a red build is reproducible
# and never a coin toss. Locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def make_article(**fields: Any) -> Article:
    """An Article as storage returns it, with plain defaults for whatever is not given."""
    values: dict[str, Any] = {
        "id": 1,
        "guild_id": 1001,
        "url": "https://news.example/harbour",
        "url_norm": "news.example/harbour",
        "title": "Harbour wall repaired",
        "source": "Harbour Herald",
        "author": None,
        "published": date(2024, 5, 1),
        "added_at": datetime(2024, 5, 2, 8, 30, tzinfo=UTC),
        "added_by": None,
        "text": "Crews finished repairing the harbour wall on Monday.\nThe work took six weeks.",
        "content_hash": "0" * 16,
        "summary": None,
    }
    values.update(fields)
    return Article(**values)


@pytest.fixture
def article_factory() -> Callable[..., Article]:
    return make_article
