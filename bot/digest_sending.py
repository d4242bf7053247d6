"""Sending a digest where its schedule delivers (issue 21), beside the client, as
:mod:`bot.feed_sending` does a feed's stories:

* ``channel``: its messages in the channel, as before;
* ``thread``: the same, with a public thread opened on its first message and named after
  the digest ("News digest · 7 December 2026"), for discussing it;
* ``forum``: one forum post per digest, titled the same, the first message as the post's
  opening (with the schedule's tag, if any) and the rest inside the post.

In an announcement channel, ``publish`` crossposts each message to following servers when
the bot may; when it may not, the digest still posts and the note says why (/digest show).

Each message allows no mention at all. ``sent(message)`` is awaited as soon as Discord took
a message, before anything else is sent (a thread, a crosspost, the next message): the
slot runner's record of what reached Discord, which keeps a retry from posting it twice.
Discord's refusals become :class:`bot.delivery.DeliveryError` (counted toward pausing the
schedule) or :class:`~bot.delivery.TransientDeliveryError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from zoneinfo import ZoneInfo

import discord

from bot.delivery import DeliveryError, refusals
from bot.digest import Digest, DigestMessage, message_nonce
from bot.feed_sending import NO_MENTIONS, publish_message

Sent = Callable[[DigestMessage], Awaitable[None]]


def digest_title(digest: Digest, timezone: str | None) -> str:
    """The name of a digest's thread or forum post: its date where the schedule is."""
    moment = digest.until
    if timezone:
        moment = moment.astimezone(ZoneInfo(timezone))
    return f"News digest · {moment.day} {moment:%B %Y}"


def _channel(client: discord.Client, channel_id: int) -> discord.abc.Messageable:
    channel = client.get_channel(channel_id) or client.get_partial_messageable(channel_id)
    if isinstance(channel, discord.ForumChannel):
        raise DeliveryError(
            f"<#{channel_id}> is a forum: choose where:forum with /digest deliver, or a"
            " text channel."
        )
    if not isinstance(channel, discord.abc.Messageable):
        raise DeliveryError(
            f"<#{channel_id}> is not a channel I can post in: choose a text channel."
        )
    return channel


async def _send(channel: discord.abc.Messageable, channel_id: int, message: DigestMessage) -> int:
    with refusals(
        "The digest channel no longer exists: choose another with /digest set.",
        f"I'm not allowed to post in <#{channel_id}>: I need View Channel, Send Messages"
        " and Embed Links there.",
    ):
        nonce = message_nonce(channel_id, message.article_ids)
        if nonce is None:
            posted = await channel.send(
                content=message.content, embeds=list(message.embeds), allowed_mentions=NO_MENTIONS
            )
        else:
            posted = await channel.send(
                content=message.content,
                embeds=list(message.embeds),
                allowed_mentions=NO_MENTIONS,
                nonce=nonce,
            )
    return posted.id


async def send_digest(
    client: discord.Client,
    channel_id: int,
    digest: Digest,
    messages: Sequence[DigestMessage],
    sent: Sent,
    *,
    title: str,
) -> str | None:
    """Send a digest's messages where it delivers; the publishing note for /digest show
    (None: nothing to say; "": publishing worked, which clears an old note)."""
    if not messages:
        return None
    delivery = digest.delivery
    if delivery.deliver == "forum":
        await _forum_post(client, channel_id, delivery.forum_tag, messages, sent, title)
        return None
    channel = _channel(client, channel_id)
    note: str | None = None
    for index, message in enumerate(messages):
        message_id = await _send(channel, channel_id, message)
        await sent(message)
        if index == 0 and delivery.deliver == "thread":
            await _thread(channel, channel_id, message_id, title)
        if delivery.publish:
            note = await publish_message(
                client, channel_id, message_id, f"digest of guild {digest.guild_id}"
            )
    return note


async def _thread(
    channel: discord.abc.Messageable, channel_id: int, message_id: int, title: str
) -> None:
    if not hasattr(channel, "get_partial_message"):
        raise DeliveryError(f"I can't open threads in <#{channel_id}>: choose a text channel.")
    with refusals(
        "The digest's message was gone before its thread was made: run /digest now.",
        f"I'm not allowed to make threads in <#{channel_id}>: I need Create Public Threads there.",
    ):
        await channel.get_partial_message(message_id).create_thread(
            name=title, auto_archive_duration=1440
        )


async def _forum_post(
    client: discord.Client,
    forum_id: int,
    tag_id: int | None,
    messages: Sequence[DigestMessage],
    sent: Sent,
    title: str,
) -> None:
    forum = client.get_channel(forum_id)
    if not isinstance(forum, discord.ForumChannel):
        raise DeliveryError(
            f"I can't find the digest's forum <#{forum_id}> (deleted, or not a forum):"
            " choose one with /digest deliver."
        )
    tags = []
    if tag_id is not None:
        tag = forum.get_tag(tag_id)
        if tag is None:
            raise DeliveryError(
                f"The digest's tag is gone from <#{forum_id}>: choose another with /digest deliver."
            )
        tags.append(tag)
    first, *rest = messages
    with refusals(
        f"The digest's forum <#{forum_id}> no longer exists: choose another with /digest deliver.",
        f"I'm not allowed to post in <#{forum_id}>: I need Send Messages and Embed Links there.",
    ):
        made = await forum.create_thread(
            name=title,
            content=first.content,
            embeds=list(first.embeds),
            applied_tags=tags,
            allowed_mentions=NO_MENTIONS,
        )
    await sent(first)
    for message in rest:  # a long digest goes on inside its post
        await _send(made.thread, made.thread.id, message)
        await sent(message)
