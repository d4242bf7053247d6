"""The app's nouns: articles, feeds, digest records, the errors of storing them, and
the caps every layer shares. Standard library only, so that storage (which implements
:mod:`storage.interfaces` over them), the application in ``bot/``, the cogs and the
benchmarks can all import them without loading any engine or driver.

They live in ``news/``, the lowest layer, because storage may import ``news/`` but never
``bot/``: a module here is the one place all four layers may read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

# Quoted phrases one question may send to the full-text index: the retrieval stage builds
# at most this many and both backends' phrase queries take at most this many. A cap of
# the store as much as of retrieval, so it lives here: the store reads it without loading
# the answer engine.
MAX_PHRASES = 8

# -- articles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewArticle:
    """What a caller hands to :meth:`ArticleStore.add`."""

    title: str
    text: str
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: date | None = None
    guild_id: int | None = None
    added_by: int | None = None
    summary: tuple[str, ...] | None = None
    added_at: datetime | None = None  # defaults to now; set by imports and tests


@dataclass(frozen=True)
class Article:
    id: int
    guild_id: int | None
    url: str | None
    url_norm: str | None
    title: str
    source: str | None
    author: str | None
    published: date | None
    added_at: datetime
    added_by: int | None
    text: str
    content_hash: str
    summary: tuple[str, ...] | None = field(default=None)


@dataclass(frozen=True)
class ArticleStamp:
    """An article's id, title and dates, without its text: what filtering candidates by
    time and finding a story's newer versions need (read by primary key)."""

    id: int
    title: str
    published: date | None
    added_at: datetime

    @property
    def when(self) -> datetime:
        """The instant a time window tests: publication (midnight UTC of its day), else
        when it was added."""
        if self.published is not None:
            return datetime(
                self.published.year, self.published.month, self.published.day, tzinfo=UTC
            )
        return self.added_at


@dataclass(frozen=True)
class PageCursor:
    """Where a newest-first page ends: the (added_at, id) of its last article."""

    added_at: datetime
    id: int

    @classmethod
    def of(cls, article: Article) -> PageCursor:
        return cls(article.added_at, article.id)


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    title: str
    score: float  # higher is better (negated bm25)
    snippet: str
    published: date | None
    source: str | None
    url: str | None


@dataclass(frozen=True)
class AddOutcome:
    article: Article
    created: bool  # False: an existing article with the same URL or body was returned


# -- feeds ------------------------------------------------------------------------------


class FeedLimitReached(Exception):
    """The scope already follows as many feeds as it may."""


class FeedExists(Exception):
    """The scope already follows this URL; ``feed`` is that subscription."""

    def __init__(self, feed: Feed) -> None:
        super().__init__(feed.url)
        self.feed = feed


STYLES = ("card", "compact", "text")
DELIVER = ("channel", "thread", "forum")


@dataclass(frozen=True)
class Delivery:
    """How a feed's stories look and where they land (issue 21); the defaults are how
    every feed posted before: a card per story in a text channel, with its summary.

    ``include_regex``/``exclude_regex`` hold one pattern per line, as
    :func:`news.filters.parse_rules` reads them. ``note`` is a problem that does not
    stop posting (announcement channel without the permission to publish)."""

    style: str = "card"
    template: str | None = None
    ping_role: int | None = None
    ping_keywords: str = ""
    deliver: str = "channel"
    forum_tag: int | None = None
    publish: bool = False
    include_regex: str = ""
    exclude_regex: str = ""
    summary: bool = True
    note: str | None = None


@dataclass(frozen=True)
class Feed:
    id: int
    guild_id: int | None
    url: str
    title: str | None
    site_url: str | None
    channel_id: int | None
    include_words: str
    exclude_words: str
    interval_minutes: int
    server_minutes: int | None
    etag: str | None
    last_modified: str | None
    added_at: datetime
    added_by: int | None
    primed_at: datetime | None
    last_polled: datetime | None
    next_poll: datetime
    last_status: str | None
    last_detail: str | None
    failures: int
    paused: bool
    pause_reason: str | None
    posting_paused: str | None
    delivery: Delivery = field(default_factory=Delivery)

    @property
    def name(self) -> str:
        return self.title or self.url


