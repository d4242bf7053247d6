"""What posting to Discord can fail with, for digests and feed items alike: the channel
refused (pause, tell the moderators) or Discord failed for now (try again later). The
cogs turn discord.py's errors into these (``cogs/views.py``, ``deliver``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import aiohttp
import discord


class DeliveryError(Exception):
    """The channel cannot take the digest (deleted, or a permission is missing).

    ``str(err)`` is a sentence for moderators; these count toward pausing a schedule.
    """


class TransientDeliveryError(Exception):
    """Discord did not take a message for a reason that may pass (a server error, a
    timeout, a dropped connection). Not counted toward pausing; the next digest posts
    what this one did not."""


@contextlib.contextmanager
def refusals(gone: str, forbidden: str) -> Iterator[None]:
    """Discord's answers to a send, as the two errors above: a deleted channel, thread or
    role (``gone``) or a missing permission (``forbidden``) is a DeliveryError; a server
    error or a network failure, a TransientDeliveryError."""
    try:
        yield
    except discord.DiscordServerError as err:
        raise TransientDeliveryError(f"Discord server error {err.status}") from err
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        raise TransientDeliveryError("connection to Discord failed") from err
    except discord.NotFound:
        raise DeliveryError(gone) from None
    except discord.Forbidden:
        raise DeliveryError(forbidden) from None
