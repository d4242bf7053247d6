"""Errors a user can cause; their message is one sentence fit to show them. And the id
that ties a bug of ours, logged with its traceback, to what the user was told."""

from __future__ import annotations

import secrets


def new_error_id() -> str:
    """Eight hex characters that tie a user's apology (or a degraded answer) to the log
    line of the bug behind it."""
    return secrets.token_hex(4)


class NewsError(Exception):
    """Base for user-facing failures: ``str(err)`` is one sentence for the user."""


class FetchError(NewsError):
    """A URL could not be fetched or was refused by the safety rules."""


class ExtractionError(NewsError):
    """A page or file held no article text we could use."""


class InputError(NewsError):
    """The text, file or option the user gave is unusable."""


class NotFoundError(NewsError):
    """The article asked for does not exist in the caller's scope."""
