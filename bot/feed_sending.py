"""Sending a feed's stories beside the client: to a channel, to a thread per story, as
forum posts, and publishing in an announcement channel; editing a story's message to
add "also reported by".

Every message allows no mention but the feed's one role, and only when the message pings
it. Discord's refusals become :class:`bot.delivery.DeliveryError` (posting pauses until
/feed resume) or :class:`~bot.delivery.TransientDeliveryError` (tried again next poll).
A missing permission to publish is not a refusal to post: it is a note in /feed list.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
import discord

from bot.delivery import DeliveryError, refusals
from bot.feed_formats import StoryMessage
from news.domain import Feed

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


@dataclass(frozen=True)
class Sent:
    """A message Discord took: the stories it carries, where it lives (a forum post's
    first message lives in the post), and the story's own thread if it has one."""

    article_ids: tuple[int, ...]
    channel_id: int
    message_id: int
    thread_id: int | None
    content: str | None


@dataclass
class Delivered:
    sent: list[Sent] = field(default_factory=list)
    # None: nothing to say; "": publishing worked (clears an old note); text: the note.
    note: str | None = None


def allowed(message: StoryMessage) -> discord.AllowedMentions:
    """Exactly the feed's role when the message pings it; nothing otherwise."""
    if message.ping_role is None:
        return NO_MENTIONS
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(message.ping_role)], replied_user=False
    )


def _check_role(client: discord.Client, feed: Feed) -> None:
    role = feed.delivery.ping_role
    if role is None or feed.guild_id is None:
        return
    guild = client.get_guild(feed.guild_id)
    if guild is not None and guild.get_role(role) is None:
        raise DeliveryError(
            "The role this feed pings no longer exists: choose another with /feed ping,"
            " then /feed resume."
        )


async def send_stories(
    client: discord.Client, feed: Feed, messages: Sequence[StoryMessage]
) -> Delivered:
    """Send one poll's messages where the feed delivers (discord.py waits out the rate
    limits of each route between them)."""
    assert feed.channel_id is not None
    _check_role(client, feed)
    done = Delivered()
    where = feed.delivery.deliver
    for message in messages:
        if where == "forum":
            done.sent.append(await _forum_post(client, feed, message))
            continue
        sent = await _channel_message(client, feed, message)
        done.sent.append(sent)
        if where == "thread":
            done.sent[-1] = await _thread(client, feed, sent, message.title)
        elif feed.delivery.publish:
            done.note = await _publish(client, feed, sent)
    return done


async def _channel_message(client: discord.Client, feed: Feed, message: StoryMessage) -> Sent:
    channel_id = feed.channel_id
    assert channel_id is not None
    channel = client.get_channel(channel_id) or client.get_partial_messageable(channel_id)
    if not isinstance(channel, discord.abc.Messageable):
        raise DeliveryError(f"<#{channel_id}> is not a channel I can post in: choose another.")
    with refusals(
        "The feed's channel no longer exists: choose another with /feed resume.",
        f"I'm not allowed to post in <#{channel_id}>: I need View Channel, Send Messages"
        " and Embed Links there.",
    ):
        posted = await channel.send(
            content=message.content, embeds=list(message.embeds), allowed_mentions=allowed(message)
        )
    return Sent(message.article_ids, channel_id, posted.id, None, message.content)


async def _thread(client: discord.Client, feed: Feed, sent: Sent, title: str) -> Sent:
    channel = client.get_channel(sent.channel_id) or client.get_partial_messageable(sent.channel_id)
    assert isinstance(channel, discord.abc.Messageable)
    with refusals(
        "The story's message was gone before its thread was made: try /feed resume.",
        f"I'm not allowed to make threads in <#{sent.channel_id}>: I need Create Public"
        " Threads there.",
    ):
        thread = await channel.get_partial_message(sent.message_id).create_thread(
            name=title or "Story", auto_archive_duration=1440
        )
    return Sent(sent.article_ids, sent.channel_id, sent.message_id, thread.id, sent.content)


async def _forum_post(client: discord.Client, feed: Feed, message: StoryMessage) -> Sent:
    forum_id = feed.channel_id
    assert forum_id is not None
    forum = client.get_channel(forum_id)
    if not isinstance(forum, discord.ForumChannel):
        raise DeliveryError(
            f"I can't find the feed's forum <#{forum_id}> (deleted, or not a forum):"
            " choose one with /feed deliver, then /feed resume."
        )
    tags = []
    if feed.delivery.forum_tag is not None:
        tag = forum.get_tag(feed.delivery.forum_tag)
        if tag is None:
            raise DeliveryError(
                f"The feed's tag is gone from <#{forum_id}>: choose another with"
                " /feed deliver, then /feed resume."
            )
        tags.append(tag)
    with refusals(
        f"The feed's forum <#{forum_id}> no longer exists: choose another with"
        " /feed deliver, then /feed resume.",
        f"I'm not allowed to post in <#{forum_id}>: I need Send Messages and Embed Links there.",
    ):
        made = await forum.create_thread(
            name=message.title or "Story",
            content=message.content,
            embeds=list(message.embeds),
            applied_tags=tags,
            allowed_mentions=allowed(message),
        )
    return Sent(
        message.article_ids, made.thread.id, made.message.id, made.thread.id, message.content
    )


async def _publish(client: discord.Client, feed: Feed, sent: Sent) -> str:
    """Crosspost to following servers when the bot may; the note /feed list shows ("" once
    it worked)."""
    return await publish_message(client, sent.channel_id, sent.message_id, f"feed {feed.id}")


async def publish_message(
    client: discord.Client, channel_id: int, message_id: int, what: str
) -> str:
    """Crosspost a message to following servers when the bot may; the note a moderator
    is shown ("" once it worked). Feeds' stories and digests alike (``what`` names the
    sender in the log)."""
    channel = client.get_channel(channel_id)
    if not isinstance(channel, discord.TextChannel) or not channel.is_news():
        return f"<#{channel_id}> is not an announcement channel: nothing is published."
    me = channel.guild.me
    if me is not None and not channel.permissions_for(me).send_messages:
        return f"I can't publish in <#{channel_id}>: I need Send Messages there."
    try:
        await channel.get_partial_message(message_id).publish()
    except discord.Forbidden:
        return f"I can't publish in <#{channel_id}>: I lack the permission there."
    except discord.HTTPException as err:
        log.warning("%s: publishing failed (%s)", what, err.status)
    return ""


async def edit_content(
    client: discord.Client, channel_id: int, message_id: int, content: str
) -> bool:
    """Replace a story message's content (its cards stay); False when Discord refused
    (the message or its channel is gone): the line is not worth pausing a feed for."""
    channel = client.get_channel(channel_id) or client.get_partial_messageable(channel_id)
    if not hasattr(channel, "get_partial_message"):
        return False
    try:
        await channel.get_partial_message(message_id).edit(
            content=content, allowed_mentions=NO_MENTIONS
        )
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError):
        log.info("could not add a line to message %s in %s", message_id, channel_id)
        return False
    return True
