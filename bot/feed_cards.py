"""What feeds put in Discord: compact cards for new items, and a feed's status line
(what a poll did, :class:`PollReport`, is that line's last part).

Every piece of feed text is escaped here (titles, sources, summaries come from strangers'
feeds), each card fits Discord's limits, and a poll's cards go out at most
``CARDS_PER_MESSAGE`` to a message, with "… and K more" past ``MAX_CARDS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import discord

from bot.render import clamp, escape, fit_embed, link
from bot.style import COLOUR, article_date
from news.domain import Article, Feed
from news.errors import InputError
from news.filters import Rule, parse_rules

CARDS_PER_MESSAGE = 5
MAX_CARDS = 10  # cards one poll posts; the rest are counted in the last message
CARD_TITLE_LIMIT = 200
CARD_SUMMARY_LIMIT = 350
DETAIL_LIMIT = 150  # a status detail in /feed list (ten rows must fit one embed)


@dataclass(frozen=True)
class FeedMessage:
    content: str | None
    embeds: tuple[discord.Embed, ...]
    article_ids: tuple[int, ...]


def item_card(article: Article) -> discord.Embed:
    """Title linked, source, date and the summary's first sentences, all escaped."""
    lines = list(article.summary or article.text.split("\n")[:2])
    summary = clamp(escape(" ".join(line.strip() for line in lines[:2])), CARD_SUMMARY_LIMIT)
    heading = f"**{link(article.title, article.url, CARD_TITLE_LIMIT)}**"
    embed = discord.Embed(description=f"{heading}\n{summary}".strip(), colour=COLOUR)
    footer = [article.source or "", article_date(article).short(), f"#{article.id}"]
    embed.set_footer(text=" · ".join(part for part in footer if part))
    return fit_embed(embed)


def item_messages(feed: Feed, articles: Sequence[Article], more: int = 0) -> list[FeedMessage]:
    """The messages for one poll's new articles; ``more`` are items counted but not taken."""
    shown = list(articles[:MAX_CARDS])
    left = len(articles) - len(shown) + more
    messages = []
    for start in range(0, len(shown), CARDS_PER_MESSAGE):
        chunk = shown[start : start + CARDS_PER_MESSAGE]
        last = start + CARDS_PER_MESSAGE >= len(shown)
        content = None
        if start == 0:
            content = f"New from {clamp(escape(feed.name), 150)}:"
        if last and left:
            tail = f"… and {left} more (they are stored: /search finds them)."
            content = f"{content}\n{tail}" if content else tail
        messages.append(
            FeedMessage(content, tuple(item_card(a) for a in chunk), tuple(a.id for a in chunk))
        )
    return messages


def stamp(moment: datetime, style: str = "R") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def feed_rules(feed: Feed) -> list[Rule]:
    """The feed's rules: its keywords (as before) and its regular expressions (RE2)."""
    return [
        *parse_rules(feed.include_words, "include", "keyword"),
        *parse_rules(feed.delivery.include_regex, "include", "regex"),
        *parse_rules(feed.exclude_words, "exclude", "keyword"),
        *parse_rules(feed.delivery.exclude_regex, "exclude", "regex"),
    ]


def delivery_line(feed: Feed, counts: dict[str, int] | None = None) -> str:
    """How and where the feed delivers when not as before, its publishing note, and
    its rules with how many stories each left out (``counts``): /feed list's extra lines."""
    d = feed.delivery
    parts = []
    if d.deliver == "thread":
        parts.append("a thread per story")
    elif d.deliver == "forum":
        parts.append("a forum post per story" + (" with a tag" if d.forum_tag else ""))
    if d.style != "card" or d.template:
        parts.append(f"{d.style}{' with a template' if d.template else ''}")
    if not d.summary:
        parts.append("no summary")
    if d.ping_role:
        parts.append(f"pings <@&{d.ping_role}>" + (" on keywords" if d.ping_keywords else ""))
    if d.publish:
        parts.append("published")
    lines = [f"\n  delivers: {', '.join(parts)}"] if parts else []
    if d.note:
        lines.append(f"\n  ⚠ {clamp(escape(d.note), DETAIL_LIMIT)}")
    try:
        rules = [r.describe() for r in feed_rules(feed)]
    except InputError:  # stored before a check that now refuses it: shown as it is
        rules = [feed.include_words, d.include_regex, feed.exclude_words, d.exclude_regex]
    if rules or counts:
        shown = "; ".join(f"`{clamp(r, 80).replace('`', chr(39))}`" for r in rules if r)
        left = ", ".join(f"{clamp(escape(rule), 80)}: {n}" for rule, n in (counts or {}).items())
        lines.append(f"\n  rules: {shown or 'none'}")
        if left:
            lines.append(f"\n  left out: {left}")
    return "".join(lines)


def feed_line(feed: Feed, refusal: str | None = None, counts: dict[str, int] | None = None) -> str:
    """One feed in /feed list: id, linked title, status and next poll, what its last
    poll did, why its most recently refused item was not taken (``refusal``), and how
    it delivers (:func:`delivery_line`)."""
    name = link(feed.name, feed.url, 100)
    if feed.paused:
        state = f"⏸ paused: {clamp(escape(feed.pause_reason or ''), 200)}"
    elif feed.last_status is None:
        state = "not polled yet"
    else:
        state = (
            f"{escape(feed.last_status)}, polled {stamp(feed.last_polled)}"
            if feed.last_polled
            else escape(feed.last_status)
        )
        if feed.failures:
            state += f", {feed.failures} failed in a row"
    if not feed.paused:
        state += f"; next {stamp(feed.next_poll)}"
    where = f" → <#{feed.channel_id}>" if feed.channel_id else ""
    posting = (
        f"\n  posting paused: {clamp(escape(feed.posting_paused), 200)}"
        if feed.posting_paused
        else ""
    )
    last = (
        f"\n  last poll: {clamp(escape(feed.last_detail), DETAIL_LIMIT)}"
        if feed.last_detail and not feed.paused
        else ""
    )
    why = f"\n  last item not taken: {clamp(escape(refusal), DETAIL_LIMIT)}" if refusal else ""
    extra = delivery_line(feed, counts)
    return f"`#{feed.id}` {name}{where}\n  {state}{last}{why}{posting}{extra}"


@dataclass
class PollReport:
    """One poll, as ``newsbot feed poll --json`` prints it and the cog describes it."""

    feed_id: int
    status: str  # ok, not_modified, failed, paused
    new: int = 0
    duplicates: int = 0
    failed: int = 0
    not_modified: bool = False
    filtered: int = 0
    over_limit: int = 0
    detail: str | None = None
    first: bool = False
    articles: list[Article] = field(default_factory=list)
    posted: int = 0
    links: dict[int, str | None] = field(default_factory=dict)  # article id -> this feed's link

    def summary(self) -> str | None:
        """What the poll did, in one short line (the feed's recorded detail)."""
        if self.status != "ok":
            return self.detail
        parts = [f"{self.new} new"]
        for count, words in (
            (self.duplicates, "already stored"),
            (self.failed, "not stored"),
            (self.filtered, "left out by the rules"),
            (self.over_limit, "over the limit"),
            (self.posted, "posted"),
        ):
            if count:
                parts.append(f"{count} {words}")
        text = ", ".join(parts)
        return f"{text}; {self.detail}" if self.detail else text

    def json(self) -> dict[str, object]:
        shown = ("feed_id", "status", "new", "duplicates", "failed", "not_modified")
        return {name: getattr(self, name) for name in (*shown, "filtered", "over_limit", "detail")}
