"""Posting a poll's new stories: one story, many sources ("also reported by"), the claim
per channel, the bot's ``post``, and the record of what went where.

The bot's ``post`` (``cogs/feeds.py``) renders and sends; this side decides what to send.
A story another of the guild's feeds posted within the day is not posted again: the
earlier message gets "also reported by" with a link (:func:`news.stories.first_report`,
the search's near-duplicate rule). The check and the record happen under one lock per
guild, so two of a guild's feeds polled in the same round cannot both post a story; a
guild's feeds are all polled by the one process that runs its shard.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from bot.delivery import DeliveryError, TransientDeliveryError
from bot.feed_cards import PollReport
from bot.feed_formats import also_head, also_line
from bot.style import MESSAGE_LIMIT
from news.domain import Article, Feed, StoryPost
from news.retrieval import NEAR_DUP_CHARS
from news.stories import WINDOW, Posted, first_report

if TYPE_CHECKING:
    from bot.feed_sending import Delivered
    from storage.interfaces import Feeds

log = logging.getLogger(__name__)
T = TypeVar("T")

Poster = Callable[[Feed, Sequence[Article], int], Awaitable["Delivered | None"]]
# (channel id, message id, new content) -> whether Discord took the edit
Editor = Callable[[int, int, str], Awaitable[bool]]


# Stories whose shingles are kept between polls: a day of a busy guild's stories. Past it
# the cache starts again (each entry is a few kB of hashes).
SHINGLE_CACHE = 20_000


def repeats(
    articles: Sequence[Article],
    source: str,
    now: datetime,
    recent: Sequence[StoryPost],
    known: Mapping[int, Posted],
) -> tuple[dict[int, StoryPost], dict[int, Posted]]:
    """Which of ``articles`` repeat a story posted before (by article id), and the
    shingles of recent stories not in ``known`` yet (the caller keeps them); CPU work."""
    new = {
        p.article_id: Posted.of(p.article_id, p.source, p.link, p.posted_at, p.opening)
        for p in recent
        if p.article_id not in known
    }
    posted = [known.get(p.article_id) or new[p.article_id] for p in recent]
    by_id = {p.article_id: p for p in recent}
    found: dict[int, StoryPost] = {}
    for article in articles:
        if article.id in by_id:
            # Stored once already (the same text): another feed's copy is a second
            # source; this feed's own story again is left to the claim per channel.
            if by_id[article.id].source != source:
                found[article.id] = by_id[article.id]
            continue
        first = first_report(article.text, source, now, posted)
        if first is not None:
            found[article.id] = by_id[first.article_id]
    return found, new


def with_also(content: str | None, article_id: int, title: str, name: str, url: str | None) -> str:
    """``content`` with ``name`` added to story ``#article_id``'s "also reported by" line."""
    line = also_line(article_id, title, [(name, url)])
    head = also_head(article_id, title)
    lines = content.split("\n") if content else []
    for index, existing in enumerate(lines):
        if existing.startswith(f"↳ #{article_id} ") and "also reported by " in existing:
            lines[index] = existing + ", " + line[len(head) :]
            return "\n".join(lines)
    return "\n".join([*lines, line])


