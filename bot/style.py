"""The few facts every output of the bot shares, defined once.

- Discord's limits, which :mod:`bot.render`, :mod:`bot.digest` and the cogs write within
  (https://discord.com/developers/docs/resources/message#embed-object-embed-limits);
- the bot's colours;
- :func:`article_date`, the one date shown for an article, in Discord and on the
  command line.

It imports neither discord.py nor anything heavy, so the command line can use it
without paying for the Discord library at start-up.
"""

from __future__ import annotations

from datetime import UTC, date

from storage.articles import Article

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


def article_date(article: Article) -> date:
    """The date a reader cares about: publication if known, else the UTC day it was added."""
    return article.published or article.added_at.astimezone(UTC).date()
