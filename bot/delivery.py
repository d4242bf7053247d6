"""What posting to Discord can fail with, for digests and feed items alike: the channel
refused (pause, tell the moderators) or Discord failed for now (try again later). The
cogs turn discord.py's errors into these (``cogs/views.py``, ``deliver``)."""

from __future__ import annotations


class DeliveryError(Exception):
    """The channel cannot take the digest (deleted, or a permission is missing).

    ``str(err)`` is a sentence for moderators; these count toward pausing a schedule.
    """


class TransientDeliveryError(Exception):
    """Discord did not take a message for a reason that may pass (a server error, a
    timeout, a dropped connection). Not counted toward pausing; the next digest posts
    what this one did not."""
