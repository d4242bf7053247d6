"""Whether an answer is of the kind the question asks for.

The span scorer weighs the shape of a span among many features, so a span of the
wrong kind can still win: a bare "20" for "how much did the trams cost?", a date
for "who ...?". :func:`fits` is the plain rule the engine holds its choice to: a span
that fails it takes a penalty as large as a running total's, so it wins only when no
span of the kind scores near it, and it is never committed to.

- a sum of money ("how much did it cost?") is a number with its currency or unit;
- any other count ("how long", "what is the population") is a number, and a count of
  things or people ("how many", "what is the population") is not a sum of money;
- "who" is a name: a capitalised word that is not a date, a number or the capital
  every sentence starts with; a description ("who is X?") may be any noun phrase but
  a date or a number; neither starts with a lower-case verb;
- "when" is a time: a date, a year, a weekday or a time word ("last week");
- "where" is a place name or a phrase with a place word ("at his home");
- anything else ("what did they decide?") has no fixed kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from news.answer.choose import answer_range
from news.answer.lexicon import (
    CURRENCY,
    CURRENCY_WORDS,
    FUNCTION_WORDS,
    PLACE_CUES,
    PLACE_NOUNS,
    PLACE_PREPS,
    SCALE_SUFFIXES,
    SCALE_WORDS,
    TIME_WORDS,
    UNIT_WORDS,
)
from news.answer.question import QuestionInfo
from news.answer.reader import Passage
from news.answer.sentences import Scored
from news.answer.spans import DETS, Candidate, verbish
from news.answer.tokens import Sentence, Tok, article_sentences
from news.words import SEARCH_STOP, wordset

# Words that open a clause: capitalised at the start of a sentence, never names.
_JOINERS = FUNCTION_WORDS | wordset(
    "until unless while because although though whether if once since yet so"
)
# Words before a place that say it is one ("in the boy's head", "on the tongue").
_PLACE_BEFORE = PLACE_PREPS | frozenset(("on",))

# Besides a currency, a share makes a number an amount ("the price rose 5 percent").
_SHARE_WORDS = frozenset(("percent", "%", "per", "cent"))


def fits(
    info: QuestionInfo,
    sent: Sentence,
    start: int,
    end: int,
    text: str,
    common: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``sent.toks[start:end]`` (the answer ``text``) is of the asked kind.
    ``common``: the words its article also writes in lower case, which are no names
    when a capital opens a sentence with them ("New bridge opens")."""
    toks = sent.toks[start:end]
    content = [t for t in toks if not t.punct or t.text in CURRENCY or t.text == "%"]
    if not text.strip() or not content:
        return False
    if info.qtype == "count":
        if not any(t.num for t in content):
            return False
        if info.money:
            return _amount(sent.toks, start, end)
        return not (info.counted and _money(sent.toks, start, end))
    if info.qtype == "time":
        return any(t.time or t.low in TIME_WORDS or _year(t) for t in content)
    if info.qtype == "person":
        return _person(info, sent.toks, start, end, common)
    if info.qtype == "place":
        return _place(sent.toks, start, end, common)
    return True


def _money(toks: Sequence[Tok], start: int, end: int) -> bool:
    """The span names a currency ("$5 million", "41 million euros")."""
    return any(t.text in CURRENCY or t.low in CURRENCY_WORDS for t in toks[start:end])


def _amount(toks: Sequence[Tok], start: int, end: int) -> bool:
    """A number with its currency or unit ("$5 million", "41 million euros", "€20m",
    "5 percent")."""
    if _money(toks, start, end):
        return True
    for k in range(start, end):
        t = toks[k]
        if t.low in _SHARE_WORDS or (t.low.endswith("%") and t.num):
            return True
        if k > start and t.low in SCALE_SUFFIXES and toks[k - 1].num and t.start == toks[k - 1].end:
            return True
    return False


def _year(t: Tok) -> bool:
    """A year of the last millennium or this one ("1815"); the tokenizer marks only
    1900-2099 as times."""
    return t.num and len(t.low) == 4 and t.low.isdigit() and t.low[0] in "12"


def _name_word(toks: Sequence[Tok], k: int, common: frozenset[str]) -> bool:
    """A capitalised word that names someone or somewhere: not a date, a number or a
    function word, and not capitalised only because it opens the sentence (a verb
    like "Approved", a word like "Many")."""
    t = toks[k]
    if not t.cap or t.punct or t.num or t.time or t.low in SEARCH_STOP or t.low in _JOINERS:
        return False
    opens = k == 0 or toks[k - 1].strong
    return not opens or not (_verb_form(t) or t.low in common)


def _verb_form(t: Tok) -> bool:
    """An -ed/-ing word, even when a capital opens the sentence with it ("Approved")."""
    return len(t.low) > 4 and t.low.endswith(("ed", "ing"))


