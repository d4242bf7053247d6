"""The vocabulary every text step shares: what a word is, which words carry no content,
how a word is keyed (stemmed), and how much a rare word weighs.

Retrieval, the answer engine, the summarizer and the store's full-text query all
read words; they read them with these definitions so that they agree on what counts
as the same word. Where a use needs a different stop list, it is written here as the
base list plus a named, commented difference.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from functools import lru_cache

__all__ = [
    "FORM_STARTS",
    "PLAIN_WORD",
    "QUESTION_STOP",
    "SEARCH_STOP",
    "STOP_WORDS",
    "TOKEN",
    "WORD",
    "long_form_at",
    "long_forms",
    "other_forms",
    "sentence_idf",
    "short_form",
    "stem",
    "wordset",
]


def wordset(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (keeps the tables readable)."""
    return frozenset(words.split())


# ------------------------------------------------------------------ what a word is

# Runs of letters and digits, nothing else: the words of a full-text query (the
# store's FTS5 tokenizer splits the same way) and of retrieval's features.
PLAIN_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Words as a reader sees them: numbers with their separators ("5,000", "33.7", "9:30")
# and words with inner apostrophes, dots and hyphens ("don't", "U.S", "best-known").
WORD = re.compile(r"[0-9]+(?:[.,:][0-9]+)*%?|[^\W_]+(?:['’.-][^\W_]+)*", re.UNICODE)

# Every token of a sentence for the answer engine: WORD's words and numbers (numbers
# also keep "/" and "-": "9/11", "2-0"), initialisms with their final dot ("U.S."),
# and each punctuation mark on its own ("--" is one mark).
TOKEN = re.compile(
    r"[0-9]+(?:[.,:/\-][0-9]+)*%?"  # numbers: 5,000  33.7  9:30  2-0
    r"|[^\W_]+(?:['’.\-][^\W_]+)*\.?(?<=[A-Z]\.)"  # initialisms keep their dot: U.S.
    r"|[^\W_]+(?:['’.\-][^\W_]+)*"  # words, hyphenated words, possessives
    r"|--|[^\w\s]",  # punctuation, one char at a time
    re.UNICODE,
)

# ------------------------------------------------------------------ stop words

# Function words no text step matches on: articles, conjunctions, the commonest
# prepositions, auxiliaries, pronouns, wh-words and "said". The summarizer's overlap
# and redundancy measures use exactly this list.
STOP_WORDS = wordset(
    """a an the and or but of at by for with about into before after to from up in out on
    over then there more most no not than can will just should is are was were be been
    being have has had would could might may he him his she her it its they them their
    what which who this that these those when where as also says said"""
)

# The answer engine matches a question's content words against sentences, so it also
# drops the rest of the function words, the pieces its tokenizer splits off ("s", "t",
# "'s") and the reporting verbs every news sentence has ("told", "according").
QUESTION_STOP = STOP_WORDS | wordset(
    """if against between through during above below down off under again further once
    here all any both each few other some such nor only own same so too very don now am
    having do does did doing must shall i me my we our you your whom whose why how s t
    's ’s say tell told according"""
)

# Retrieval's full-text query: PLAIN_WORD never yields the possessive tokens, and the
# words that give a question its shape ("how many", "what kind", "what happened")
# match every story and only blur bm25.
SEARCH_STOP = (QUESTION_STOP - {"'s", "’s"}) | wordset(
    "get got many much long old far kind type name named happen happened"
)

# ------------------------------------------------------------------ stemming

# Irregular forms the suffix stripper cannot reach (and words it must leave alone).
_IRREGULAR = {
    "freed": "free",
    "men": "man",
    "women": "woman",
    "children": "child",
    "won": "win",
    "told": "tell",
    "said": "say",
    "says": "say",
    "went": "go",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "found": "find",
    "made": "make",
    "held": "hold",
    "led": "lead",
    "ran": "run",
    "met": "meet",
    "paid": "pay",
    "sold": "sell",
    "bought": "buy",
    "brought": "bring",
    "caught": "catch",
    "thought": "think",
    "spent": "spend",
    "sent": "send",
    "built": "build",
    "fell": "fall",
    "shot": "shoot",
    "struck": "strike",
    "stole": "steal",
    "stolen": "steal",
    "wrote": "write",
    "written": "write",
    "began": "begin",
    "begun": "begin",
    "became": "become",
    "came": "come",
    "knew": "know",
    "known": "know",
    "grew": "grow",
    "flew": "fly",
    "lost": "lose",
    "kept": "keep",
    "fought": "fight",
    "saw": "see",
    "seen": "see",
    "died": "die",
    "dying": "die",
    "dead": "die",
    "death": "die",
    "deaths": "die",
    "born": "bear",
    "chose": "choose",
    "chosen": "choose",
    "left": "leave",
    "hid": "hide",
    "hidden": "hide",
    "drove": "drive",
    "driven": "drive",
    "ate": "eat",
    "eaten": "eat",
    "sang": "sing",
    "sung": "sing",
    "rose": "rise",
    "risen": "rise",
    "hit": "hit",
    "set": "set",
    "put": "put",
    "cut": "cut",
    "cost": "cost",
    "news": "news",
    "series": "series",
    "us": "us",
    "u.s": "u.s",
}


