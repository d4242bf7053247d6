"""Choosing the answer: the minimum-Bayes-risk pick among scored spans, the answer
text a span stands for (a count's number with its units, a complete date), and a
running total reported beside a count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from news.answer.lexicon import CURRENCY, QUALIFIERS, SCALE_WORDS, UNIT_WORDS
from news.answer.question import QuestionInfo
from news.answer.reader import Passage
from news.answer.spans import Candidate
from news.answer.tokens import Sentence, article_sentences

# "the total ... to 5,000": how many tokens apart "total" and its number may be.
TOTAL_REACH = 14


def trim(text: str) -> str:
    """The text without the punctuation and quote marks at its edges."""
    return text.strip(" ,;:-–—\"'“”‘’()[]")


def total_extra(info: QuestionInfo, passage: Passage, evidence: Sentence) -> str | None:
    """For counts: a sentence of the same article that gives a running total."""
    if info.qtype != "count":
        return None
    qset = set(info.terms)
    text = passage.text if isinstance(passage.text, str) else ""
    for s in article_sentences(int(passage.article_id), hash(text), text):
        if s is evidence or not (qset & s.keys):
            continue
        toks = s.toks
        for i, t in enumerate(toks):
            if t.low != "total":
                continue
            for j in range(i + 1, min(len(toks), i + 1 + TOTAL_REACH)):
                if toks[j].num:
                    start = toks[max(0, i - 2)].start
                    if i >= 2 and toks[i - 1].low not in ("the", "a"):
                        start = toks[i - 1].start
                    end = toks[j].end
                    while j + 1 < len(toks) and (toks[j + 1].num or toks[j + 1].low in SCALE_WORDS):
                        j += 1
                        end = toks[j].end
                    return s.text[start:end]
    return None


def extend_number(sent: Sentence, start: int, end: int, info: QuestionInfo) -> tuple[int, int]:
    """Grow a number span to take its qualifiers, currency and scale/unit words."""
    toks = sent.toks
    while start > 0 and (
        toks[start - 1].text in CURRENCY
        or (toks[start - 1].low in QUALIFIERS and toks[start - 1].low not in ("an", "only"))
    ):
        start -= 1
    while end < len(toks) and (
        toks[end].num or toks[end].low in SCALE_WORDS or (info.unit and toks[end].low in UNIT_WORDS)
    ):
        end += 1
    return start, end


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
    return trim(sent.text[sent.toks[start].start : sent.toks[end - 1].end])


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
# the count of the event asked about (the answer reports it as `extra` instead). The
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