class StoryPosting:
    """The posting half of :class:`bot.app.feed_polling.FeedPolling`."""

    store: Feeds
    post: Poster | None
    edit: Editor | None = None
    clock: Callable[[], datetime]
    _guild_locks: defaultdict[int, asyncio.Lock]
    _sending: dict[tuple[int, int], asyncio.Event]  # (guild, article) being sent now
    _shingles: dict[int, dict[int, Posted]]  # guild -> article id -> its shingles
    _edit_locks: weakref.WeakValueDictionary[int, asyncio.Lock]  # message id -> its lock

    async def _run_cpu(self, fn: Callable[..., T], *args: object) -> T:
        raise NotImplementedError

    async def _post(
        self, feed: Feed, report: PollReport, candidates: Sequence[Article], more: int
    ) -> None:
        if self.post is None or feed.channel_id is None or feed.posting_paused:
            return
        if not candidates:
            return
        now = self.clock()
        guild = feed.guild_id or 0
        # Only the check and the claims hold the guild's lock: a story is recorded as
        # posted before it is sent, so another of the guild's feeds finds it at once,
        # and the sending itself (the slow part) runs beside the other feeds'.
        async with self._guild_locks[guild]:
            recent = await self.store.recent_stories(feed.guild_id, now - WINDOW)
            again: dict[int, StoryPost] = {}
            if recent:
                known = self._shingles.setdefault(guild, {})
                again, new = await self._run_cpu(
                    repeats, candidates, feed.name, now, recent, dict(known)
                )
                if len(known) + len(new) > SHINGLE_CACHE:
                    known.clear()
                known.update(new)
            claimed = set(
                await self.store.claim_posts(
                    feed.channel_id, [a.id for a in candidates], feed_id=feed.id, now=now
                )
            )
            articles = [a for a in candidates if a.id in claimed and a.id not in again]
            # A repeat is claimed too (it never posts later), and announced even when the
            # claim found it posted: that is the same article stored from two feeds.
            repeated = [a for a in candidates if a.id in again]
            await self.store.record_stories([_story(feed, a, now) for a in articles])
            sending = {a.id: asyncio.Event() for a in articles}
            self._sending.update({(guild, i): e for i, e in sending.items()})
        try:
            if articles:
                await self._send(feed, report, articles, more, now)
        finally:
            for article_id, done in sending.items():
                done.set()
                self._sending.pop((guild, article_id), None)
        for article in repeated:
            await self._also(feed, article, again[article.id], report.links.get(article.id))

    async def _send(
        self,
        feed: Feed,
        report: PollReport,
        articles: Sequence[Article],
        more: int,
        now: datetime,
    ) -> None:
        assert self.post is not None and feed.channel_id is not None
        try:
            delivered = await self.post(feed, articles, more)
        except DeliveryError as err:
            await self.store.pause_posting(feed.id, str(err))
            report.detail = f"posting paused: {err}"
            return
        except TransientDeliveryError as err:
            # Tried again next poll. (A poll cancelled mid-send keeps its claims, as it
            # always did: posting a story twice is worse than missing one.)
            ids = [a.id for a in articles]
            await self.store.release_posts(feed.channel_id, ids)
            await self.store.forget_stories(feed.guild_id, ids)
            report.detail = f"posting failed: {err}"
            return
        report.posted = len(articles)
        if delivered is not None:
            await self._record(feed, articles, delivered, now)

    async def _record(
        self, feed: Feed, articles: Sequence[Article], delivered: Delivered, now: datetime
    ) -> None:
        by_id = {a.id: a for a in articles}
        posts = [
            StoryPost(
                guild_id=feed.guild_id,
                article_id=article_id,
                feed_id=feed.id,
                source=feed.name,
                link=by_id[article_id].url,
                opening=by_id[article_id].text[:NEAR_DUP_CHARS],
                posted_at=now,
                channel_id=sent.channel_id,
                message_id=sent.message_id,
                thread_id=sent.thread_id,
                content=sent.content,
            )
            for sent in delivered.sent
            for article_id in sent.article_ids
            if article_id in by_id
        ]
        await self.store.story_sent(posts)
        if delivered.note is not None and (delivered.note or feed.delivery.note):
            await self.store.note_delivery(feed.id, delivered.note or None)

    async def _also(self, feed: Feed, article: Article, first: StoryPost, link: str | None) -> None:
        """Add this feed, linked to its own copy, to the earlier story's line: once the
        earlier story is sent (another feed of the guild may be sending it right now),
        under its message's lock, so two feeds adding to one message lose neither."""
        guild = feed.guild_id or 0
        sending = self._sending.get((guild, first.article_id))
        if sending is not None:
            await sending.wait()
        if self.edit is None:
            return
        sent = await self.store.get_story(feed.guild_id, first.article_id)
        if sent is None or sent.message_id is None:
            return  # never sent (Discord refused it): nothing to add to
        lock = self._edit_locks.get(sent.message_id)
        if lock is None:  # held alive by those who wait on it, then forgotten
            lock = self._edit_locks[sent.message_id] = asyncio.Lock()
        async with lock:
            latest = await self.store.get_story(feed.guild_id, first.article_id)
            if latest is None or latest.channel_id is None or latest.message_id is None:
                return
            content = with_also(
                latest.content, latest.article_id, article.title, feed.name, link or article.url
            )
            if len(content) > MESSAGE_LIMIT:
                return  # a line too many: the story stays as it was
            if await self.edit(latest.channel_id, latest.message_id, content):
                await self.store.set_story_content(feed.guild_id, latest.message_id, content)


def _story(feed: Feed, article: Article, now: datetime) -> StoryPost:
    """A story recorded as the guild's before it is sent (where it went comes after)."""
    return StoryPost(
        guild_id=feed.guild_id,
        article_id=article.id,
        feed_id=feed.id,
        source=feed.name,
        link=article.url,
        opening=article.text[:NEAR_DUP_CHARS],
        posted_at=now,
    )
