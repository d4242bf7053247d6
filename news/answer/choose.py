"""Choosing the answer: the minimum-Bayes-risk pick among scored spans, the answer
text a span stands for (a count's number with its units, a complete date), and which
numbers are running totals rather than the count asked about (the line that reports
a total beside the answer is :mod:`.totals`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from news.answer.lexicon import (
    CURRENCY,
    CURRENCY_WORDS,
    FUNCTION_WORDS,
    QUALIFIERS,
    SCALE_SUFFIXES,
    SCALE_WORDS,
    UNIT_WORDS,
)
from news.answer.question import QuestionInfo
from news.answer.spans import Candidate
from news.answer.tokens import Sentence, Tok

# "the total ... to 5,000": how many tokens apart "total" and its number may be.
TOTAL_REACH = 14


def trim(text: str) -> str:
    """The text without the punctuation and quote marks at its edges."""
    return text.strip(" ,;:-–—\"'“”‘’()[]")


def _qualifies(toks: Sequence[Tok], k: int) -> bool:
    """Whether ``toks[k]`` belongs in front of the number that follows it: a currency
    sign or a qualifier ("about", "up to"). A bare "to" is a preposition ("the total
    to 5,000"), and "an" and "only" say nothing of the amount."""
    t = toks[k]
    if t.text in CURRENCY:
        return True
    if t.low not in QUALIFIERS or t.low in ("an", "only"):
        return False
    return t.low != "to" or (k > 0 and toks[k - 1].low == "up")


def _glued_scale(toks: Sequence[Tok], k: int) -> bool:
    """A scale suffix written onto the number before it: the "m" of "€20m"."""
    return toks[k].low in SCALE_SUFFIXES and toks[k].start == toks[k - 1].end and toks[k - 1].num


def extend_number(sent: Sentence, start: int, end: int, info: QuestionInfo) -> tuple[int, int]:
    """Grow a number span to take its qualifiers, currency and scale/unit words."""
    toks = sent.toks
    while start > 0 and _qualifies(toks, start - 1):
        start -= 1
    while end < len(toks) and (
        toks[end].num
        or toks[end].low in SCALE_WORDS
        or _glued_scale(toks, end)
        or (info.unit and (toks[end].low in UNIT_WORDS or toks[end].low in CURRENCY_WORDS))
    ):
        end += 1
    # A currency named by its country: "35 million Zimbabwean dollars".
    if (
        info.unit
        and end + 1 < len(toks)
        and toks[end].cap
        and not toks[end].punct
        and toks[end + 1].low in CURRENCY_WORDS
    ):
        end += 2
    return start, end


def _kept_in_front(toks: Sequence[Tok], s: int, end: int) -> bool:
    """Whether a function word may open the answer ``toks[s:end]``: a qualifier of the
    number after it ("about 210,000", "as many as 40", "at least 5"), or a capitalised
    word that starts a name mid-sentence ("The Hague")."""
    t = toks[s]
    if t.cap and s > 0 and not toks[s - 1].strong and s + 1 < end:
        nxt = toks[s + 1]
        if nxt.cap and not nxt.punct and nxt.low not in FUNCTION_WORDS:
            return True
    if t.low == "to" or (
        t.low == "at" and not (s + 1 < end and toks[s + 1].low in ("least", "most"))
    ):
        return False
    k = s
    while k < end and (
        toks[k].low in QUALIFIERS or toks[k].low == "at" or toks[k].text in CURRENCY
    ):
        k += 1
    return k < end and toks[k].num


def _loose(t: Tok) -> bool:
    """Punctuation the answer's text would trim anyway (not a currency sign or "%")."""
    return t.punct and t.text not in CURRENCY and t.text != "%"


def clean_edges(sent: Sentence, start: int, end: int) -> tuple[int, int]:
    """The span without the function words and loose punctuation at its edges ("to
    under 5,000" -> "under 5,000", "the policy of" -> "policy"): they are no part of
    any answer, and a name's inner words ("Bank of England") are never at its edge.
    A span of nothing else is left as it is."""
    toks = sent.toks
    s, e = start, end
    while s < e and (
        _loose(toks[s]) or (toks[s].low in FUNCTION_WORDS and not _kept_in_front(toks, s, e))
    ):
        s += 1
    while e > s and (
        _loose(toks[e - 1]) or (toks[e - 1].low in FUNCTION_WORDS and not _particle(toks, e - 1))
    ):
        e -= 1
    return (s, e) if s < e else (start, end)


# Prepositions that also end a phrasal verb ("turn himself in", "give up").
_PARTICLES = frozenset(("in", "on", "off", "out", "up", "over", "down", "through", "about"))


def _particle(toks: Sequence[Tok], k: int) -> bool:
    """Whether ``toks[k]`` ends a phrasal verb rather than opening a phrase: it has no
    object, the sentence or clause going on with punctuation or another function word."""
    if toks[k].low not in _PARTICLES:
        return False
    nxt = toks[k + 1] if k + 1 < len(toks) else None
    return nxt is None or nxt.punct or nxt.low in FUNCTION_WORDS


def extend_time(sent: Sentence, start: int, end: int) -> tuple[int, int]:
    """Complete a date: "May 25" -> "May 25, 1979"."""
    toks = sent.toks
    while end < len(toks):
        t = toks[end]
        if t.time or (t.num and len(t.low) <= 4):
            end += 1
        elif t.text == "," and end + 1 < len(toks) and toks[end + 1].time and toks[end + 1].num:
            end += 2
        else:
            break
    return start, end


def candidate_text(info: QuestionInfo, sent: Sentence, cand: Candidate) -> str:
    """The answer text a candidate stands for, after shape-specific clean-up."""
    start, end = answer_range(info, sent, cand)
    return trim(sent.text[sent.toks[start].start : sent.toks[end - 1].end])


def answer_range(info: QuestionInfo, sent: Sentence, cand: Candidate) -> tuple[int, int]:
    """The tokens of the answer a candidate stands for: its shape-specific clean-up
    (a count's number with its units, a complete date), without function words at its
    edges."""
    start, end = cand.start, cand.end
    if info.qtype == "count" and any(t.num for t in sent.toks[start:end]):
        # A count is the number itself, with its qualifiers and units, not the noun
        # phrase it sits in ("250 low-risk inmates" -> "250").
        start = next(k for k in range(start, end) if sent.toks[k].num)
        start, end = extend_number(sent, start, start + 1, info)
    elif info.qtype == "time":
        toks = sent.toks
        first = next((k for k in range(start, end) if toks[k].time), None)
        if first is not None:
            # The date itself, not the clause around it: "fossils on Saturday" -> "Saturday".
            last = max(k for k in range(start, end) if toks[k].time or toks[k].num)
            start, end = first, last + 1
            if start > 0 and toks[start - 1].low in ("last", "next", "early", "late", "mid"):
                start -= 1
        start, end = extend_time(sent, start, end)
    return clean_edges(sent, start, end)


# Minimum-Bayes-risk choice: among the best MBR_TOP spans, take the one with the
# highest expected token overlap with the others under the ranker's softmax (at
# temperature MBR_TEMPERATURE); overlapping good spans reinforce each other.
# Only for the forms where it helps under cross-validation: counts, times, places
# and descriptions want the single sharpest span.
MBR_TOP = 30
MBR_TEMPERATURE = 0.5
MBR_FORMS = frozenset(("verb", "focus", "person", "other"))


def mbr_pick(cands: Sequence[Candidate]) -> Candidate:
    top = sorted(cands, key=lambda c: c.score, reverse=True)[:MBR_TOP]
    best_score = top[0].score
    probs = [math.exp((c.score - best_score) / MBR_TEMPERATURE) for c in top]
    win, win_value = top[0], -1.0
    for a in top:
        value = 0.0
        for b, p in zip(top, probs, strict=True):
            if a.sent_index != b.sent_index:
                continue
            overlap = min(a.end, b.end) - max(a.start, b.start)
            if overlap > 0:
                value += p * 2 * overlap / (a.end - a.start + b.end - b.start)
        if value > win_value:
            win, win_value = a, value
    return win


# "...will bring the total number of detainees freed to 5,000": a running total, not
# the count of the event asked about (:mod:`.totals` may report it beside the answer). The
# penalty is large: such a number wins only when the article offers no other count.
RUNNING_TOTAL_PENALTY = 5.0


def is_running_total(sent: Sentence, start: int, end: int) -> bool:
    """Whether the span's number is the N of "the total ... to N"."""
    toks = sent.toks
    for k in range(max(start, 1), min(end, len(toks))):
        after_to = toks[k].num and toks[k - 1].low == "to"
        if after_to and any(t.low == "total" for t in toks[max(0, k - TOTAL_REACH) : k]):
            return True
    return False


def counts_only_a_total(sent: Sentence) -> bool:
    """Whether the sentence's only numbers are running totals: none of its spans can
    be the count of the event asked about."""
    nums = [k for k, t in enumerate(sent.toks) if t.num and not t.time]
    return bool(nums) and all(is_running_total(sent, k, k + 1) for k in nums)