def _suffix_strip(w: str) -> str:
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        w = w[:-1]
    if w.endswith("ing") and len(w) > 5:
        w = w[:-3]
        if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
        if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
        elif w.endswith("i"):
            w = w[:-1] + "y"
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, deterministic suffix stripper (plurals, -ed, -ing, final e)."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    elif w.endswith("'"):
        w = w[:-1]
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    return _suffix_strip(w)


# ------------------------------------------------------------------ short and long forms

# Titles, roles and bodies that news prose writes both ways ("the CEO", "chief
# executive"), so that a question in one form finds a story in the other. Each short
# form (as written, dots aside) with its long forms, lower-case.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "CEO": ("chief executive officer", "chief executive"),
    "CFO": ("chief financial officer",),
    "COO": ("chief operating officer",),
    "PM": ("prime minister",),
    "MP": ("member of parliament",),
    "US": ("united states of america", "united states", "america"),
    "UK": ("united kingdom", "great britain", "britain"),
    "UN": ("united nations",),
    "EU": ("european union",),
}
# Other spellings of a short form.
_SHORT_ALIASES = {"USA": "US"}
# Short forms that are also everyday words or units ("us", "pm", "un-", "mp3"): they
# count only when written in capitals.
_CAPITALS_ONLY = frozenset(("US", "PM", "MP", "UN"))
_LONGEST_SHORT = len("U.S.A.")
# The long forms by their first word, the longest first.
_LONG_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _short, _longs in ABBREVIATIONS.items():
    for _long in _longs:
        _LONG_BY_FIRST.setdefault(_long.split()[0], []).append((tuple(_long.split()), _short))
for _forms in _LONG_BY_FIRST.values():
    _forms.sort(key=lambda item: -len(item[0]))


# Every word a short or long form may start with, lower-case: a cheap first test.
FORM_STARTS = frozenset(
    (
        *(short.lower() for short in ABBREVIATIONS),
        *(alias.lower() for alias in _SHORT_ALIASES),
        *_LONG_BY_FIRST,
    )
)


def short_form(word: str) -> str | None:
    """The short form a written word stands for ("U.S." and "USA" -> "US"), or None."""
    if len(word) > _LONGEST_SHORT:
        return None
    bare = word.replace(".", "")
    upper = bare.upper()
    short = _SHORT_ALIASES.get(upper, upper)
    if short not in ABBREVIATIONS:
        return None
    if short in _CAPITALS_ONLY and bare != upper:
        return None
    return short


def long_forms(short: str) -> tuple[str, ...]:
    """The long forms of a short form ("PM" -> ("prime minister",))."""
    return ABBREVIATIONS.get(short, ())


def other_forms(text: str) -> list[str]:
    """The words of the forms ``text`` does not use, for a full-text query: the long
    forms' words for a short form ("CEO" -> chief, executive, officer), the short form
    for a long form ("prime minister" -> pm) unless it is also an everyday word or
    unit, which would match stories about something else ("us", "pm")."""
    out: list[str] = []
    for m in WORD.finditer(text):
        short = short_form(m.group(0))
        for long in long_forms(short) if short else ():
            out.extend(w for w in long.split() if w not in SEARCH_STOP)
    lows = [w.casefold() for w in PLAIN_WORD.findall(text)]
    for i in range(len(lows)):
        found = long_form_at(lows, i)
        if found is not None and found[1] not in _CAPITALS_ONLY:
            out.append(found[1].lower())
    return list(dict.fromkeys(out))


def long_form_at(lows: Sequence[str], i: int) -> tuple[int, str] | None:
    """The longest long form that starts at ``lows[i]`` (lower-case words): how many
    words it takes and its short form, or None."""
    for words, short in _LONG_BY_FIRST.get(lows[i], ()):
        if tuple(lows[i : i + len(words)]) == words:
            return len(words), short
    return None


# ------------------------------------------------------------------ weights


def sentence_idf(
    keys: Sequence[str], docs: Sequence[Sequence[Collection[str]]]
) -> dict[str, float]:
    """Inverse sentence frequency of each key over the candidates' sentences.

    ``docs`` holds each candidate's sentences as sets of keys. A key found in every
    sentence carries no evidence; a rare one weighs most.
    """
    total = sum(len(d) for d in docs) + 1
    df = dict.fromkeys(keys, 0)
    for sents in docs:
        for s in sents:
            for k in keys:
                if k in s:
                    df[k] += 1
    return {k: math.log(1.0 + total / (1.0 + df[k])) for k in keys}
