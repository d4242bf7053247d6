"""The few facts every output of the bot shares, defined once.

- Discord's limits, which :mod:`bot.render`, :mod:`bot.digest` and the cogs write within
  (https://discord.com/developers/docs/resources/message#embed-object-embed-limits);
- the bot's colours;
- :func:`article_date`, the one date shown for an article, in Discord and on the
  command line, with what it is: the day it was published, or the day it was added.

It imports neither discord.py nor anything heavy, so the command line can use it
without paying for the Discord library at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from news.domain import Article

# -- Discord's limits ----------------------------------------------------------------
MESSAGE_LIMIT = 2000  # characters of a message's content
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
# Characters across all the embeds of one message (titles, descriptions, fields,
# footers, authors); a single embed can therefore never exceed it either.
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
CHOICE_NAME_LIMIT = 100  # an autocomplete choice's label
CHOICES_LIMIT = 25  # autocomplete choices in one answer
TEXT_INPUT_LIMIT = 4000  # a modal's text input

# -- colours (discord.py takes an int as an embed colour) ------------------------------
COLOUR = 0x5865F2  # Discord's blurple: cards, answers, lists, searches and digests
NOT_FOUND_COLOUR = 0x979C9F  # discord.Colour.light_grey(): the honest abstention


@dataclass(frozen=True)
class ArticleDate:
    """An article's date and what it is. Without its label, the day an article was added
    reads as the day it was published (issue 20, item 14), so every output shows one of
    these two forms, never the bare day."""

    day: date
    published: bool  # False: no publication date is known; ``day`` is when it was added

    @property
    def label(self) -> str:
        """ "Published" or "Added": the name of a card's date field."""
        return "Published" if self.published else "Added"

    def day_text(self) -> str:
        """The day as a reader says it, "3 May 2026" (under a label of its own)."""
        return f"{self.day.day} {self.day:%b %Y}"

    def long(self) -> str:
        """ "Published 3 May 2026" or "Added 7 Dec 2026": cards, digests, ``newsbot show``."""
        return f"{self.label} {self.day_text()}"

    def short(self) -> str:
        """ "published 2026-05-03" or "added 2026-12-07": one-line lists and citations."""
        return f"{self.label.lower()} {self.day.isoformat()}"


def article_date(article: Article) -> ArticleDate:
    """The date a reader cares about: publication if known, else the UTC day it was added."""
    if article.published is not None:
        return ArticleDate(article.published, published=True)
    return ArticleDate(article.added_at.astimezone(UTC).date(), published=False)


def published_date(day: date) -> ArticleDate:
    """A known publication date (a search hit carries no other), labelled as one."""
    return ArticleDate(day, published=True)
