"""What an /ask card says about time: the answer's date under the answer, the window
the question named, and a newer version of the story that did not answer ("Newer:").

Pure, like :mod:`bot.render`: an embed and facts in, the embed with its lines added
and every limit enforced.
"""

from __future__ import annotations

import discord

from bot.render import ROW_TITLE_LIMIT, clamp, escape, fit_embed
from bot.style import EMBED_DESCRIPTION_LIMIT, ArticleDate, article_date
from news.domain import Article
from news.versions import Version

NEWER = "Newer:"
DATE_MARK = "🗓️ "  # the answer's date line starts with it


def dated_answer(embed: discord.Embed, article: Article | None) -> discord.Embed:
    """The answer's date on the line under the bold answer ("🗓️ Published 3 Dec 2026"):
    a developing story's figure is only true as of its day."""
    if article is None or not embed.description:
        return embed
    first, _, rest = embed.description.partition("\n\n")
    line = DATE_MARK + article_date(article).long()
    embed.description = f"{first}\n{line}" + (f"\n\n{rest}" if rest else "")
    return fit_embed(embed)


def newer_line(newer: Version) -> str:
    """ "Newer: <title> · published 2026-12-05 · #12" (the title escaped)."""
    when = ArticleDate(newer.day, published=newer.published is not None)
    title = clamp(escape(newer.title), ROW_TITLE_LIMIT)
    return f"**{NEWER}** {title} · {when.short()} · #{newer.article_id}"


def with_time(
    embed: discord.Embed, window_note: str | None, newer: Version | None
) -> discord.Embed:
    """The card with the window the question named and the newer version, each on a
    line of its own at the end of the description (they are the bot's words: only the
    title of the newer story is article text, and it is escaped)."""
    lines = [line for line in (newer_line(newer) if newer else None, window_note) if line]
    if not lines:
        return embed
    tail = "\n".join(escape(line) if line == window_note else line for line in lines)
    body = embed.description or ""
    room = EMBED_DESCRIPTION_LIMIT - len(tail) - 2
    embed.description = (clamp(body, room) + "\n\n" if body else "") + tail
    return fit_embed(embed)


def with_window(embed: discord.Embed, note: str | None) -> discord.Embed:
    """A search page with the window's line above its results."""
    if not note:
        return embed
    body = embed.description or ""
    line = escape(note)
    room = EMBED_DESCRIPTION_LIMIT - len(line) - 2
    embed.description = line + ("\n\n" + clamp(body, room) if body else "")
    return fit_embed(embed)


ASKED_AS = "Asked as:"


def asked_as(embed: discord.Embed, question: str | None) -> discord.Embed:
    """A follow-up's card with the question as the engine read it, when its pronouns
    were written out ("Asked as: what did Laura Menendez say?")."""
    if not question:
        return embed
    line = f"*{ASKED_AS}* {clamp(escape(question), 300)}"
    body = embed.description or ""
    room = EMBED_DESCRIPTION_LIMIT - len(line) - 2
    embed.description = (clamp(body, room) + "\n\n" if body else "") + line
    return fit_embed(embed)
