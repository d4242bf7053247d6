"""How a feed's stories look: card (the embed of :mod:`bot.feed_cards`), compact (one line
per story) or text (plain markdown), optionally through a moderator's template, with the
feed's role ping. Pure: a feed's settings and articles in, messages out.

A template is a moderator's markdown with placeholders (:data:`PLACEHOLDERS`). It is
checked when saved (:func:`check_template`): it may not hold a mention or a masked link,
nor put ``@``, ``<`` or ``[`` right before a placeholder (``@{title}`` with a title
"everyone" would build one). Every placeholder is filled with escaped text, so a title
cannot close the template's bold or open a link, and placeholders are replaced by one
regular expression pass, never ``str.format`` (which reads attributes: ``{title.__class__}``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.feed_cards import CARD_SUMMARY_LIMIT, CARD_TITLE_LIMIT, MAX_CARDS, item_messages
from bot.render import clamp, escape, fit_embed, link, safe_url
from bot.style import COLOUR, MESSAGE_LIMIT, article_date
from news.domain import STYLES, Article, Feed
from news.errors import InputError
from news.filters import Fields, Filter, parse_rules
from news.text import strip_invisible

PLACEHOLDERS = ("title", "url", "summary", "source", "author", "date", "feed")
TEMPLATE_LIMIT = 500
# Stories one poll posts, whatever the style: the cap cards always had. A thread costs one
# more request per story, a forum post none; discord.py queues each route's requests.
MAX_STORIES = MAX_CARDS
ALSO_LIMIT = 5  # other sources named under one story

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_MENTION = re.compile(r"@(everyone|here)\b|<[@#]|<a?:\w+:\d+>|</", re.IGNORECASE)
_MASKED_LINK = re.compile(r"\]\s*\(")
_BEFORE_PLACEHOLDER = re.compile(r"[@<\[]\{")


class TemplateError(InputError):
    """A template that cannot be saved; ``str()`` says why in one line."""


def check_template(text: str | None) -> str | None:
    """The template tidied, or None for the style's own layout; TemplateError if it may
    not be used."""
    if text is None or not text.strip():
        return None
    text = strip_invisible(text).strip()
    if len(text) > TEMPLATE_LIMIT:
        raise TemplateError(f"A template can be at most {TEMPLATE_LIMIT} characters.")
    if _MENTION.search(text):
        raise TemplateError("A template can't hold a mention: use /feed ping for a role.")
    if _MASKED_LINK.search(text):
        raise TemplateError("A template can't hold a masked link: use {url} for the story's.")
    if _BEFORE_PLACEHOLDER.search(text):
        raise TemplateError("A placeholder can't follow @, < or [: they would build a mention.")
    for name in _PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            known = " ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise TemplateError(f"There is no placeholder {{{clamp(name, 30)}}}; use {known}.")
    return text


def check_style(style: str) -> str:
    if style not in STYLES:
        raise InputError(f"A style is {', '.join(STYLES)}, not {clamp(style, 30)!r}.")
    return style


@dataclass(frozen=True)
class StoryMessage:
    """One message to send: ``title`` names a story's thread or forum post;
    ``ping_role`` is set only when the content mentions that role."""

    content: str | None
    embeds: tuple[discord.Embed, ...]
    article_ids: tuple[int, ...]
    title: str = ""
    ping_role: int | None = None


def _summary(article: Article) -> str:
    lines = list(article.summary or article.text.split("\n")[:2])
    return " ".join(line.strip() for line in lines[:2])


def values(feed: Feed, article: Article) -> dict[str, str]:
    """Each placeholder's text, escaped (a URL is bracketed: it stays one link)."""
    target = safe_url(article.url)
    return {
        "title": clamp(escape(article.title), CARD_TITLE_LIMIT),
        "url": f"<{target}>" if target else "",
        "summary": clamp(escape(_summary(article)), CARD_SUMMARY_LIMIT),
        "source": clamp(escape(article.source or ""), 100),
        "author": clamp(escape(article.author or ""), 100),
        "date": article_date(article).short(),
        "feed": clamp(escape(feed.name), 150),
    }


def fill(template: str, feed: Feed, article: Article) -> str:
    filled = values(feed, article)
    return _PLACEHOLDER.sub(lambda m: filled.get(m.group(1), ""), template)


def story_text(feed: Feed, article: Article) -> str:
    """One story as the feed's style shows it in a message's content (compact, text)."""
    d = feed.delivery
    if d.template:
        text = fill(d.template, feed, article)
        return " ".join(text.split()) if d.style == "compact" else text
    heading = link(article.title, article.url, CARD_TITLE_LIMIT)
    date = article_date(article).short()
    if d.style == "compact":
        source = f" · {clamp(escape(article.source), 60)}" if article.source else ""
        return f"• {heading}{source} · {date}"
    summary = clamp(escape(_summary(article)), CARD_SUMMARY_LIMIT) if d.summary else ""
    source = f"{clamp(escape(article.source), 60)} · " if article.source else ""
    return "\n".join(part for part in (f"**{heading}**", summary, f"-# {source}{date}") if part)


