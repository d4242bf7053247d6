"""news.secret.Secret: a token or password that never shows itself."""

from __future__ import annotations

import copy
import pickle

import pytest

from news.secret import Secret

TEXT = "sk-Cormorant-9021"


def test_it_never_shows_its_text() -> None:
    secret = Secret(TEXT)
    assert secret.get_secret_value() == TEXT
    for shown in (
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>20}",
        f"{[secret]}",
    ):
        assert TEXT not in shown and "**********" in shown


def test_equal_by_value_hashable_and_frozen() -> None:
    assert Secret(TEXT) == Secret(TEXT) and Secret(TEXT) != Secret("other")
    assert Secret(TEXT) != TEXT  # never equal to the bare string
    assert len({Secret(TEXT), Secret(TEXT), Secret("other")}) == 2
    secret = Secret(TEXT)
    with pytest.raises(AttributeError):
        secret._value = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del secret._value
    assert secret.get_secret_value() == TEXT


def test_copies_and_pickles_keep_the_value() -> None:
    secret = Secret(TEXT)
    assert (
        copy.copy(secret) == copy.deepcopy(secret) == pickle.loads(pickle.dumps(secret)) == secret
    )
