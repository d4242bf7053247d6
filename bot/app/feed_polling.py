"""Polling a feed: the conditional fetch under per-host and global limits, parsing,
what is new, storing each item like ``/article add``, posting it once per channel, and
the next poll (the feed's interval, the server's hints, jitter, back-off, a pause).

:meth:`FeedPolling.poll` polls one feed; :meth:`FeedPolling.poll_due` is a round of the
bot's job (:mod:`bot.app.feed_job`). Every item ends in
:meth:`bot.app.articles.ArticleCases.add_batch`, like every other article.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from bot.app.drafts import AddResult, Draft
from bot.app.feed_posting import Editor, Poster, StoryPosting
from bot.delivery import DeliveryError, TransientDeliveryError
from bot.feed_cards import PollReport, feed_rules
from news.domain import Feed, PollRecord
from news.errors import FetchError, InputError, NewsError
from news.feed_fetch import FeedLink, FeedResponse, discover, fetch_feed, looks_like_feed
from news.feed_parse import FeedError, FeedItem, ParsedFeed, parse_feed
from news.filters import Fields, Filter
from news.stories import Posted
from news.urls import url_problem
from storage.interfaces import Feeds
from storage.shards import Shards

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_INTERVAL = 15  # minutes
MIN_INTERVAL = 5
MAX_INTERVAL = 24 * 60
PAUSE_AFTER = 5  # failed polls in a row
MAX_BACKOFF = timedelta(hours=6)
JITTER = 0.1  # each next poll moves by up to ±10 % of the interval
TICK_SECONDS = 30  # how often the poller looks for due feeds
RESTART_SPREAD = timedelta(minutes=5)  # overdue feeds after a start are spread over this
# A round claims its due feeds until this long from now (the poll's record then sets the
# real next poll): longer than a round of polls takes, so no other process takes them
# meanwhile; a process that dies mid-round leaves its feeds to be taken again after it.
POLL_LEASE = timedelta(minutes=15)
DUE_PER_ROUND = 100  # feeds one round takes at most; the rest wait for the next tick
PER_HOST = 2  # requests at once to one host
# Below this an item's own text is a teaser, not an article worth storing.
FALLBACK_MIN_CHARS = 200
PREVIEW_ITEMS = 3
POST_LATEST = 3  # items a new subscription posts when the moderator asks for them

Clock = Callable[[], datetime]
Notifier = Callable[[Feed, str], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


class FeedChoices(InputError):
    """The page announces several feeds; ``links`` are the choices."""

    def __init__(self, links: Sequence[FeedLink]) -> None:
        listed = "; ".join(link.url for link in links[:5])
        super().__init__(f"That page has {len(links)} feeds, pick one: {listed}")
        self.links = list(links)


@dataclass(frozen=True)
class Found:
    """A feed fetched and parsed (from its URL or a page that announced it)."""

    url: str
    response: FeedResponse
    parsed: ParsedFeed


def next_interval(feed: Feed) -> int:
    """Minutes until the next poll: the feed's own interval, or the server's ttl or
    Cache-Control when that asks for longer."""
    return min(max(feed.interval_minutes, feed.server_minutes or 0, MIN_INTERVAL), MAX_INTERVAL)


NO_INCLUDE = "matched no include rule"


def feed_filter(feed: Feed) -> Filter:
    """The feed's rules: its keywords (as before) and its regular expressions (RE2)."""
    return Filter(feed_rules(feed))


def sift(rules: Filter, items: Sequence[FeedItem]) -> tuple[list[bool], dict[str, int]]:
    """Which items the rules want, and how many each rule (as shown) left out. CPU work
    on strangers' text: RE2 keeps it linear in the text, and it runs in the worker."""
    wanted: list[bool] = []
    left_out: dict[str, int] = {}
    for item in items:
        verdict = rules.verdict(
            Fields(item.title, item.summary, item.author or "", item.categories)
        )
        wanted.append(verdict.wanted)
        if not verdict.wanted:
            name = NO_INCLUDE if verdict.rule is None else rules.rules[verdict.rule].describe()
            left_out[name] = left_out.get(name, 0) + 1
    return wanted, left_out


