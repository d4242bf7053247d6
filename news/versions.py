"""Versions of one developing story: "death toll rises to 12", then "to 40", then "to 73".

Two stored stories are versions of one when their openings are near-duplicates
(:func:`news.retrieval.same_story` over :func:`news.retrieval.opening_shingles`, the
test that already collapses copies in retrieval) or when their titles share most of
their content words (``TITLE_SHARE`` of the shorter title, at least ``TITLE_MIN``
words): an update is often rewritten from the top ("Talks postponed" after "Talks to
start Monday") while its headline keeps the subject's names.

A story's date is its publication date, else the day it was added; of two versions
the later date is the newer, and on the same day the later added. Pure and cheap: a
few dozen set operations over the candidates one question already holds.

Before the answer, a question that names no time may lift newer stories among its
candidates (:func:`recency_prior`): each bm25 score is multiplied by
``exp(-strength * age / 7)``, the age being whole days behind the newest candidate's day.
Ages are counted from the newest candidate rather than from the clock: the re-ranking
reads bm25 relative to the best candidate, so the order is the same as with ages from
today, and candidates of one day (a store imported at once, the dev set) are left
exactly as bm25 ranked them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from news.retrieval import Candidate, same_story, story_shingles
from news.words import PLAIN_WORD, SEARCH_STOP, stem

TITLE_SHARE = 0.6
TITLE_MIN = 2
# Two sentences are one with its figures changed when this share of their words agree.
SENTENCE_SHARE = 0.8


@dataclass(frozen=True)
class Version:
    """One stored story as the version test needs it (``text`` may be empty when only
    the title is at hand)."""

    article_id: int
    title: str
    published: date | None
    added_at: datetime
    text: str = ""

    @property
    def key(self) -> tuple[date, datetime, int]:
        """What orders versions, oldest first: the story's day, then when it was added."""
        return (self.published or self.added_at.date(), self.added_at, self.article_id)

    @property
    def day(self) -> date:
        return self.published or self.added_at.date()


def title_words(title: str) -> frozenset[str]:
    """The stems of a title's content words (names and subjects, not "the" or "to")."""
    return frozenset(
        stem(w)
        for w in PLAIN_WORD.findall(title[:300].casefold())
        if w not in SEARCH_STOP and (len(w) > 2 or w.isdigit()) and not w.isdigit()
    )


class Versions:
    """The version test over one question's candidates, each story's words computed once."""

    def __init__(self, stories: Sequence[Version]):
        self.stories = {v.article_id: v for v in stories}
        self._titles = {v.article_id: title_words(v.title) for v in stories}
        # Cached by article: the near-duplicate collapse already read these openings.
        self._openings = {
            v.article_id: story_shingles(v.article_id, v.text) if v.text else frozenset()
            for v in stories
        }

    def same(self, a: int, b: int) -> bool:
        """Whether stories ``a`` and ``b`` are versions of one story."""
        if a == b:
            return True
        ta, tb = self._titles.get(a, frozenset()), self._titles.get(b, frozenset())
        shared = len(ta & tb)
        if shared >= TITLE_MIN and shared >= TITLE_SHARE * min(len(ta), len(tb)):
            return True
        return same_story(self._openings.get(a, frozenset()), self._openings.get(b, frozenset()))

    def newer(self, article_id: int, *, strictly_later_day: bool = False) -> list[Version]:
        """The versions of ``article_id``'s story newer than it, newest first.
        ``strictly_later_day``: only those of a later day (same-day copies do not count)."""
        base = self.stories.get(article_id)
        if base is None:
            return []
        out = [
            v
            for v in self.stories.values()
            if v.article_id != article_id
            and v.key > base.key
            and (not strictly_later_day or v.day > base.day)
            and self.same(article_id, v.article_id)
        ]
        return sorted(out, key=lambda v: v.key, reverse=True)


def same_sentence(a: str | None, b: str | None) -> bool:
    """Whether two sentences are one sentence with its figures changed: their words
    other than numbers agree (Jaccard at least SENTENCE_SHARE)."""
    if not a or not b:
        return False
    wa = frozenset(w for w in PLAIN_WORD.findall(a[:1000].casefold()) if not w.isdigit())
    wb = frozenset(w for w in PLAIN_WORD.findall(b[:1000].casefold()) if not w.isdigit())
    if not wa or not wb:
        return False
    return len(wa & wb) >= SENTENCE_SHARE * len(wa | wb)


def recency_prior(
    candidates: Sequence[Candidate], days: Mapping[int, date], strength: float
) -> list[Candidate]:
    """``candidates`` with their scores lowered by age: ``exp(-strength * age / 7)``,
    ``age`` the whole days between a candidate's day (``days``: publication date, else
    added date) and the newest candidate's. Strength 0, or candidates all of one day,
    change nothing; a candidate without a day keeps its score."""
    if strength <= 0 or not days:
        return list(candidates)
    newest = max(days.values())
    out = []
    for c in candidates:
        day = days.get(c.article_id)
        age = (newest - day).days if day is not None else 0
        out.append(replace(c, score=c.score * math.exp(-strength * age / 7)) if age else c)
    return out
