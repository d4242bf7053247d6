"""Feed use cases: subscribe (with discovery), preview, list, resume, remove and poll
now, shared by ``/feed`` and ``newsbot feed``. Polling itself is
:class:`bot.app.feed_polling.FeedPolling`, which these cases extend.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from bot.app.feed_polling import (
    DEFAULT_INTERVAL,
    MIN_INTERVAL,
    PREVIEW_ITEMS,
    FeedPolling,
    Found,
    Notifier,
)
from bot.app.feed_posting import Editor, Poster
from bot.app.feed_settings import check_delivery
from bot.feed_cards import PollReport
from news.domain import Article, Feed, FeedExists, FeedLimitReached
from news.errors import InputError, NewsError
from news.feed_parse import FeedItem, keywords


def _too_many(guild_id: int | None, limit: int) -> InputError:
    if guild_id is None:
        return InputError(f"There are already {limit} global feeds, the most there may be.")
    return InputError(f"This server already follows {limit} feeds, the most it may.")


class FeedCases(FeedPolling):
    """The feeds' use cases (one per desk); the bot attaches its posting with
    :meth:`attach`, the command line never does."""

    def attach(
        self, *, post: Poster | None, notify: Notifier | None, edit: Editor | None = None
    ) -> None:
        """Post new items and pause notices with the bot's ``post`` and ``notify``; add
        "also reported by" to a posted story with its ``edit``."""
        self.post = post
        self.notify = notify
        self.edit = edit

    # -- delivery (issue 21) -------------------------------------------------------------

    async def configure(
        self,
        feed_id: int,
        guild_id: int | None,
        changes: Mapping[str, object],
        *,
        any_scope: bool = False,
    ) -> Feed:
        """Change how and where a feed delivers; every value is checked first, so a bad
        one changes nothing (one line of InputError says why)."""
        feed = await (self.get(feed_id) if any_scope else self.get(feed_id, guild_id))
        checked = check_delivery(feed, changes)
        updated = await self.store.set_delivery(feed.id, feed.guild_id, checked, any_scope=True)
        if updated is None:
            raise InputError(f"There is no feed #{feed_id} here.")
        if {"include_regex", "exclude_regex"} & set(checked):
            await self.store.clear_rule_counts(feed.id)  # new rules, new counts
        return updated

    async def rule_counts(self, feed_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        return await self.store.rule_counts(feed_ids)

    async def story_in_thread(self, thread_id: int, guild_id: int | None) -> int | None:
        """The article whose own thread or forum post ``thread_id`` is, if any."""
        story = await self.store.story_in_thread(thread_id, guild_id)
        return story.article_id if story else None

    async def latest(self, feed: Feed) -> Article | None:
        """The feed's newest stored item (what /feed preview shows in its format)."""
        for article_id, _ in await self.store.seen_details(feed.id, limit=20):
            if article_id is not None:
                try:
                    return await self.desk.get(article_id, feed.guild_id)
                except NewsError:
                    continue
        return None

    # -- subscriptions --------------------------------------------------------------------

    async def subscribe(
        self,
        url: str,
        *,
        guild_id: int | None,
        channel_id: int | None = None,
        include: str | None = None,
        exclude: str | None = None,
        added_by: int | None = None,
        interval: int = DEFAULT_INTERVAL,
        post_latest: bool = False,
    ) -> tuple[Feed, PollReport]:
        """Find the feed, subscribe the scope and run the first poll, which stores the
        items and posts none of them, or only the newest few with ``post_latest``."""
        if await self.store.count(guild_id) >= self.max_feeds:
            raise _too_many(guild_id, self.max_feeds)
        found = await self.find(url)
        now = self.clock()
        try:
            feed = await self.store.add(
                guild_id,
                found.url,
                now=now,
                next_poll=now,
                title=found.parsed.title,
                site_url=found.parsed.site_url,
                channel_id=channel_id,
                include_words=",".join(keywords(include)),
                exclude_words=",".join(keywords(exclude)),
                interval_minutes=max(MIN_INTERVAL, interval),
                added_by=added_by,
                limit=self.max_feeds,
            )
        except FeedExists as err:
            if guild_id is None:
                raise InputError(
                    f"That feed is already followed globally (#{err.feed.id})."
                ) from None
            raise InputError(f"This server already follows that feed (#{err.feed.id}).") from None
        except FeedLimitReached:
            raise _too_many(guild_id, self.max_feeds) from None
        report = await self._poll_safely(
            feed, self._poll_with(feed, found.response, found.parsed, post_latest=post_latest)
        )
        return await self.store.get(feed.id, any_scope=True) or feed, report

    async def preview(self, url: str) -> tuple[Found, list[FeedItem]]:
        """The feed's newest items; nothing is stored."""
        found = await self.find(url)
        return found, list(found.parsed.items[:PREVIEW_ITEMS])

    async def resume(self, feed_id: int, guild_id: int | None) -> Feed:
        feed = await self.store.resume(feed_id, guild_id, next_poll=self.clock())
        if feed is None:
            raise InputError(f"There is no feed #{feed_id} here.")
        return feed

    async def remove(self, feed_id: int, guild_id: int | None, *, any_scope: bool = False) -> Feed:
        feed = await self.store.remove(feed_id, guild_id, any_scope=any_scope)
        if feed is None:
            raise InputError(f"There is no feed #{feed_id} here.")
        return feed

    async def get(self, feed_id: int, guild_id: int | None = None) -> Feed:
        """The feed, in ``guild_id``'s scope (None: any scope, the command line)."""
        feed = (
            await self.store.get(feed_id, any_scope=True)
            if guild_id is None
            else await self.store.get(feed_id, guild_id)
        )
        if feed is None:
            raise InputError(f"There is no feed #{feed_id}.")
        return feed

    async def subscriptions(self, guild_id: int | None, *, all_scopes: bool = False) -> list[Feed]:
        return await self.store.subscriptions(guild_id, all_scopes=all_scopes)

    async def names(self, guild_id: int, prefix: str) -> list[Feed]:
        """The scope's feeds whose name starts with ``prefix`` (autocomplete)."""
        return await self.store.names(guild_id, prefix[:100])

    async def last_refusals(self, feed_ids: Sequence[int]) -> dict[int, str]:
        return await self.store.last_refusals(feed_ids)

    async def poll_now(self, feed_id: int | None) -> list[PollReport]:
        """Poll one feed (any scope) or every feed now, due or not (the command line)."""
        if feed_id is not None:
            targets = [await self.get(feed_id)]
        else:
            targets = await self.store.subscriptions(None, all_scopes=True)
        return list(await asyncio.gather(*(self.poll(f) for f in targets)))
