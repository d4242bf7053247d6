"""Errors a user can cause; their message is one sentence fit to show them."""

from __future__ import annotations


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
