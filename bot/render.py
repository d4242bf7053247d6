"""Everything the bot shows in Discord: embeds and messages within Discord's limits.

Pure functions, no I/O. These helpers are public for every feature that posts text
(commands, digests):

- :func:`escape` makes article text inert: no markdown, no pings, no channel links,
  no bidi controls or invisible characters;
- :func:`link` puts text inside the bot's own ``[...](...)`` so that neither the text
  nor the URL (through :func:`safe_url`) can open, close or redirect a link;
- :func:`clamp` shortens text to a limit at a word boundary, with an ellipsis;
- :func:`split_message` cuts long text into messages of at most 2,000 characters at
  paragraph, line, sentence or word boundaries.

:func:`fit_embed` enforces every embed limit on an embed built anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

import discord
from discord.utils import escape_mentions

from bot.style import (
    AUTHOR_LIMIT,
    CHOICE_NAME_LIMIT,
    COLOUR,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELDS_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    MESSAGE_LIMIT,
    NOT_FOUND_COLOUR,
    article_date,
    published_date,
)
from news.answer import Answer, Quote
from news.domain import Article, SearchHit
from news.text import strip_invisible
from news.words import PLAIN_WORD, SEARCH_STOP, stem

NOT_FOUND = "Not found in the stored articles."
NOT_SURE = "I could not pin down an exact answer."
NOT_SURE_LEAD = "These sentences from the stored articles come closest:"
PAGE_SIZE = 10
# Room per row on list and search pages: PAGE_SIZE rows always fit one description.
ROW_TITLE_LIMIT = 150
SNIPPET_LIMIT = 200
EVIDENCE_LIMIT = 1500
CARD_TEXT_LIMIT = 1500
# A quoted sentence on the passages card: a few lines on a phone, not a wall of text.
QUOTE_LIMIT = 300
SEE_ALSO_LIMIT = 5
# More bold words than this in one quote, or bold on more than a third of its words,
# and highlighting stops helping the eye: the quote is shown plain.
MAX_HIGHLIGHTS = 4
# A highlighted word starts after a space (or an opening quote/bracket) and ends
# before a space or punctuation, so bold markers never touch an escape, a mention or
# a URL.
_BEFORE_HIGHLIGHT = frozenset(" \"'(“‘")
_AFTER_HIGHLIGHT = frozenset(" .,;:!?\"')”’")

ELLIPSIS = "…"
ESCAPE_INPUT_LIMIT = 8192  # characters of input escape() reads; longer text is cut first
URL_LIMIT = 1000  # a longer link target is not linked
# A mention in any form Discord resolves: users, roles, channels, slash commands, custom
# emoji, timestamps and the server navigation links (<id:customize>, <id:browse>, ...).
_ANGLE_MENTION = re.compile(r"<(?=[@#/]|a?:\w+:\d+>|t:\d+|id:)")
# What escape() rewrites, in one left-to-right pass (linear in the text):
# - a bare URL (Discord's own pattern): kept as it is so it stays clickable, except for
#   backslashes and brackets, which no real URL holds unencoded and which could
#   otherwise start or end a masked link;
# - every inline markdown character, backslash and square bracket: a lone "[" or "]"
#   is what lets a title open or close a masked link around the bot's own "[...](...)";
# - a quote, heading or list marker at the start of a line.
_ESCAPED = re.compile(
    r"(?P<url><[^: >]+:/[^ >]+>|https?://[^\s<]+[^<.,:;\"'\]\s])"
    r"|(?P<char>[\\_~|*`\[\]])"
    r"|^(?P<indent>[ \t]*)(?P<block>>(?:>>)?(?=\s)|#{1,3}|-)",
    re.MULTILINE,
)
_URL_SPECIAL = re.compile(r"[\\\[\]]")
_SPLIT_POINTS = (
    re.compile(r"\n\s*\n"),  # paragraphs
    re.compile(r"\n"),  # lines
    re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+"),  # sentences
    re.compile(r"\s+"),  # words
)

# "1. " at a line start would render as a numbered list.
_ORDERED_LIST = re.compile(r"^([ \t]*\d+)\.(?=\s)", re.MULTILINE)


def escape(text: str) -> str:
    """Text from an article or a user, made inert for Discord.

    Bidi controls and invisible characters are removed (see
    :func:`news.text.strip_invisible`), markdown characters and square brackets are
    backslash-escaped, ``@everyone``/``@here`` and
    ``@<id>`` get a zero-width space after the ``@``, and ``<@…>``, ``<@&…>``,
    ``<#…>``, ``</cmd:…>``, custom emoji and timestamps get one after the ``<``, so
    nothing pings, links a channel or breaks the surrounding formatting. (The bot
    also sends ``allowed_mentions`` none; this makes the text look inert too.) Only the
    first ``ESCAPE_INPUT_LIMIT`` characters are kept.
    """
    # Nothing the bot shows needs more (every caller clamps to an embed limit).
    text = strip_invisible(text[:ESCAPE_INPUT_LIMIT])
    text = _ESCAPED.sub(_escape_match, text)
    text = escape_mentions(text)
    text = _ORDERED_LIST.sub(r"\1\\.", text)
    return _ANGLE_MENTION.sub("<\u200b", text)


def _escape_match(match: re.Match[str]) -> str:
    url = match.group("url")
    if url is not None:
        return _URL_SPECIAL.sub(r"\\\g<0>", url)
    char = match.group("char")
    if char is not None:
        return "\\" + char
    return f"{match.group('indent')}\\{match.group('block')}"


def link(text: str, url: str | None, limit: int) -> str:
    """``text`` as a markdown link to ``url``, at most ``limit`` characters of link text.

    Discord does not honour backslash escapes inside link text (its link rule finds
    the closing ``]`` before escapes are read), so the text's square brackets become
    parentheses there: the first ``](`` is always the bot's own. The target goes
    through :func:`safe_url`; without a safe one the text comes back escaped, unlinked.
    """
    target = safe_url(url)
    if target is None:
        return clamp(escape(text), limit)
    label = clamp(escape(text.replace("[", "(").replace("]", ")")), limit)
    return f"[{label}]({target})"


def safe_url(url: str | None) -> str | None:
    """An http(s) URL that cannot break out of a markdown link, or None.

    Whitespace, ``<>``, backslashes and parentheses (which could end the link or the
    line) are percent-encoded; what is already encoded stays as it is.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    cleaned = quote(url, safe="/:?#[]@!$&'*+,;=%~-._")
    cleaned = cleaned.replace("(", "%28").replace(")", "%29")
    if len(cleaned) > URL_LIMIT:
        return None
    return cleaned


def clamp(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near.

    A cut text ends with ``ellipsis``. A trailing backslash left by the cut is dropped
    so an escape sequence is never broken in half.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    if room <= 0:
        return ellipsis[:limit]
    cut = text[:room]
    space = cut.rfind(" ")
    if space >= room * 2 // 3:
        cut = cut[:space]
    cut = _drop_dangling_backslash(cut.rstrip())
    return cut + ellipsis


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` as chunks of at most ``limit`` characters, none empty.

    Cuts at the last paragraph break that fits, else a line break, a sentence end,
    a space, and only as a last resort inside a word. Whitespace at a cut is dropped;
    nothing else is lost, so ``"".join`` of the chunks equals the text minus that
    whitespace.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut, resume = _cut_point(rest, limit)
        chunk = rest[:cut].rstrip()
        chunks.append(chunk)
        rest = rest[resume:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _cut_point(text: str, limit: int) -> tuple[int, int]:
    """Where to end this chunk and where the next one starts."""
    window = text[: limit + 1]  # a break just after the limit still counts
    for pattern in _SPLIT_POINTS:
        best = None
        for match in pattern.finditer(window):
            if 0 < match.start() <= limit:
                best = match
        if best is not None and best.start() >= limit // 4:
            return best.start(), best.end()
    cut = len(_drop_dangling_backslash(text[:limit])) or limit
    return cut, cut


def _drop_dangling_backslash(text: str) -> str:
    trailing = len(text) - len(text.rstrip("\\"))
    return text[:-1] if trailing % 2 else text


# -- embeds ---------------------------------------------------------------------------


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """The embed with every Discord limit enforced (mutates and returns it).

    Its text is also cleared of bidi controls and invisible characters, whatever
    built it: what a card shows must read as it is stored.
    """
    if embed.title:
        embed.title = clamp(strip_invisible(embed.title), EMBED_TITLE_LIMIT)
    if embed.description:
        embed.description = clamp(strip_invisible(embed.description), EMBED_DESCRIPTION_LIMIT)
    if embed.footer.text:
        embed.set_footer(
            text=clamp(strip_invisible(embed.footer.text), FOOTER_LIMIT),
            icon_url=embed.footer.icon_url,
        )
    if embed.author.name:
        embed.set_author(
            name=clamp(strip_invisible(embed.author.name), AUTHOR_LIMIT),
            url=embed.author.url,
            icon_url=embed.author.icon_url,
        )
    fields = embed.fields[:EMBED_FIELDS_LIMIT]
    embed.clear_fields()
    for item in fields:
        embed.add_field(
            name=clamp(strip_invisible(item.name or "") or "\u200b", FIELD_NAME_LIMIT),
            value=clamp(strip_invisible(item.value or "") or "\u200b", FIELD_VALUE_LIMIT),
            inline=bool(item.inline),
        )
    over = len(embed) - EMBED_TOTAL_LIMIT
    if over > 0 and embed.description:
        embed.description = clamp(embed.description, max(len(embed.description) - over, 1))
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def _short_citation(article: Article) -> str:
    """An article's linked title and id (a "See also" row)."""
    return f"{link(article.title, article.url, ROW_TITLE_LIMIT)} · #{article.id}"


def citation(article: Article) -> str:
    """One line naming an article: linked title, source, date ("published 2026-05-03" or
    "added 2026-12-07") and id."""
    parts = [link(article.title, article.url, ROW_TITLE_LIMIT)]
    if article.source:
        parts.append(clamp(escape(article.source), 80))
    parts.append(article_date(article).short())
    parts.append(f"#{article.id}")
    return " · ".join(parts)


def article_card(article: Article, lines: Sequence[str] | None = None) -> discord.Embed:
    """An article's card: title (linked), source, date, id and its first lines or summary.

    The date's field is named for what it is, "Published" or "Added"."""
    if lines is None:
        lines = article.summary or article.text.split("\n")[:3]
    body = "\n".join(escape(line.strip()) for line in lines if line.strip())
    embed = discord.Embed(
        title=clamp(escape(article.title), EMBED_TITLE_LIMIT),
        url=safe_url(article.url),
        description=clamp(body, CARD_TEXT_LIMIT) or None,
        colour=COLOUR,
    )
    embed.add_field(name="Source", value=clamp(escape(article.source or "pasted text"), 200))
    when = article_date(article)
    embed.add_field(name=when.label, value=when.day_text())
    embed.add_field(name="ID", value=f"#{article.id}")
    embed.set_footer(text=f"Article #{article.id}")
    return fit_embed(embed)


def answer_embed(
    answer: Answer, article: Article | None, see_also: Sequence[Article] = ()
) -> discord.Embed:
    """The answer in bold, the sentence that proves it as a quote, and the citation.

    ``see_also`` are the other close articles, listed by linked title and id.
    """
    parts = [f"**{escape(answer.answer or '')}**"]
    if answer.evidence:
        parts.append("> " + clamp(escape(" ".join(answer.evidence.split())), EVIDENCE_LIMIT))
    if answer.extra:  # a whole line with its own label ("Running total: ...")
        parts.append(clamp(escape(answer.extra), 500))
    embed = discord.Embed(description="\n\n".join(parts), colour=COLOUR)
    embed.set_author(name=clamp(escape_mentions(answer.question), AUTHOR_LIMIT))
    if article is not None:
        embed.add_field(name="Source", value=citation(article), inline=False)
    others = [a for a in see_also if a.id != answer.article_id][:SEE_ALSO_LIMIT]
    if others:
        embed.add_field(
            name="See also",
            value="\n".join(f"• {_short_citation(a)}" for a in others),
            inline=False,
        )
    return fit_embed(embed)


def passages_embed(question: str, quotes: Sequence[tuple[Quote, Article]]) -> discord.Embed:
    """The plain "not sure" reply: the most relevant sentences, each quoted (short, the
    words that carry the question in bold when that stays readable) under the article
    it comes from.

    Quotes from one article are shown together, in the order the articles first come.
    """
    embed = discord.Embed(title=NOT_SURE, colour=NOT_FOUND_COLOUR)
    embed.set_author(name=clamp(escape_mentions(question), AUTHOR_LIMIT))
    words = question_words(question) - subject_words(question, quotes)
    grouped: dict[int, tuple[Article, list[str]]] = {}
    for shown, article in quotes:
        grouped.setdefault(article.id, (article, []))[1].append(
            "> " + quote_text(shown.text, words)
        )
    blocks = ["\n".join(lines) + "\n— " + citation(article) for article, lines in grouped.values()]
    embed.description = "\n\n".join([NOT_SURE_LEAD, *blocks])
    return fit_embed(embed)


def question_words(question: str) -> frozenset[str]:
    """Stems of the question's content words: what a quote may highlight."""
    return frozenset(
        stem(w)
        for w in PLAIN_WORD.findall(question.lower())
        if len(w) >= 3 and w not in SEARCH_STOP
    )


def subject_words(question: str, quotes: Sequence[tuple[Quote, Article]]) -> frozenset[str]:
    """The question's words (stems) that name what it is about rather than what it
    asks: bold on them marks every quote alike and points at nothing.

    A word is the subject when every quote holds it (two quotes or more), or when it is
    a name (capitalised in the question) that the title of a quoted article holds:
    "Brightline" in "How many jobs is Brightline cutting?", where "jobs" and "cutting"
    are what the reader looks for.
    """
    words = question_words(question)
    if not words or not quotes:
        return frozenset()
    held = [_stems(shown.text) for shown, _ in quotes]
    everywhere = frozenset.intersection(*held) if len(held) >= 2 else frozenset()
    titles = frozenset().union(*(_stems(article.title) for _, article in quotes))
    names = frozenset(stem(w.lower()) for w in PLAIN_WORD.findall(question) if w[0].isupper())
    return frozenset(w for w in words if w in everywhere or (w in names and w in titles))


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in PLAIN_WORD.findall(text.lower()))


def quote_text(text: str, words: frozenset[str] = frozenset(), limit: int = QUOTE_LIMIT) -> str:
    """One sentence, escaped and cut to about ``limit`` characters around its first
    matched word, with the matched words in bold when few enough match."""
    raw = _excerpt(" ".join(text.split()), words, limit)
    matches = [m for m in PLAIN_WORD.finditer(raw) if _highlightable(raw, m, words)]
    total = len(PLAIN_WORD.findall(raw))
    if not matches or len(matches) > MAX_HIGHLIGHTS or 3 * len(matches) > total:
        return escape(raw)
    out, done = [], 0
    for m in matches:
        out += [escape(raw[done : m.start()]), f"**{m.group()}**"]
        done = m.end()
    out.append(escape(raw[done:]))
    return "".join(out)


def _highlightable(text: str, match: re.Match[str], words: frozenset[str]) -> bool:
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return (
        before in _BEFORE_HIGHLIGHT and after in _AFTER_HIGHLIGHT and stem(match.group()) in words
    )


def _excerpt(text: str, words: frozenset[str], limit: int) -> str:
    """``text`` within ``limit``: from the start, or from a little before the first
    matched word when that would be cut off, with an ellipsis where text was left out."""
    if len(text) <= limit:
        return text
    first = next((m.start() for m in PLAIN_WORD.finditer(text) if stem(m.group()) in words), 0)
    start = 0
    if first > limit // 2:
        space = text.find(" ", first - limit // 3)
        start = space + 1 if 0 <= space < first else first
    if start == 0:
        return clamp(text, limit)
    return ELLIPSIS + clamp(text[start:], limit - len(ELLIPSIS))


def not_found_embed(question: str, closest: Sequence[Article]) -> discord.Embed:
    """The honest abstention, with the closest articles when there are any."""
    embed = discord.Embed(title=NOT_FOUND, colour=NOT_FOUND_COLOUR)
    embed.set_author(name=clamp(escape_mentions(question), AUTHOR_LIMIT))
    if closest:
        embed.description = "Closest articles:\n" + "\n".join(
            f"• {citation(article)}" for article in closest[:5]
        )
    return fit_embed(embed)


def with_reader(embed: discord.Embed, footer: str | None) -> discord.Embed:
    """An /ask card with the reader that answered in its footer ("answered by MODEL,
    quote checked", "offline engine"); unchanged when ``footer`` is None (no model
    reader is configured, so there is no choice of reader to show)."""
    if not footer:
        return embed
    embed.set_footer(text=footer)
    return fit_embed(embed)


def list_page(articles: Sequence[Article], page: int, pages: int, total: int) -> discord.Embed:
    """One page of the newest articles (``page`` counts from 0)."""
    embed = discord.Embed(title="Stored articles", colour=COLOUR)
    if articles:
        embed.description = "\n".join(f"• {citation(article)}" for article in articles)
    else:
        embed.description = "No articles are stored yet."
    embed.set_footer(text=_page_footer(page, pages, total, "article"))
    return fit_embed(embed)


def search_page(
    query: str, hits: Sequence[SearchHit], page: int, pages: int, total: int | None = None
) -> discord.Embed:
    """One page of search results with a snippet each (``page`` counts from 0)."""
    embed = discord.Embed(title=clamp(f"Search: {escape(query)}", EMBED_TITLE_LIMIT), colour=COLOUR)
    rows = []
    for hit in hits:
        title = link(hit.title, hit.url, ROW_TITLE_LIMIT)
        meta = " · ".join(
            part
            for part in (
                clamp(escape(hit.source), 80) if hit.source else None,
                # A hit carries no added day: only a publication date is shown.
                published_date(hit.published).short() if hit.published else None,
                f"#{hit.article_id}",
            )
            if part
        )
        snippet = clamp(escape(" ".join(hit.snippet.split())), SNIPPET_LIMIT)
        rows.append(f"**{title}** ({meta})\n{snippet}")
    embed.description = "\n\n".join(rows) if rows else "No stored article matches."
    embed.set_footer(text=_page_footer(page, pages, total, "result"))
    return fit_embed(embed)


def _page_footer(page: int, pages: int, total: int | None, noun: str) -> str:
    text = f"Page {page + 1} of {max(pages, 1)}"
    if total is not None:
        text += f" · {total} {noun}{'' if total == 1 else 's'}"
    return text


def stored_message(article: Article, duplicate: bool) -> str:
    """The line above an added article's card."""
    if duplicate:
        return f"That article was already stored as #{article.id}."
    return f"Stored as article #{article.id}."


def choice_name(article: Article) -> str:
    """An autocomplete choice's label (plain text: Discord shows it verbatim)."""
    title = " ".join(strip_invisible(article.title).split())
    return f"#{article.id} {title}"[:CHOICE_NAME_LIMIT]
