"""Tokens and sentences: an article split into sentences of tokens, each token marked
with what the later stages ask of it (its matching key, number, time, capital, stop).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache

from news.answer.lexicon import DAYS, FORM_KEYS, MONTHS, NUMBER_WORDS, match_key, short_key
from news.text import MAX_TEXT_CHARS, split_sentences
from news.words import FORM_STARTS, QUESTION_STOP, TOKEN, long_form_at, short_form

# Marks a span never crosses: they end a clause.
STRONG_PUNCT = frozenset([*'.;:!?()[]{}"“”‘’«»…', "--", "—", "–", "|"])


def is_number_token(low: str) -> bool:
    if low and low[0].isdigit():
        return True
    return all(part in NUMBER_WORDS for part in low.split("-")) if low else False


def is_time_token(low: str) -> bool:
    if low in MONTHS or low in DAYS:
        return True
    if len(low) == 4 and low.isdigit() and low[:2] in ("19", "20"):
        return True
    if low.endswith("s") and len(low) == 5 and low[:4].isdigit():  # the 1990s
        return True
    return low in ("a.m", "p.m", "a.m.", "p.m.")


@dataclass(frozen=True)
class Tok:
    """One token: its text and place in the sentence, and what the stages ask of it."""

    text: str
    start: int
    end: int
    low: str
    key: str
    punct: bool
    strong: bool
    cap: bool
    num: bool
    time: bool
    stop: bool


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    for m in TOKEN.finditer(text):
        t = m.group(0)
        low = t.lower().rstrip(".") if len(t) > 1 else t.lower()
        punct = not (t[0].isalnum())
        toks.append(
            Tok(
                text=t,
                start=m.start(),
                end=m.end(),
                low=low,
                key="" if punct else match_key(low),
                punct=punct,
                strong=punct and t in STRONG_PUNCT,
                cap=t[0].isupper(),
                num=not punct and is_number_token(low),
                time=not punct and is_time_token(low),
                stop=low in QUESTION_STOP,
            )
        )
    return _fold_short_forms(toks)


def _fold_short_forms(toks: list[Tok]) -> list[Tok]:
    """Give a short form ("CEO", "U.S.") and every word of its long forms ("chief
    executive", "United States") one matching key, so either finds the other."""
    lows = [t.low for t in toks]
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.punct or t.low.replace(".", "") not in FORM_STARTS:
            i += 1
            continue
        short = short_form(t.text)
        if short is not None:
            toks[i] = dataclasses.replace(t, key=short_key(short))
            i += 1
            continue
        found = long_form_at(lows, i)
        if found is None:
            i += 1
            continue
        width, short = found
        for k in range(i, i + width):
            toks[k] = dataclasses.replace(toks[k], key=short_key(short))
        i += width
    return toks


@dataclass(frozen=True)
class Sentence:
    """A sentence, its tokens, and the matching keys of its content words."""

    text: str
    toks: tuple[Tok, ...]
    keys: frozenset[str]


# A wire dateline at the start of a sentence: "LONDON, England (CNN) -- ",
# "WASHINGTON (Reuters) - ", "(AP) — ". It names the agency, not the news, so it is
# no part of any answer. (The summarizer trims a wider set of bylines of its own.)
DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Za-z ,.]{0,40})?\((?:CNN|Reuters|AP|AFP|UPI)\)\s*(?:--|—|–|-)?\s*"
)
# A sentence longer than this that holds " -- " is several clauses run together
# (scraped text); it is cut there so each clause can be evidence on its own.
RUN_ON_CHARS = 400


def strip_dateline(sentence: str) -> str:
    """The sentence without a leading wire dateline."""
    return DATELINE.sub("", sentence)


def split_article(text: str) -> list[str]:
    """Sentences of an article; long run-on sentences are also cut at ' -- '."""
    out: list[str] = []
    for sent in split_sentences(text):
        sent = strip_dateline(sent)
        if len(sent) > RUN_ON_CHARS and " -- " in sent:
            out.extend(p.strip() for p in sent.split(" -- ") if p.strip())
        elif sent:
            out.append(sent)
    return out


@lru_cache(maxsize=512)
def article_sentences(article_id: int, text_hash: int, text: str) -> tuple[Sentence, ...]:
    """The sentences of an article that have content words (cached: the open setting
    reads the same few stories for many questions)."""
    del article_id, text_hash  # part of the cache key only
    sents = []
    for s in split_article(text[:MAX_TEXT_CHARS]):
        toks = tuple(tokenize(s))
        content = [t for t in toks if not t.punct and not t.stop]
        keys = (
            frozenset(t.key for t in content)
            | frozenset(
                match_key(part)  # "best-known" also matches "best known"
                for t in toks
                if "-" in t.low and not t.num
                for part in t.low.split("-")
                if part and part not in QUESTION_STOP
            )
            # A short or long form also holds its words' own keys ("minister" in
            # "Prime Minister", "ceo" in "chief executive").
            | frozenset(match_key(t.low) for t in content if t.key in FORM_KEYS)
            | frozenset(k for t in content for k in FORM_KEYS.get(t.key, ()))
        )
        if keys:
            sents.append(Sentence(s, toks, keys))
    return tuple(sents)