class FeedPolling(StoryPosting):
    """Polling over one NewsDesk, under the limits. ``post`` and ``notify`` are the bot's
    (None from the command line, which stores but never posts). ``shards``: the bot
    process's, whose guilds' feeds (and, with shard 0, the global ones) its rounds poll;
    None: all."""

    def __init__(
        self,
        desk: NewsDesk,
        *,
        max_items: int = 30,
        max_feeds: int = 50,
        concurrency: int = 8,
        post: Poster | None = None,
        notify: Notifier | None = None,
        edit: Editor | None = None,
        clock: Clock = utcnow,
        rng: random.Random | None = None,
        shards: Shards | None = None,
    ) -> None:
        self.desk = desk
        self.shards = shards
        self.store: Feeds = desk.stores.feeds
        self.max_items = max_items
        self.max_feeds = max_feeds
        self.post = post
        self.notify = notify
        self.edit = edit
        self._guild_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._sending: dict[tuple[int, int], asyncio.Event] = {}
        self._shingles: dict[int, dict[int, Posted]] = {}
        self._edit_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self.clock = clock
        self.rng = rng or random.Random()
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(PER_HOST)
        )
        self._polling: set[int] = set()

    async def _run_cpu(self, fn: Callable[..., T], *args: object) -> T:
        return await self.desk.cpu.run(fn, *args)

    # -- the network, under the limits -----------------------------------------------------

    @contextlib.asynccontextmanager
    async def _slot(self, url: str) -> AsyncIterator[None]:
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").lower()
        async with self._hosts[host], self._global:
            yield

    async def _fetch_feed(self, url: str, feed: Feed | None = None) -> FeedResponse:
        async with self._slot(url):
            return await fetch_feed(
                url,
                etag=feed.etag if feed else None,
                last_modified=feed.last_modified if feed else None,
                allow_private=self.desk.allow_private_urls,
                timeout=self.desk.fetch_timeout,
            )

    async def find(self, url: str) -> Found:
        """The feed at ``url``, or the one feed the page at ``url`` announces."""
        url = url.strip()
        problem = url_problem(url)
        if problem is not None:  # "http://[::1" would raise deep inside the fetch
            raise FeedError(problem)
        response = await self._fetch_feed(url)
        if not looks_like_feed(response.body, response.content_type):
            html = response.body[:2_000_000].decode("utf-8", errors="replace")
            links = await self.desk.cpu.run(discover, html, response.url)
            if not links:
                raise FeedError("I found no RSS, Atom or JSON feed at that address or on its page.")
            if len(links) > 1:
                raise FeedChoices(links)
            response = await self._fetch_feed(links[0].url)
        parsed = await self._parse(response)
        return Found(response.moved_to or response.url, response, parsed)

    async def _parse(self, response: FeedResponse) -> ParsedFeed:
        return await self.desk.cpu.run(
            lambda: parse_feed(
                response.body,
                url=response.url,
                content_type=response.content_type,
                now=self.clock(),
            )
        )

    # -- polling --------------------------------------------------------------------------

    async def poll(self, feed: Feed) -> PollReport:
        """Poll one feed now: fetch (conditionally), store what is new, post it."""
        if feed.id in self._polling:
            return PollReport(feed.id, "busy", detail="This feed is being polled right now.")
        self._polling.add(feed.id)
        try:
            try:
                response = await self._fetch_feed(feed.url, feed)
                if response.not_modified:
                    return await self._settle(
                        feed, PollReport(feed.id, "not_modified", not_modified=True), response
                    )
                parsed = await self._parse(response)
            except NewsError as err:
                return await self._failed(feed, str(err))
            return await self._poll_safely(feed, self._poll_with(feed, response, parsed))
        finally:
            self._polling.discard(feed.id)

    async def _poll_safely(self, feed: Feed, polling: Awaitable[PollReport]) -> PollReport:
        """A poll that fails as a whole (a bug, the database) is a failed poll like a
        feed that cannot be fetched: counted, backed off and paused after PAUSE_AFTER,
        never a traceback that leaves the feed "ok" and due again at once."""
        try:
            return await polling
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.exception("feed %s: poll failed", feed.id)
            return await self._failed(feed, f"The poll failed ({type(err).__name__}).")

    async def poll_due(self) -> list[PollReport]:
        """Poll the feeds that are due (the scheduler's job), claimed in the database
        first: of several processes racing on one due feed, one polls it."""
        now = self.clock()
        claimed = await self.store.claim_due(
            now, until=now + POLL_LEASE, shards=self.shards, limit=DUE_PER_ROUND
        )
        # A feed polled right now on request (/feed poll) settles its own next poll.
        feeds = [f for f in claimed if f.id not in self._polling]
        return list(await asyncio.gather(*(self._guarded(feed) for feed in feeds)))

    async def _guarded(self, feed: Feed) -> PollReport:
        try:
            return await self.poll(feed)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            # Even recording the failure failed (the database is gone): the other feeds
            # still go on.
            log.exception("feed %s: poll failed", feed.id)
            return PollReport(feed.id, "failed", detail=type(err).__name__)

    async def spread_overdue(self) -> int:
        """After a start, move overdue feeds to random times over the next few minutes,
        so a restart does not poll every feed at once."""
        now = self.clock()
        overdue = await self.store.due(now, shards=self.shards, limit=100_000)
        spread = {
            feed.id: now + timedelta(seconds=self.rng.uniform(0, RESTART_SPREAD.total_seconds()))
            for feed in overdue
        }
        if spread:
            await self.store.reschedule(spread)
        return len(spread)

    async def _poll_with(
        self, feed: Feed, response: FeedResponse, parsed: ParsedFeed, *, post_latest: bool = False
    ) -> PollReport:
        first = feed.primed_at is None
        report = PollReport(feed.id, "ok", first=first)
        report.failed = len(parsed.refused)
        seen = await self.store.seen(feed.id, (k for item in parsed.items for k in item.keys))
        fresh: list[FeedItem] = []
        fresh_keys: set[str] = set()
        for item in parsed.items:
            if seen.intersection(item.keys) or fresh_keys.intersection(item.keys):
                continue  # the same item again (or twice in this document)
            fresh.append(item)
            fresh_keys.update(item.keys)
        rules = feed_filter(feed)
        verdicts, left_out = (
            await self.desk.cpu.run(sift, rules, fresh) if rules else ([True] * len(fresh), {})
        )
        wanted = [item for item, keep in zip(fresh, verdicts, strict=True) if keep]
        filtered = [item for item, keep in zip(fresh, verdicts, strict=True) if not keep]
        report.filtered = len(filtered)
        if left_out:
            await self.store.add_rule_counts(feed.id, left_out)
        taken, rest = wanted[: self.max_items], wanted[self.max_items :]
        report.over_limit = len(rest) + parsed.over_limit
        marks: list[tuple[Sequence[str], int | None, str | None]] = [
            (item.keys, None, "left out by the feed's rules") for item in filtered
        ]
        if first:
            # The backlog of a new subscription is not news: the newest items are stored,
            # the older ones are marked as handed over, so a later poll never posts them.
            marks += [
                (item.keys, None, "older than the first poll's newest items") for item in rest
            ]
        outcomes = await self._store_items(feed, taken)
        for item, (result, detail) in zip(taken, outcomes, strict=True):
            if isinstance(result, AddResult):
                report.articles.append(result.article)
                report.links[result.article.id] = item.link
                if result.duplicate:
                    report.duplicates += 1
                else:
                    report.new += 1
                if item.date_note:  # the feed's date was not used: say why
                    detail = f"{detail}; {item.date_note}" if detail else item.date_note
                marks.append((item.keys, result.article.id, detail))
            else:
                report.failed += 1
                marks.append((item.keys, None, detail))
        await self.store.mark_seen(feed.id, marks, now=self.clock())
        notes = [f"{r.title}: {r.reason}" for r in parsed.refused[:3]]
        report.detail = "; ".join(notes) or None
        if not first:
            await self._post(feed, report, report.articles, report.over_limit)
        elif post_latest:
            # Asked for by the moderator who subscribed: a taste of the feed, not its
            # backlog (the rest stay stored and are not counted as "more").
            await self._post(feed, report, report.articles[:POST_LATEST], 0)
        return await self._settle(feed, report, response, parsed)

    async def _store_items(
        self, feed: Feed, items: Sequence[FeedItem]
    ) -> list[tuple[AddResult | NewsError, str | None]]:
        drafts = await asyncio.gather(*(self._draft(item) for item in items))
        good = [(i, d) for i, (d, _) in enumerate(drafts) if isinstance(d, Draft)]
        results: list[tuple[AddResult | NewsError, str | None]] = [
            (d if isinstance(d, NewsError) else InputError("not stored"), note)
            for d, note in drafts
        ]
        if good:
            stored = await self._add_each([d for _, d in good], feed.guild_id)
            for (index, _), result in zip(good, stored, strict=True):
                note = drafts[index][1]
                if isinstance(result, NewsError):
                    note = str(result)
                results[index] = (result, note)
        return results

    async def _add_each(
        self, drafts: list[Draft], guild_id: int | None
    ) -> Sequence[AddResult | NewsError]:
        """The drafts stored in one transaction; when the database refuses that batch,
        each alone, so one item it cannot take is skipped with its reason, not the rest."""
        try:
            return await self.desk.add_batch(drafts, guild_id=guild_id)
        except NewsError:
            raise
        except Exception:
            log.warning("feed items refused as a batch; storing each alone", exc_info=True)
        results: list[AddResult | NewsError] = []
        for draft in drafts:
            try:
                results += await self.desk.add_batch([draft], guild_id=guild_id)
            except NewsError:
                raise
            except Exception as err:
                results.append(InputError(f"the database refused it ({type(err).__name__})"))
        return results

    async def _draft(self, item: FeedItem) -> tuple[Draft | NewsError, str | None]:
        """The item's draft: its page extracted, or its own text with the reason why."""
        why: str
        if item.link is not None:
            from news.fetch import fetch_html

            try:
                async with self._slot(item.link):
                    page = await fetch_html(
                        item.link,
                        allow_private=self.desk.allow_private_urls,
                        timeout=self.desk.fetch_timeout,
                    )
                draft = await self.desk.cpu.run(_page_draft, page.html, page.url, item)
                return draft, None
            except NewsError as err:
                why = str(err)
            except Exception as err:  # one page that breaks the extractor is one item
                log.warning("feed item %s: page failed", item.link, exc_info=True)
                why = f"its page could not be read ({type(err).__name__})"
        else:
            why = "the item has no link"
        if len(item.content) >= FALLBACK_MIN_CHARS:
            note = f"stored the feed's own text: {why}"
            return _item_draft(item), note
        return FetchError(f"nothing to store: {why}"), f"not stored: {why}"

    async def _settle(
        self,
        feed: Feed,
        report: PollReport,
        response: FeedResponse,
        parsed: ParsedFeed | None = None,
    ) -> PollReport:
        server = max(response.max_age_minutes or 0, (parsed.ttl_minutes or 0) if parsed else 0)
        minutes = (
            next_interval(feed)
            if not server
            else min(max(feed.interval_minutes, server), MAX_INTERVAL)
        )
        record = PollRecord(
            status=report.status,
            detail=report.summary(),
            next_poll=self._jittered(minutes),
            ok=True,
            etag=response.etag,
            last_modified=response.last_modified,
            title=parsed.title if parsed else None,
            site_url=parsed.site_url if parsed else None,
            url=response.moved_to,
            server_minutes=server or None,
            primed=parsed is not None,
        )
        await self.store.record_poll(feed.id, record, now=self.clock())
        return report

    async def _failed(self, feed: Feed, reason: str) -> PollReport:
        failures = feed.failures + 1
        backoff = min(timedelta(minutes=next_interval(feed)) * 2 ** (failures - 1), MAX_BACKOFF)
        record = PollRecord(
            status="failed",
            detail=reason,
            next_poll=self._jittered(backoff.total_seconds() / 60),
            ok=False,
        )
        await self.store.record_poll(feed.id, record, now=self.clock())
        report = PollReport(feed.id, "failed", failed=0, detail=reason)
        if failures >= PAUSE_AFTER and await self.store.pause(feed.id, reason):
            report.status = "paused"
            if self.notify is not None and feed.channel_id is not None:
                text = (
                    f"I stopped polling the feed {feed.name} after {failures} failed tries in"
                    f" a row: {reason} A moderator can try again with /feed resume."
                )
                try:
                    await self.notify(feed, text)
                except (DeliveryError, TransientDeliveryError):
                    log.warning("feed %s: could not tell its channel it paused", feed.id)
        return report

    def _jittered(self, minutes: float) -> datetime:
        spread = 1 + self.rng.uniform(-JITTER, JITTER)
        return self.clock() + timedelta(minutes=minutes * spread)


def _page_draft(html: str, url: str, item: FeedItem) -> Draft:
    """Extract the item's page like /article add; the item fills what the page lacks."""
    from news.extract import extract_html

    page = extract_html(html, url)
    return Draft(
        text=page.text,
        title=page.title or item.title,
        url=url,
        source=page.site,
        author=page.author or item.author,
        published=page.published or (item.published.date() if item.published else None),
    )


def _item_draft(item: FeedItem) -> Draft:
    return Draft(
        text=item.content,
        title=item.title,
        url=item.link,
        author=item.author,
        published=item.published.date() if item.published else None,
    )
