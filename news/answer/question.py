"""Question analysis: what a question asks for (a count, a time, a person, a place or
a thing, and the finer form the span scorer uses) and the words an answer must match.
"""

from __future__ import annotations

from dataclasses import dataclass

from news.answer.lexicon import (
    COUNT_FOCUS,
    CURRENCY_WORDS,
    PERSON_FOCUS,
    PLACE_FOCUS,
    TIME_FOCUS,
    WH,
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
# ... and those that do with "how much" ("how much money did it raise?").
_MONEY_NOUNS = CURRENCY_WORDS | wordset("money cash fund funds funding")
# The nouns after "what" that ask for a count of things or people, never a sum.
_COUNTED_FOCUS = frozenset(stem(w) for w in ("number", "population", "age"))


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
    money: bool = False  # an amount of money: its currency or unit is part of the answer
    counted: bool = False  # a count of things or people ("how many"), never a sum of money


def _after_article(lows: list[str], i: int) -> str:
    """The word at ``lows[i]``, or after it when it is an article."""
    if i < len(lows) and lows[i] in ("the", "a", "an"):
        i += 1
    return lows[i] if i < len(lows) else ""


def analyze_question(question: str) -> QuestionInfo:
    """Find the question type and the content words it must match."""
    toks = [t for t in tokenize(question[:MAX_QUESTION_CHARS]) if not t.punct]
    lows = [t.low for t in toks]
    qtype = "thing"
    unit = False
    describe = False
    form = "other"
    focus = ""
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
        elif nxt in _AUX and stem(_after_article(lows, wh_i + 2)) in _COUNT_FOCUS_STEMS:
            qtype, unit = "count", True  # "what is the population of Lisbon?"
            focus = stem(_after_article(lows, wh_i + 2))
        elif nxt and nxt not in QUESTION_STOP:
            form = "focus"
        elif nxt in _AUX:
            form = "verb"
    if "name" in lows[wh_i + 1 : wh_i + 4] and qtype == "thing":
        qtype, form = "person", "person"  # "what is the name of ...": a proper name
    elif wh in ("who", "what") and nxt in ("is", "was", "are", "were") and qtype != "count":
        rest = [w for w in lows[wh_i + 2 :] if w not in QUESTION_STOP]
        describe = 0 < len(rest) <= 3
    if "year" in lows and qtype == "thing":
        qtype = "time"
    money = nxt == "much" and any(w in _MONEY_WORDS for w in lows)
    if qtype == "count" and (
        any(w in _MONEY_NOUNS for w in lows) or (wh != "how" and focus in ("price", "cost"))
    ):
        money = True  # "how many dollars ...?", "what was the cost of ...?"
    if qtype == "thing" and any(w in _MONEY_WORDS for w in lows):
        qtype, unit, money = "count", True, True  # "what did it pay for the stake?"
    counted = qtype == "count" and not money and (nxt == "many" or focus in _COUNTED_FOCUS)
    if describe:
        form = "describe"
    elif qtype != "thing":
        form = qtype
    seen: set[str] = set()
    terms: list[str] = []
    words: list[str] = []
    skip = {"many", "much", "long", "old", "far"} if wh == "how" else set()
    for t in toks:
        w = t.low
        if w in QUESTION_STOP or w in WH or w in skip or (len(w) < 2 and not w.isdigit()):
            continue
        k = t.key  # a short form and its long forms share one key ("CEO", "chief executive")
        if k in seen:
            continue
        seen.add(k)
        terms.append(k)
        words.append(w)
    return QuestionInfo(qtype, tuple(terms), tuple(words), describe, unit, form, money, counted)
