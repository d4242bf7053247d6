"""Question analysis: what a question asks for (a count, a time, a person, a place or
a thing, and the finer form the span scorer uses) and the words an answer must match.
"""

from __future__ import annotations

from dataclasses import dataclass

from news.answer.lexicon import (
    COUNT_FOCUS,
    PERSON_FOCUS,
    PLACE_FOCUS,
    TIME_FOCUS,
    WH,
    match_key,
)
from news.answer.tokens import tokenize
from news.text import MAX_QUESTION_CHARS
from news.words import QUESTION_STOP, stem, wordset

_COUNT_FOCUS_STEMS = frozenset(stem(w) for w in COUNT_FOCUS)
_TIME_FOCUS_STEMS = frozenset(stem(w) for w in TIME_FOCUS)
_PLACE_FOCUS_STEMS = frozenset(stem(w) for w in PLACE_FOCUS)
_PERSON_FOCUS_STEMS = frozenset(stem(w) for w in PERSON_FOCUS)
# Auxiliaries: "what did ..." asks about what someone did.
_AUX = wordset("did does do is are was were has have had will would can could should")
# Words that make a "what" question ask for an amount of money.
_MONEY_WORDS = wordset("cost costs pay paid price worth spend spent earn earned salary budget")


# What a question asks for.
QTYPES = ("count", "time", "person", "place", "thing")
# Finer shapes of the same: the span scorer keeps its own copy of the shape-related
# features for each ("what is X?" wants a description, "what did X do?" a verb phrase).
FORMS = ("count", "time", "person", "place", "describe", "focus", "verb", "other")


@dataclass(frozen=True)
class QuestionInfo:
    """What a question asks for and the words an answer sentence must match."""

    qtype: str  # count, time, person, place, thing
    terms: tuple[str, ...]  # matching keys of the content words, in order
    words: tuple[str, ...]  # the content words as written (lower-case)
    describe: bool  # "who is X?" / "what is X?": the answer describes a named thing
    unit: bool  # "how long/far/old/much": keep the unit with the number
    form: str = "other"  # finer shape used by the span scorer (one of FORMS)


def analyze_question(question: str) -> QuestionInfo:
    """Find the question type and the content words it must match."""
    toks = [t for t in tokenize(question[:MAX_QUESTION_CHARS]) if not t.punct]
    lows = [t.low for t in toks]
    qtype = "thing"
    unit = False
    describe = False
    form = "other"
    wh_i = next((i for i, w in enumerate(lows) if w in WH), -1)
    wh = lows[wh_i] if wh_i >= 0 else ""
    nxt = lows[wh_i + 1] if 0 <= wh_i < len(lows) - 1 else ""
    if wh == "how":
        if nxt in ("many", "much"):
            qtype = "count"
            unit = nxt == "much"
        elif nxt in ("long", "old", "far", "big", "large", "tall", "often", "high", "fast"):
            qtype = "count"
            unit = True
        else:
            qtype = "thing"
    elif wh in ("who", "whom", "whose"):
        qtype = "person"
    elif wh == "when":
        qtype = "time"
    elif wh == "where":
        qtype = "place"
    elif wh in ("what", "which"):
        focus = stem(nxt) if nxt else ""
        if focus in _COUNT_FOCUS_STEMS:
            qtype = "count"
            unit = True
        elif focus in _TIME_FOCUS_STEMS:
            qtype = "time"
        elif focus in _PLACE_FOCUS_STEMS:
            qtype = "place"
        elif focus in _PERSON_FOCUS_STEMS:
            qtype = "person"
        elif nxt and nxt not in QUESTION_STOP:
            form = "focus"
        elif nxt in _AUX:
            form = "verb"
    if "name" in lows[wh_i + 1 : wh_i + 4] and qtype == "thing":
        qtype, form = "person", "person"  # "what is the name of ...": a proper name
    elif wh in ("who", "what") and nxt in ("is", "was", "are", "were"):
        rest = [w for w in lows[wh_i + 2 :] if w not in QUESTION_STOP]
        describe = 0 < len(rest) <= 3
    if "year" in lows and qtype == "thing":
        qtype = "time"
    if qtype == "thing" and any(w in _MONEY_WORDS for w in lows):
        qtype, unit = "count", True  # "what did it pay for the stake?" asks for an amount
    if describe:
        form = "describe"
    elif qtype != "thing":
        form = qtype
    seen: set[str] = set()
    terms: list[str] = []
    words: list[str] = []
    skip = {"many", "much", "long", "old", "far"} if wh == "how" else set()
    for w in lows:
        if w in QUESTION_STOP or w in WH or w in skip or (len(w) < 2 and not w.isdigit()):
            continue
        k = match_key(w)
        if k in seen:
            continue
        seen.add(k)
        terms.append(k)
        words.append(w)
    return QuestionInfo(qtype, tuple(terms), tuple(words), describe, unit, form)
