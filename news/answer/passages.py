"""The passages a member is shown: the few sentences most relevant to the question,
quoted exactly as the stored article has them.

Order: the sentences spans were drawn from come first, by their fitted sentence logit
plus SPAN_WEIGHT times the score of their best span (a sentence that holds a good
span of the asked-for shape is more likely to hold the answer than its words alone
say); the other matching sentences follow in the engine's order. Among the first
ones, those within TYPE_MARGIN of the best that hold a word of the asked type (a
number for a count, a name for "who", a time, a place) come before those that only
repeat the question's words. When the engine commits, its evidence leads. No sentence is quoted twice (the same sentence in two
stories counts once), and a sentence that barely matches the question is not quoted.

The story's opening sentence carries its main facts, often in other words than the
question's. So it takes the last place when the sentence that would fill it is far
less relevant than the first one (by OPENING_GAP, or not one spans were drawn from),
and it fills the first free place when fewer than QUOTES sentences match. The first
sentence's neighbours fill the places left, the one before first: an answer often
sits next to the sentence that names what the question asks about ("He was ..."),
sharing none of its words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from news.answer.lexicon import CURRENCY, PLACE_CUES, PLACE_PREPS, SCALE_WORDS, UNIT_WORDS
from news.answer.question import QuestionInfo
from news.answer.reader import Passage, Quote
from news.answer.sentences import Scored
from news.answer.tokens import Sentence, Tok, article_sentences

# At most this many quotes (the evidence counts as one when the engine commits).
QUOTES = 3
# How far (in relevance(): logits) the last place's sentence may fall below the first
# before the story's opening sentence takes its place. Chosen by 5-fold CV grouped by
# article on the dev set (grid 3..15 and never): 7 in every fold.
OPENING_GAP = 7.0
# The opening sentence is the first of this many that ends as a sentence does: a
# headline pasted above the story is passed over.
OPENING_SEARCH = 3
_SENTENCE_END = (".", "!", "?", '"', "”", "'", "’", ")")
# Weight of the best span's score against the sentence logit in the order; measured
# on the dev set (top-3 gold recall 0.768 -> 0.780 at 2.0, flat from 1.0 to 2.0).
SPAN_WEIGHT = 2.0
# How far (in relevance(): logits) below the first sentence one that holds a word of
# the asked type may be and still come before those that hold none: a sentence that
# only repeats the question's subject says nothing of what is asked.
TYPE_MARGIN = 3.0
# A sentence whose idf-weighted coverage of the question is below this is not relevant.
MIN_COVERAGE = 0.1
# Longer sentences (run-on scraped text) are quoted as a window of about this many
# characters, cut at word boundaries, around the span or the question's words.
QUOTE_CHARS = 400


def relevance(top: Sequence[Scored], best_span: Mapping[int, float]) -> list[float]:
    """Each of ``top``'s sentences' place in the order: its logit plus SPAN_WEIGHT
    times its best span's score (``best_span``: by index in ``top``)."""
    return [
        sc.logit + SPAN_WEIGHT * best_span.get(k, -SPAN_WEIGHT * 10) for k, sc in enumerate(top)
    ]


def passage_order(
    info: QuestionInfo,
    ranked: Sequence[Scored],
    top: Sequence[Scored],
    best_span: Mapping[int, float],
) -> list[Scored]:
    """The relevant sentences, most relevant first (``best_span``: by index in
    ``top``), except that those within TYPE_MARGIN of the first that hold a word of the
    asked type come before those that do not."""
    key = relevance(top, best_span)
    for sc, k in zip(top, key, strict=True):
        sc.relevance = k
    keyed = sorted(range(len(top)), key=key.__getitem__, reverse=True)
    if keyed:
        near = key[keyed[0]] - TYPE_MARGIN
        keyed.sort(key=lambda k: not (key[k] >= near and holds_asked_type(info, top[k].sentence)))
    order = [top[k] for k in keyed]
    order.extend(sc for sc in ranked if all(sc is not t for t in top))
    return [sc for sc in order if sc.coverage >= MIN_COVERAGE]


def holds_asked_type(info: QuestionInfo, sent: Sentence) -> bool:
    """Whether ``sent`` holds a word of the kind the question asks for, other than the
    question's own words: a number for a count, a time for "when", a name for "who", a
    place for "where" (a name after "in", "at", "from"..., or a place word)."""
    toks = sent.toks
    asked = set(info.terms)
    for k, t in enumerate(toks):
        if t.punct or t.key in asked:
            continue
        if info.qtype == "count" and t.num and not t.time and (not info.unit or _amount(toks, k)):
            return True
        if info.qtype == "time" and t.time:
            return True
        named = t.cap and not t.stop and not t.time and k > 0 and not toks[k - 1].strong
        if info.qtype == "person" and named:
            return True
        if info.qtype == "place" and (
            (named and toks[k - 1].low in PLACE_PREPS) or (t.low in PLACE_CUES and not t.cap)
        ):
            return True
    return False