def _opens_with_verb(toks: Sequence[Tok], start: int, end: int) -> bool:
    """The span starts with a lower-case verb ("approved the purchase")."""
    first = next((t for t in toks[start:end] if not t.punct), None)
    return first is not None and verbish(first)


def _only_numbers_and_dates(toks: Sequence[Tok], start: int, end: int) -> bool:
    words = [t for t in toks[start:end] if not t.punct and t.low not in SEARCH_STOP]
    return all(
        t.num or t.time or t.low in TIME_WORDS or t.low in SCALE_WORDS or t.low in UNIT_WORDS
        for t in words
    )


def _person(
    info: QuestionInfo, toks: Sequence[Tok], start: int, end: int, common: frozenset[str]
) -> bool:
    if _opens_with_verb(toks, start, end) or _only_numbers_and_dates(toks, start, end):
        return False
    if info.describe:
        return True  # "who is X?": "the former chief executive of Y"
    return _no_date(toks, start, end) and any(
        _name_word(toks, k, common) for k in range(start, end)
    )


def _place(toks: Sequence[Tok], start: int, end: int, common: frozenset[str]) -> bool:
    if _opens_with_verb(toks, start, end) or _only_numbers_and_dates(toks, start, end):
        return False
    if not _no_date(toks, start, end):
        return False
    return _after_place_word(toks, start) or any(
        _name_word(toks, k, common) or toks[k].low in PLACE_CUES or toks[k].low in PLACE_NOUNS
        for k in range(start, end)
    )


def _no_date(toks: Sequence[Tok], start: int, end: int) -> bool:
    """No month, weekday or year in the span: "April 15" and "Sunday" are capitalised
    but name no one and nowhere."""
    return not any(t.time or _year(t) for t in toks[start:end])


def _after_place_word(toks: Sequence[Tok], start: int) -> bool:
    """The span follows "in", "at", "on" ... (its determiners aside): "in the boy's
    head" is a place."""
    k = start - 1
    while k >= 0 and toks[k].low in DETS:
        k -= 1
    return k >= 0 and toks[k].low in _PLACE_BEFORE


# The kinds of question that want an answer of a kind.
_TYPED = frozenset(("count", "time", "person", "place"))
# Taken off the score of a span of the wrong kind before the pick: large, like the
# running-total penalty, so that such a span wins only when no span fits.
WRONG_KIND_PENALTY = 5.0


def penalise_wrong_kind(
    info: QuestionInfo, top: Sequence[Scored], cands: Sequence[Candidate]
) -> None:
    """Take WRONG_KIND_PENALTY off the score of each candidate whose answer is not of
    the asked kind (``top``: the sentences they come from). Every candidate is checked,
    so that the sentences' best spans, which order the passages, stay comparable."""
    if info.qtype not in _TYPED:
        return
    # Many candidates stand for the same answer once cleaned ("to 5,000", "5,000",
    # "5,000 people"): each answer is judged once.
    judged: dict[tuple[int, int, int], bool] = {}
    for c in cands:
        if not candidate_fits(info, top[c.sent_index], c, judged, c.sent_index):
            c.score -= WRONG_KIND_PENALTY


def candidate_fits(
    info: QuestionInfo,
    scored: Scored,
    cand: Candidate,
    judged: dict[tuple[int, int, int], bool] | None = None,
    key: int = 0,
) -> bool:
    """Whether the answer a candidate of ``scored`` stands for
    (:func:`.choose.answer_range`) fits (``judged``: answers already judged, by
    ``key``, the sentence's place, and their token range)."""
    if info.qtype not in _TYPED:
        return True
    sent = scored.sentence
    # The clean-up only narrows the span of a count without a number or of a name: a
    # span with no number or no capital has none after it either.
    span = sent.toks[cand.start : cand.end]
    if info.qtype == "count" and not any(t.num for t in span):
        return False
    if info.qtype == "person" and not info.describe and not any(t.cap for t in span):
        return False
    start, end = answer_range(info, sent, cand)
    if judged is not None and (key, start, end) in judged:
        return judged[key, start, end]
    text = sent.text[sent.toks[start].start : sent.toks[end - 1].end]
    common = _lower_words(scored.passage) if info.qtype in ("person", "place") else frozenset()
    verdict = fits(info, sent, start, end, text, common)
    if judged is not None:
        judged[key, start, end] = verdict
    return verdict


def _lower_words(passage: Passage) -> frozenset[str]:
    text = passage.text if isinstance(passage.text, str) else ""
    return _article_lower_words(int(passage.article_id), hash(text), text)


@lru_cache(maxsize=512)
def _article_lower_words(article_id: int, text_hash: int, text: str) -> frozenset[str]:
    """The words an article writes in lower case somewhere (cached like its sentences)."""
    return frozenset(
        t.low
        for s in article_sentences(article_id, text_hash, text)
        for t in s.toks
        if not t.cap and not t.punct
    )
