"""Digests: which articles go in one, and how it reads as markdown (CLI) or Discord embeds.

Discord's limits are enforced here, not hoped for: an article becomes one block of
text, blocks are packed into embed descriptions (4,096), embeds into messages
(10 embeds, 6,000 characters), and every piece of article text is escaped so it can
neither mention anyone nor break the markdown around it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

import discord

from bot import render
from bot.style import (
    COLOUR,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBEDS_PER_MESSAGE,
    MESSAGE_LIMIT,
    article_date,
)
from news.domain import Article, DigestDelivery
from news.text import strip_invisible
from storage.interfaces import Articles

DEFAULT_MAX_ARTICLES = 10
# One article's block stays far below a description so that packing never has to cut one.
TITLE_CHARS = 250
SUMMARY_CHARS = 900
# Articles may be added while a digest is built; they wait for the next one.
_FETCH_SLACK = 25

_MARKDOWN_SPECIAL = re.compile(r"([\\*_`\[\]<>#|])")
_ORDERED_LIST = re.compile(r"^(\s*\d+)\.")
_LEADING_BULLET = re.compile(r"^(\s*)([-+])")


class DigestDesk(Protocol):
    """What building a digest needs from :class:`bot.app.desk.NewsDesk`."""

    store: Articles

    async def summary(self, article: Article, sentences: int = 3) -> list[str]: ...


@dataclass(frozen=True)
class Digest:
    """The articles one digest holds, newest first, and the window they came from.

    ``until`` is the moment the digest was built. ``covers_until`` is where its window
    ends, and the next digest's starts: the newest article it saw (None when it saw
    none). Not ``until``: a clock that ran ahead would put the end in the future, and
    articles added before the clock caught up would fall in no window at all.
    ``more`` says the window held more articles than ``max_articles``.
    """

    guild_id: int | None
    since: datetime | None
    until: datetime
    articles: tuple[Article, ...]
    more: bool = False
    style: str = "card"  # how render_messages lays it out (the schedule's style)
    delivery: DigestDelivery = field(default_factory=DigestDelivery)  # where post sends it
    covers_until: datetime | None = None

    @property
    def empty(self) -> bool:
        return not self.articles


@dataclass(frozen=True)
class DigestMessage:
    """One Discord message of a digest; send with ``allowed_mentions=AllowedMentions.none()``."""

    content: str | None
    embeds: tuple[discord.Embed, ...]
    article_ids: tuple[int, ...] = ()  # the articles it holds: recorded once it is sent


async def build_digest(
    desk: DigestDesk,
    guild_id: int | None,
    since: datetime | None,
    max_articles: int = DEFAULT_MAX_ARTICLES,
    *,
    now: datetime | None = None,
    exclude: frozenset[int] = frozenset(),
) -> Digest:
    """The guild's (and global) articles added after ``since`` (all if None), newest first.

    ``guild_id=None`` builds a digest of the global articles only. ``exclude``: articles
    already posted (by a digest that stopped part-way), left out but still in the window.
    """
    if max_articles < 1:
        raise ValueError("max_articles must be at least 1")
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be an aware datetime")
    until = now or datetime.now(UTC)
    found = await desk.store.since(
        guild_id, since, limit=max_articles + _FETCH_SLACK + len(exclude)
    )
    # Anything stamped after `until` belongs to the next digest, which starts there.
    in_window = [a for a in found if a.added_at <= until]
    covers_until = in_window[0].added_at if in_window else None
    in_window = [a for a in in_window if a.id not in exclude]
    chosen = in_window[:max_articles]
    articles = []
    for article in chosen:
        if article.summary is None:
            # Imported in bulk (or stored before summaries existed) and never shown yet:
            # summarized now, and stored for next time.
            summary = tuple(await desk.summary(article))
            article = _with_summary(article, summary)
        articles.append(article)
    return Digest(
        guild_id=guild_id,
        since=since,
        until=until,
        articles=tuple(articles),
        more=len(in_window) > max_articles,
        covers_until=covers_until,
    )


def _with_summary(article: Article, summary: tuple[str, ...]) -> Article:
    return replace(article, summary=summary)


# -- shared pieces ---------------------------------------------------------------


def safe_url(url: str | None) -> str | None:
    """An http(s) URL that cannot break out of a markdown link, or None."""
    return render.safe_url(url)


def _one_line(text: str) -> str:
    return " ".join(strip_invisible(text).split())


def _clip(text: str, limit: int) -> str:
    return render.clamp(text, limit)


def escape_discord(text: str) -> str:
    """Article text made inert for Discord: no markdown, no mentions, one line."""
    return render.escape(_one_line(text))


def escape_markdown(text: str) -> str:
    """Article text safe inside CommonMark (the CLI's output): one line, no markup."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(text))
    text = _ORDERED_LIST.sub(r"\1\\.", text)
    return _LEADING_BULLET.sub(r"\1\\\2", text)


def _summary_text(article: Article) -> str:
    return _clip(_one_line(" ".join(article.summary or ())), SUMMARY_CHARS)


def _meta(article: Article) -> list[str]:
    parts = []
    if article.source:
        parts.append(_clip(_one_line(article.source), 80))
    parts.append(article_date(article).long())
    return parts


# -- markdown (CLI) --------------------------------------------------------------


def render_markdown(digest: Digest) -> str:
    """The digest as a markdown document (what ``newsbot digest`` prints)."""
    lines = ["# News digest", ""]
    lines.append(_window_sentence(digest, discord_time=False))
    lines.append("")
    for article in digest.articles:
        title = escape_markdown(_clip(article.title, TITLE_CHARS))
        url = safe_url(article.url)
        lines.append(f"## [{title}]({url})" if url else f"## {title}")
        meta = [escape_markdown(part) for part in _meta(article)] + [f"#{article.id}"]
        lines.append("*" + " · ".join(meta) + "*")
        summary = _summary_text(article)
        if summary:
            lines.extend(["", escape_markdown(summary)])
        lines.append("")
    if digest.more:
        lines.append(
            "More articles were added than this digest shows: `/article list` has them all."
        )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _window_sentence(digest: Digest, *, discord_time: bool) -> str:
    count = len(digest.articles)
    if count == 0:
        return "No new articles."
    noun = "article" if count == 1 else "articles"
    if digest.since is None:
        return f"The {count} latest {noun}." if count > 1 else "The latest article."
    if discord_time:
        when = f"<t:{int(digest.since.timestamp())}:f>"
    else:
        when = digest.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{count} new {noun} since {when}."


# -- Discord ---------------------------------------------------------------------


def article_block(article: Article) -> str:
    """One article as embed-description text (always far below 4,096 characters)."""
    head = f"**{render.link(_one_line(article.title), article.url, TITLE_CHARS)}**"
    meta = [escape_discord(part) for part in _meta(article)] + [f"#{article.id}"]
    lines = [head, " · ".join(meta)]
    summary = _summary_text(article)
    if summary:
        lines.append(escape_discord(summary))
    return "\n".join(lines)


def _embed_chars(embed: discord.Embed) -> int:
    # What Discord counts toward the 6,000 limit that we use: title, description, footer.
    return len(embed.title or "") + len(embed.description or "") + len(embed.footer.text or "")


def _line_messages(digest: Digest) -> list[DigestMessage]:
    """A compact digest (one line an article) or a text one (markdown blocks) in plain
    messages, each within Discord's 2,000 characters, whole articles only."""
    sep = "\n" if digest.style == "compact" else "\n\n"
    messages: list[DigestMessage] = []
    lines = [_clip(_window_sentence(digest, discord_time=True), MESSAGE_LIMIT)]
    ids: tuple[int, ...] = ()
    for article in digest.articles:
        if digest.style == "compact":
            head = render.link(_one_line(article.title), article.url, TITLE_CHARS)
            block = f"• {head} · #{article.id}"
        else:
            block = _clip(article_block(article), MESSAGE_LIMIT // 2)
        if ids and len(sep.join([*lines, block])) > MESSAGE_LIMIT - 100:
            messages.append(DigestMessage(sep.join(lines), (), ids))
            lines, ids = [], ()
        lines.append(block)
        ids += (article.id,)
    if digest.more:
        lines.append(
            "More articles were added than this digest shows: `/article list` has them all."
        )
    messages.append(DigestMessage(_clip(sep.join(lines), MESSAGE_LIMIT), (), ids))
    return messages


def render_messages(digest: Digest) -> list[DigestMessage]:
    """The digest as Discord messages within every limit, in its style; [] for an
    empty digest."""
    if digest.empty:
        return []
    if digest.style in ("compact", "text"):
        return _line_messages(digest)
    descriptions: list[str] = []
    # The articles of each description, to tell which message holds which article.
    held: list[tuple[int, ...]] = []
    current = ""
    ids: tuple[int, ...] = ()
    for article in digest.articles:
        block = article_block(article)
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) > EMBED_DESCRIPTION_LIMIT:
            descriptions.append(current)
            held.append(ids)
            candidate, ids = block, ()
        current = candidate
        ids += (article.id,)
    if digest.more:
        note = "More articles were added than this digest shows: `/article list` has them all."
        candidate = f"{current}\n\n{note}"
        if len(candidate) > EMBED_DESCRIPTION_LIMIT:
            descriptions.append(current)
            held.append(ids)
            candidate, ids = note, ()
        current = candidate
    descriptions.append(current)
    held.append(ids)

    embeds = []
    for index, description in enumerate(descriptions):
        title = "News digest" if index == 0 else "News digest (continued)"
        embed = discord.Embed(title=title, description=description, colour=COLOUR)
        embeds.append(embed)
    count = len(digest.articles)
    noun = "article" if count == 1 else "articles"
    embeds[-1].set_footer(text=f"{count} {noun} · the #ids work with /article show")
    embeds[-1].timestamp = digest.until

    messages: list[DigestMessage] = []
    batch: list[discord.Embed] = []
    batch_ids: tuple[int, ...] = ()
    chars = 0
    for embed, ids in zip(embeds, held, strict=True):
        size = _embed_chars(embed)
        if batch and (len(batch) == EMBEDS_PER_MESSAGE or chars + size > EMBED_TOTAL_LIMIT):
            messages.append(DigestMessage(None, tuple(batch), batch_ids))
            batch, batch_ids, chars = [], (), 0
        batch.append(embed)
        batch_ids += ids
        chars += size
    messages.append(DigestMessage(None, tuple(batch), batch_ids))
    first = messages[0]
    content = _clip(_window_sentence(digest, discord_time=True), MESSAGE_LIMIT)
    messages[0] = replace(first, content=content)
    return messages


def message_nonce(channel_id: int, article_ids: Sequence[int]) -> str | None:
    """The nonce of a digest message: the same for the same articles in the same channel.

    A resumed digest renders the articles it has no record of; if the process died
    after Discord accepted a message but before recording it, that message is rendered
    again with the same articles and the same nonce, and Discord (``enforce_nonce``)
    returns the first one instead of posting it twice. Articles are posted once per
    guild, so no other message carries the same set. Discord allows 25 characters.
    """
    if not article_ids:
        return None
    key = f"{channel_id}:{','.join(map(str, sorted(article_ids)))}"
    return "d" + hashlib.sha256(key.encode()).hexdigest()[:24]