def story_card(feed: Feed, article: Article) -> discord.Embed:
    """The card (today's embed), through the template or without the summary if set."""
    d = feed.delivery
    if d.template:
        embed = discord.Embed(description=fill(d.template, feed, article), colour=COLOUR)
    else:
        heading = f"**{link(article.title, article.url, CARD_TITLE_LIMIT)}**"
        summary = clamp(escape(_summary(article)), CARD_SUMMARY_LIMIT) if d.summary else ""
        embed = discord.Embed(description=f"{heading}\n{summary}".strip(), colour=COLOUR)
    footer = [article.source or "", article_date(article).short(), f"#{article.id}"]
    embed.set_footer(text=" · ".join(part for part in footer if part))
    return fit_embed(embed)


def pings(feed: Feed, article: Article) -> bool:
    """Whether the story mentions the feed's role: every story, or those matching the
    ping keywords (whole words in the title or summary)."""
    d = feed.delivery
    if d.ping_role is None:
        return False
    if not d.ping_keywords.strip():
        return True
    words = Filter(parse_rules(d.ping_keywords, "include", "keyword"))
    return words.verdict(Fields(article.title, _summary(article))).wanted


def _with_ping(feed: Feed, content: str | None, ping: bool) -> tuple[str | None, int | None]:
    role = feed.delivery.ping_role
    if not ping or role is None:
        return content, None
    return (f"<@&{role}> {content}" if content else f"<@&{role}>"), role


def per_story(feed: Feed, article: Article) -> StoryMessage:
    """A story alone in its message (a thread per story, a forum post, a preview)."""
    ping = pings(feed, article)
    name = clamp(" ".join(strip_invisible(article.title).split()) or f"#{article.id}", 100)
    if feed.delivery.style == "card":
        content, role = _with_ping(feed, None, ping)
        return StoryMessage(content, (story_card(feed, article),), (article.id,), name, role)
    content, role = _with_ping(feed, clamp(story_text(feed, article), MESSAGE_LIMIT - 40), ping)
    return StoryMessage(content, (), (article.id,), name, role)


def story_messages(feed: Feed, articles: Sequence[Article], more: int = 0) -> list[StoryMessage]:
    """One poll's messages in the feed's style: a message per story for threads and
    forums; in a channel, cards five to a message, or lines packed into messages."""
    d = feed.delivery
    shown = list(articles[:MAX_STORIES])
    left = len(articles) - len(shown) + more
    tail = f"… and {left} more (they are stored: /search finds them)." if left else ""
    if d.deliver in ("thread", "forum"):
        out = [per_story(feed, a) for a in shown]
        if tail and out:  # said in the last story's message, never its own thread
            last = out[-1]
            ended = f"{last.content}\n{tail}" if last.content else tail
            out[-1] = StoryMessage(ended, last.embeds, last.article_ids, last.title, last.ping_role)
        return out
    header = f"New from {clamp(escape(feed.name), 150)}:"
    if d.style == "card":
        by_id = {a.id: a for a in shown}
        out = []
        for message in item_messages(feed, articles, more):
            stories = [by_id[i] for i in message.article_ids]
            content, role = _with_ping(feed, message.content, any(pings(feed, a) for a in stories))
            cards = tuple(story_card(feed, a) for a in stories)
            out.append(StoryMessage(content, cards, message.article_ids, ping_role=role))
        return out
    out = []
    lines: list[str] = [header]
    ids: list[int] = []
    ping = False
    sep = "\n" if d.style == "compact" else "\n\n"
    for article in shown:
        text = clamp(story_text(feed, article), MESSAGE_LIMIT // 2)
        if ids and len(sep.join([*lines, text])) > MESSAGE_LIMIT - 200:
            content, role = _with_ping(feed, sep.join(lines), ping)
            out.append(StoryMessage(content, (), tuple(ids), ping_role=role))
            lines, ids, ping = [], [], False
        lines.append(text)
        ids.append(article.id)
        ping = ping or pings(feed, article)
    if tail:
        lines.append(tail)
    if ids:
        content, role = _with_ping(feed, sep.join(lines), ping)
        out.append(StoryMessage(content, (), tuple(ids), ping_role=role))
    return out


def also_head(article_id: int, title: str) -> str:
    """How the line under story ``#article_id`` starts: its id (cards show it in their
    footer) and its title (lines and templates may not show the id)."""
    return f"↳ #{article_id} {clamp(escape(' '.join(title.split())), 60)}: also reported by "


def also_line(article_id: int, title: str, others: Sequence[tuple[str, str | None]]) -> str:
    """The line under a story that other feeds of the server also brought: their
    names, linked to their copies."""
    names = ", ".join(link(name, url, 80) for name, url in others[:ALSO_LIMIT])
    more = f" and {len(others) - ALSO_LIMIT} more" if len(others) > ALSO_LIMIT else ""
    return f"{also_head(article_id, title)}{names}{more}"
