"""One story, many sources: whether a new feed item repeats a story a server's feeds
already brought within the day.

Outlets that carry one story mostly carry one text: a wire copy, lightly edited, with
its own headline, a dateline, a paragraph cut or added at the end. That is what the
search's near-duplicate check (:func:`news.retrieval.same_story`, the 5-word shingles
of the opening) already recognises, so the delivery uses it too: the opening is where
copies agree. Two outlets' own reports of one event share facts, not sentences, and are
not grouped (``bench.story_pairs`` measures both kinds of pair).

Pure: no Discord, no storage; the caller hands over the recent posts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from news.retrieval import opening_shingles, same_story

WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Posted:
    """A story already posted for a server: what the "also reported by" line needs."""

    article_id: int
    source: str  # the feed's name, as /feed list shows it
    link: str | None
    at: datetime  # when it was posted (UTC)
    shingles: frozenset[int]

    @classmethod
    def of(cls, article_id: int, source: str, link: str | None, at: datetime, text: str) -> Posted:
        return cls(article_id, source, link, at, opening_shingles(text))


def first_report(
    text: str, source: str, now: datetime, posted: Iterable[Posted], window: timedelta = WINDOW
) -> Posted | None:
    """The earliest story posted within ``window`` before ``now`` that ``text`` repeats,
    from another source (a feed repeating itself is its own update, not a second
    source); None when the story is new."""
    mine = opening_shingles(text)
    if not mine:
        return None
    earliest: Posted | None = None
    for p in posted:
        if p.source == source or not (now - window <= p.at <= now):
            continue
        if same_story(mine, p.shingles) and (earliest is None or p.at < earliest.at):
            earliest = p
    return earliest