@dataclass(frozen=True)
class PollRecord:
    """What one poll changes on its feed (None leaves a field as it is)."""

    status: str
    detail: str | None
    next_poll: datetime
    ok: bool
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    site_url: str | None = None
    url: str | None = None  # a permanent redirect's target
    server_minutes: int | None = None
    primed: bool = False


@dataclass(frozen=True)
class StoryPost:
    """A story as posted for a server: where it went, and what "also reported by" and
    "ask in the thread" need to find it again."""

    guild_id: int | None
    article_id: int
    feed_id: int | None
    source: str  # the feed's name
    link: str | None
    opening: str  # the article's first characters, for the near-duplicate check
    posted_at: datetime
    channel_id: int | None = None
    message_id: int | None = None
    thread_id: int | None = None
    content: str | None = None  # the message's content, which "also reported by" extends


# -- digests ----------------------------------------------------------------------------


class RunStatus(StrEnum):
    """A digest run's status, as stored. "claimed" is the only unfinished one."""

    CLAIMED = "claimed"
    POSTED = "posted"
    EMPTY = "empty"
    MISSED = "missed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class ScheduleState(StrEnum):
    """A digest schedule's state, as stored."""

    ACTIVE = "active"
    PAUSED = "paused"
    OFF = "off"


@dataclass(frozen=True)
class DigestSchedule:
    guild_id: int
    channel_id: int
    time_of_day: str
    timezone: str
    days: str
    max_articles: int
    state: ScheduleState
    pause_reason: str | None
    failures: int
    active_since: datetime
    updated_at: datetime
    updated_by: int | None
    style: str = "card"  # card, compact or text, as a feed's (issue 21)
    deliver: str = "channel"  # channel, thread (one opened on the digest) or forum
    forum_tag: int | None = None
    publish: bool = False  # crosspost in an announcement channel
    delivery_note: str | None = None  # a problem that does not stop posting

    @property
    def active(self) -> bool:
        return self.state == ScheduleState.ACTIVE

    @property
    def delivery(self) -> DigestDelivery:
        return DigestDelivery(self.deliver, self.forum_tag, self.publish)


@dataclass(frozen=True)
class DigestDelivery:
    """Where a digest lands (issue 21): in its channel (as before); in the channel with a
    thread opened on its first message, named after the digest; or as one forum post
    titled with its date (with an optional tag). ``publish`` crossposts it from an
    announcement channel when the bot may."""

    deliver: str = "channel"
    forum_tag: int | None = None
    publish: bool = False


@dataclass(frozen=True)
class DigestRun:
    id: int
    guild_id: int
    slot: datetime
    kind: str
    status: RunStatus
    channel_id: int | None
    articles: int
    covers_until: datetime | None
    detail: str | None
    claimed_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class FailureOutcome:
    failures: int  # delivery failures in a row, this one included
    paused: bool  # True if this failure paused the schedule


# -- insights: what members asked, and their votes ----------------------------------------


class Outcome(StrEnum):
    """What a question got: a stated answer, the closest passages, or nothing."""

    ANSWERED = "answered"
    PASSAGES = "passages"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class AskedQuestion:
    """One question a member asked in a guild (no member is stored with it)."""

    id: int
    guild_id: int
    asked_at: datetime
    question: str
    outcome: Outcome
    answer: str | None
    evidence: str | None
    article_id: int | None
    confidence: float
    reader: str


@dataclass(frozen=True)
class QuestionCounts:
    """How the questions of a period went."""

    total: int
    answered: int
    passages: int
    not_found: int


@dataclass(frozen=True)
class RatedAnswer:
    """A question with the votes its answer got (``score``: up minus down)."""

    question: AskedQuestion
    up: int
    down: int

    @property
    def score(self) -> int:
        return self.up - self.down


@dataclass(frozen=True)
class VoteRow:
    """One vote as ``newsbot feedback export`` writes it: what was asked and answered,
    and the label (1 helpful, 0 not)."""

    question: AskedQuestion
    vote: int  # +1 or -1
    voted_at: datetime
