"""A string that never shows itself: a token, a password, an API key.

``repr()``, ``str()`` and f-strings give ``'**********'``; only
:meth:`Secret.get_secret_value` gives the text. Two secrets are equal when their texts
are, and a secret is hashable and cannot be changed.
"""

from __future__ import annotations

from typing import Any

MASK = "**********"


class Secret:
    """A secret string: masked wherever it is printed or logged."""

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Secret cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Secret cannot be changed")

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        # copy.deepcopy (dataclasses.asdict) and pickle rebuild it through __init__.
        return (Secret, (self._value,))