def _amount(toks: Sequence[Tok], k: int) -> bool:
    """Whether the number at ``k`` comes with what makes it an amount ("how much",
    "how long"): a currency sign before it, or a scale or unit word after it."""
    before = toks[k - 1].text if k > 0 else ""
    after = toks[k + 1].low if k + 1 < len(toks) else ""
    return before in CURRENCY or after in SCALE_WORDS or after in UNIT_WORDS


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _window(info: QuestionInfo, sent: Sentence, focus: tuple[int, int] | None) -> str:
    """The sentence, or a window of about QUOTE_CHARS of it around ``focus`` (token
    range) or the question's words, cut at token edges: always a substring."""
    text = sent.text
    toks = sent.toks
    if len(text) <= QUOTE_CHARS or not toks:
        return text
    if focus is None:
        qset = set(info.terms)
        hits = [k for k, t in enumerate(toks) if t.key in qset]
        focus = (hits[0], hits[-1] + 1) if hits else (0, 1)
    lo, hi = toks[focus[0]].start, toks[focus[1] - 1].end
    centre = (lo + hi) // 2
    start = max(0, min(centre - QUOTE_CHARS // 2, len(text) - QUOTE_CHARS))
    end = start + QUOTE_CHARS
    first = next((t for t in toks if t.start >= start), toks[0])
    last = next((t for t in reversed(toks) if t.end <= end), toks[-1])
    if last.end <= first.start:
        return text
    return text[first.start : last.end]


def quotes(
    info: QuestionInfo,
    order: Sequence[Scored],
    lead: Scored | None = None,
    lead_span: tuple[int, int] | None = None,
) -> tuple[Quote, ...]:
    """Up to QUOTES sentences: ``lead`` (the evidence) first, then ``order``'s, the
    story's opening sentence in the last place when that place's sentence is weak,
    and the first free places filled by the opening sentence and the neighbours."""
    head = lead if lead is not None else (order[0] if order else None)
    if head is None:
        return ()
    picked = _Picked(info)
    ranked = [lead] if lead is not None else []
    ranked.extend(order)
    chosen: list[Scored] = []
    for sc in ranked:
        if picked.add(sc.passage, sc.sentence, lead_span if sc is lead else None):
            chosen.append(sc)
            if len(chosen) == QUOTES:
                break
    opening = _opening(head)
    if len(chosen) == QUOTES and _weak(head, chosen[-1]) and opening is not None:
        last = picked.pop()
        if not picked.add(head.passage, opening, None):
            picked.push(last)
    if len(picked) < QUOTES and opening is not None:
        picked.add(head.passage, opening, None)
    for sentence in _neighbours(head):
        if len(picked) == QUOTES:
            break
        picked.add(head.passage, sentence, None)
    return picked.quotes()


def _weak(head: Scored, last: Scored) -> bool:
    """Whether ``last`` is far less relevant than ``head`` (or not one the spans were
    drawn from, so its relevance was never weighed)."""
    if last.relevance is None:
        return True
    return head.relevance is not None and head.relevance - last.relevance > OPENING_GAP


def _opening(sc: Scored) -> Sentence | None:
    """The opening sentence of ``sc``'s story: the first of OPENING_SEARCH that ends as
    a sentence does, else the very first."""
    text = sc.passage.text if isinstance(sc.passage.text, str) else ""
    sents = article_sentences(int(sc.passage.article_id), hash(text), text)
    if not sents:
        return None
    return next(
        (s for s in sents[:OPENING_SEARCH] if s.text.rstrip().endswith(_SENTENCE_END)), sents[0]
    )


class _Picked:
    """The quotes so far, each a distinct sentence quoted exactly as its article has it."""

    def __init__(self, info: QuestionInfo) -> None:
        self.info = info
        self.items: list[tuple[str, Quote]] = []

    def __len__(self) -> int:
        return len(self.items)

    def add(self, passage: Passage, sentence: Sentence, focus: tuple[int, int] | None) -> bool:
        """Quote ``sentence`` unless it is quoted already or its window is not in the
        article; whether it was."""
        key = _key(sentence.text)
        if any(k == key for k, _ in self.items):
            return False
        text = passage.text if isinstance(passage.text, str) else ""
        quote = _window(self.info, sentence, focus)
        if not quote or quote not in text:  # never show what the article does not say
            return False
        self.items.append((key, Quote(int(passage.article_id), quote)))
        return True

    def pop(self) -> tuple[str, Quote]:
        return self.items.pop()

    def push(self, item: tuple[str, Quote]) -> None:
        self.items.append(item)

    def quotes(self) -> tuple[Quote, ...]:
        return tuple(q for _, q in self.items)


def _neighbours(sc: Scored) -> list[Sentence]:
    """The sentences before and after ``sc`` in its article."""
    text = sc.passage.text if isinstance(sc.passage.text, str) else ""
    sents = article_sentences(int(sc.passage.article_id), hash(text), text)
    at = sc.position
    return [
        sents[k] for k in (at - 1, at + 1) if 0 <= k < len(sents) and sents[k] is not sc.sentence
    ]
