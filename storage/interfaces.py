"""What the application needs of storage, as Protocols every backend implements.

``bot/`` and ``cogs/`` type their stores with these, so SQLite (``storage/db.py``) and
PostgreSQL (``storage/postgres/``) both fit behind them without touching the app. The
store classes (:class:`~storage.articles.ArticleStore`, :class:`~storage.digests.DigestStore`,
:class:`~storage.feeds.FeedStore`, :class:`~storage.guilds.GuildSettingsStore`, and
PostgreSQL's full-text override) implement them; every method returns the dataclasses of
:mod:`news.domain`, never rows.

Scope rule, for every backend: a guild sees its own articles and the global ones;
``guild_id=None`` means the global scope only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from news.domain import (
    AddOutcome,
    Article,
    ArticleStamp,
    AskedQuestion,
    DigestRun,
    DigestSchedule,
    FailureOutcome,
    Feed,
    NewArticle,
    Outcome,
    PageCursor,
    PollRecord,
    QuestionCounts,
    RatedAnswer,
    RunStatus,
    SearchHit,
    StoryPost,
    VoteRow,
)
from news.search import TextIndex
from storage.shards import Shards


class Articles(TextIndex, Protocol):
    """The article library: writes deduplicated per scope, reads scoped per guild, and
    the plain full-text operations the answer engine's search runs (``TextIndex``)."""

    async def add(self, new: NewArticle) -> AddOutcome:
        """Store an article, or return the existing one with the same URL or body."""
        ...

    async def add_many(self, items: Iterable[NewArticle]) -> list[AddOutcome]:
        """Store several articles in one transaction (all or none)."""
        ...

    def bulk(self) -> AbstractAsyncContextManager[None]:
        """A bulk import's block: an index outside the database may apply the block's
        writes in fewer, larger batches; all of them are searchable when it ends."""
        ...

    async def remove(self, article_id: int, guild_id: int | None) -> bool:
        """Delete an article owned by exactly this scope; True if one was deleted."""
        ...

    async def set_summary(self, article_id: int, summary: Sequence[str]) -> None:
        """Store the summary of an article that had none (made the first time it was shown)."""
        ...

    async def get(self, article_id: int, guild_id: int | None = None) -> Article | None:
        """The article if it is visible from ``guild_id``'s scope."""
        ...

    async def get_any(self, article_id: int) -> Article | None:
        """The article whatever its scope (for the host's command line)."""
        ...

    async def get_many(self, ids: Sequence[int]) -> dict[int, Article]: ...

    async def stamps(self, ids: Sequence[int]) -> dict[int, ArticleStamp]:
        """The ids' titles and dates without their text (by primary key; any scope:
        the ids come from a scoped search)."""
        ...

    async def recent(
        self,
        guild_id: int | None,
        *,
        limit: int = 10,
        after: PageCursor | None = None,
        all_scopes: bool = False,
    ) -> list[Article]:
        """Newest first, from just past ``after`` (the previous page's last article, as a
        keyset: every page costs the same); ``all_scopes`` lists every guild's (CLI only)."""
        ...

    async def count(self, guild_id: int | None, *, all_scopes: bool = False) -> int: ...

    async def since(
        self, guild_id: int | None, after: datetime | None, *, limit: int = 10
    ) -> list[Article]:
        """Articles in scope added after ``after`` (all if None), newest first."""
        ...

    async def titles(self, guild_id: int | None, prefix: str, *, limit: int = 25) -> list[Article]:
        """Articles whose title contains ``prefix`` (for autocomplete), newest first; a
        backend may bound the search to its newest titles, but must answer in a few ms."""
        ...

    async def search(
        self, text: str, guild_id: int | None, *, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        """Full-text search for user text (``/search``), with snippets."""
        ...


class GuildSettings(Protocol):
    """Per-guild settings."""

    async def mod_role(self, guild_id: int) -> int | None:
        """The role whose members may curate articles, if the server set one."""
        ...

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None: ...


class Digests(Protocol):
    """Digest schedules and the run log that makes each scheduled post happen once.

    ``claim`` must be atomic in the database: of any number of claimants of one
    scheduled slot (triggers, restarts, processes), exactly one gets the run.
    ``shards`` (None: every guild) keeps a process to the guilds it serves.
    """

    async def set_schedule(
        self,
        guild_id: int,
        *,
        channel_id: int,
        time_of_day: str,
        timezone: str,
        days: str,
        max_articles: int,
        now: datetime,
        updated_by: int | None = None,
        style: str = "card",
    ) -> DigestSchedule:
        """Create or replace a guild's schedule; it becomes active from ``now``."""
        ...

    async def set_delivery(
        self,
        guild_id: int,
        *,
        channel_id: int,
        deliver: str,
        forum_tag: int | None,
        publish: bool,
        now: datetime,
        updated_by: int | None = None,
    ) -> DigestSchedule | None:
        """Where the guild's digest lands; a paused schedule becomes active again."""
        ...

    async def note_delivery(self, guild_id: int, note: str | None) -> None: ...

    async def turn_off(
        self, guild_id: int, *, now: datetime, updated_by: int | None = None
    ) -> bool: ...

    async def get_schedule(self, guild_id: int) -> DigestSchedule | None: ...

    async def active_schedules(self, *, shards: Shards | None = None) -> list[DigestSchedule]:
        """Active schedules of ``shards``' guilds (every guild's if None)."""
        ...

    async def claim(
        self,
        guild_id: int,
        slot: datetime,
        *,
        kind: str,
        channel_id: int | None,
        now: datetime,
        status: RunStatus = RunStatus.CLAIMED,
        detail: str | None = None,
    ) -> DigestRun | None:
        """Record a slot before acting on it; None if it was already recorded."""
        ...

    async def finish(
        self,
        run_id: int,
        status: RunStatus,
        *,
        now: datetime,
        articles: int = 0,
        covers_until: datetime | None = None,
        detail: str | None = None,
        reset_failures: bool = False,
    ) -> None: ...

    async def record_failure(
        self,
        run_id: int,
        detail: str,
        *,
        now: datetime,
        count: bool = True,
        pause_after: int = 3,
    ) -> FailureOutcome: ...

    async def record_posted(
        self, run_id: int, article_ids: Sequence[int], *, now: datetime
    ) -> None:
        """Record articles of a run that Discord accepted (after each message, at once)."""
        ...

    async def posted_after(self, guild_id: int, run_id: int | None) -> frozenset[int]:
        """Articles posted by the guild's runs after run ``run_id`` (all runs if None)."""
        ...

    async def resume(self, run_id: int, *, now: datetime) -> DigestRun | None:
        """Claim an interrupted run again; None if it is not interrupted (any more)."""
        ...

    async def abandon_claims(self, *, now: datetime, shards: Shards | None = None) -> int:
        """Settle runs of ``shards``' guilds (all if None) left claimed by a process
        that stopped mid-post."""
        ...

    async def get_run(self, guild_id: int, slot: datetime) -> DigestRun | None: ...

    async def last_run(self, guild_id: int) -> DigestRun | None: ...

    async def last_posted(self, guild_id: int) -> DigestRun | None: ...

    async def runs(self, guild_id: int, *, limit: int = 10) -> list[DigestRun]: ...


class Feeds(Protocol):
    """Feed subscriptions, the items each feed handed over, and what each channel got.

    ``add`` raises ``news.domain.FeedExists`` or ``FeedLimitReached``. ``mark_seen``
    and ``claim_posts`` must be idempotent under a unique key in the database: an item is
    stored once per feed, and an article posted once per channel.
    """

    async def add(
        self,
        guild_id: int | None,
        url: str,
        *,
        now: datetime,
        next_poll: datetime,
        title: str | None = None,
        site_url: str | None = None,
        channel_id: int | None = None,
        include_words: str = "",
        exclude_words: str = "",
        interval_minutes: int = 15,
        added_by: int | None = None,
        limit: int = 50,
    ) -> Feed: ...

    async def get(
        self, feed_id: int, guild_id: int | None = None, *, any_scope: bool = False
    ) -> Feed | None: ...

    async def subscriptions(
        self, guild_id: int | None, *, all_scopes: bool = False
    ) -> list[Feed]: ...

    async def count(self, guild_id: int | None) -> int: ...

    async def names(self, guild_id: int | None, text: str, *, limit: int = 25) -> list[Feed]: ...

    async def remove(
        self, feed_id: int, guild_id: int | None, *, any_scope: bool = False
    ) -> Feed | None: ...

    async def due(
        self, now: datetime, *, shards: Shards | None = None, limit: int = 100
    ) -> list[Feed]:
        """Due feeds of ``shards``' guilds (global feeds are shard 0's), most overdue first."""
        ...

    async def claim_due(
        self, now: datetime, *, until: datetime, shards: Shards | None = None, limit: int = 100
    ) -> list[Feed]:
        """Take the due feeds for one poller, atomically in the database: their next poll
        moves to ``until``, so of several processes (or rounds) only one polls each."""
        ...

    async def reschedule(self, times: Mapping[int, datetime]) -> None: ...

    async def record_poll(
        self, feed_id: int, record: PollRecord, *, now: datetime
    ) -> Feed | None: ...

    async def pause(self, feed_id: int, reason: str) -> bool:
        """True only for the call that paused it."""
        ...

    async def pause_posting(self, feed_id: int, reason: str) -> None: ...

    async def resume(
        self,
        feed_id: int,
        guild_id: int | None,
        *,
        next_poll: datetime,
        channel_id: int | None = None,
    ) -> Feed | None: ...

    async def seen(self, feed_id: int, keys: Iterable[str]) -> frozenset[str]: ...

    async def mark_seen(
        self,
        feed_id: int,
        items: Sequence[tuple[Sequence[str], int | None, str | None]],
        *,
        now: datetime,
    ) -> None: ...

    async def seen_details(
        self, feed_id: int, *, limit: int = 50
    ) -> list[tuple[int | None, str | None]]: ...

    async def last_refusals(self, feed_ids: Sequence[int]) -> dict[int, str]: ...

    async def claim_posts(
        self, channel_id: int, article_ids: Sequence[int], *, feed_id: int, now: datetime
    ) -> list[int]: ...

    async def release_posts(self, channel_id: int, article_ids: Sequence[int]) -> None: ...

    # -- delivery (issue 21) ------------------------------------------------------------

    async def set_delivery(
        self,
        feed_id: int,
        guild_id: int | None,
        changes: Mapping[str, object],
        *,
        any_scope: bool = False,
    ) -> Feed | None:
        """Change delivery settings (column names of ``storage.feeds.DELIVERY_COLUMNS``)."""
        ...

    async def note_delivery(self, feed_id: int, note: str | None) -> None: ...

    async def add_rule_counts(self, feed_id: int, counts: Mapping[str, int]) -> None: ...

    async def rule_counts(self, feed_ids: Sequence[int]) -> dict[int, dict[str, int]]: ...

    async def clear_rule_counts(self, feed_id: int) -> None: ...

    async def record_stories(self, posts: Sequence[StoryPost]) -> None: ...

    async def story_sent(self, posts: Sequence[StoryPost]) -> None: ...

    async def forget_stories(self, guild_id: int | None, article_ids: Sequence[int]) -> None: ...

    async def get_story(self, guild_id: int | None, article_id: int) -> StoryPost | None: ...

    async def recent_stories(
        self, guild_id: int | None, since: datetime, *, limit: int = 500
    ) -> list[StoryPost]: ...

    async def story_in_thread(self, thread_id: int, guild_id: int | None) -> StoryPost | None: ...

    async def set_story_content(
        self, guild_id: int | None, message_id: int, content: str
    ) -> None: ...


class Insights(Protocol):
    """The questions a guild's members asked and their votes, per guild, with a salted
    hash of the member only. ``vote`` must write nothing for a question of another
    guild; one vote per (question, member hash), changed by voting again."""

    async def record(
        self,
        guild_id: int,
        *,
        question: str,
        outcome: Outcome,
        answer: str | None,
        evidence: str | None,
        article_id: int | None,
        confidence: float,
        reader: str,
        now: datetime,
    ) -> int: ...

    async def get(self, question_id: int, guild_id: int) -> AskedQuestion | None: ...

    async def salt(self, guild_id: int) -> str: ...

    async def vote(
        self, question_id: int, guild_id: int, member_hash: str, vote: int, *, now: datetime
    ) -> str | None: ...

    async def counts(self, guild_id: int, since: datetime) -> QuestionCounts: ...

    async def lowest_rated(self, guild_id: int, *, limit: int = 5) -> list[RatedAnswer]: ...

    async def unanswered(
        self, guild_id: int, since: datetime, *, limit: int = 200
    ) -> list[AskedQuestion]: ...

    async def votes(self, guild_id: int | None, *, limit: int = 100_000) -> list[VoteRow]: ...

    async def guild_ids(self) -> list[int]: ...

    async def forget(self, before: datetime, *, guild_id: int | None = None) -> tuple[int, int]: ...


@dataclass(frozen=True)
class Stores:
    """One backend's stores, opened together; :func:`storage.backend.open_stores` makes them."""

    articles: Articles
    guilds: GuildSettings
    digests: Digests
    feeds: Feeds
    insights: Insights
    close: Callable[[], Awaitable[None]]
