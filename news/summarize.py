"""Extractive summaries for digest entries.

``summarize`` picks a few whole sentences of an article, in their original
order, within a character budget that fits one digest entry.  News is written
as an inverted pyramid, so position is by far the strongest signal (Lead-3 is a
hard baseline on CNN/DailyMail); the scorer therefore starts from a lead prior
and only adjusts it with a deliberately small feature set:

* position (a decaying prior on the sentence index),
* length (very short fragments and very long run-ons lose points; long ones are
  usually several photo captions glued together by a scraper),
* overlap with the title (or, without one, with the opening sentence),
* penalties for sentences that start mid-thought ("But he said ...") and for
  caption-like text ("(pictured)", "(file photo)").

Scraped junk is handled before scoring: datelines ("LONDON (CNN) -- ") and
bylines ("By . Jane Doe . PUBLISHED: ...") are trimmed from the start of a
sentence, hover cards glued into a sentence by copy/paste are cut out, and
lines that are not prose at all (credits, "Read more", promos, repeated
headlines) are never candidates.

The weights were chosen by a coarse grid on the SummEval dev set and checked
with 5-fold cross-validation (see ``bench/summary_eval.py``); they are few and
round on purpose.

Pure and synchronous: no I/O, no model, no global state; never raises (a crash
of its own is logged with an error id and gives no summary).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

from news.errors import new_error_id
from news.text import normalize_ws, split_sentences, words
from news.words import STOP_WORDS, wordset

__all__ = ["DEFAULT_WEIGHTS", "Weights", "summarize"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Weights:
    """Scoring knobs; kept as a dataclass so the benchmark can cross-validate them."""

    position_decay: float = 0.35  # prior = 1 / (1 + decay * index)
    length_weight: float = 0.15
    # Only used with a headline; the dev set has none, so this stays small.
    overlap_weight: float = 0.2
    midthought_penalty: float = 0.5
    # A photo caption often restates the lead, so it can look like a good summary
    # sentence; in a digest it reads as junk, so it is pushed down.
    caption_penalty: float = 0.6
    redundancy: float = 0.6  # Jaccard above which a candidate repeats a chosen one


DEFAULT_WEIGHTS = Weights()

# Anything past this is cut before splitting: a digest never needs sentence 500,
# and it keeps the worst case (a pasted book) fast.
_MAX_INPUT_CHARS = 20_000
_MAX_CANDIDATES = 12  # the lead prior leaves later sentences no chance; fewer is faster

# --- cleaning ---------------------------------------------------------------

# "LONDON, England (CNN) -- ", "(CNN)", "WASHINGTON (Reuters) - ", "(AP) — ".
_DATELINE = re.compile(
    r"""^(?:[A-Z][A-Za-z.'\-]*(?:[ ,]+[A-Z][A-Za-z.'\-]*){0,4}\s*,?\s*)?
        \((?:CNN|AP|Reuters|AFP|UPI|EW\.com|CNN\s+Student\s+News)\)\s*(?:--|—|–|-|:)?\s*""",
    re.VERBOSE,
)
# DailyMail header: "By . Jane Doe . PUBLISHED: . 12:01 EST, 1 May 2013 . | .
# UPDATED: . 09:10 EST, 2 May 2013 . " and its shorter variants.  Stripped from
# the line before sentence splitting, because its " . " separators would
# otherwise split it into fragments that look like sentences.
_DM_HEADER = re.compile(
    r"""^By\s*\.\s*[^.]{1,80}?\s*\.\s*
        (?:(?:PUBLISHED|UPDATED)\s*:\s*\.?\s*[0-9]{1,2}:[0-9]{2}\s*[A-Z]{0,4},?\s*
           [0-9]{1,2}\s+[A-Za-z]+\s+[0-9]{4}\s*\.\s*(?:\|\s*\.\s*)?)*
        (?:Last\s+updated\s+at\s+[^.]{3,60}?\s*\.\s*)?""",
    re.VERBOSE,
)
_PLAIN_BYLINE = re.compile(r"^By\s+[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3}\s*$")
# A hover card glued into a sentence: "Jane RoeJane RoeMorning Brief: ... MORE".
# The name is glued to itself; everything up to the "MORE" link is the card.
_HOVER_CARD = re.compile(r"\b([A-Z][\w'.-]+(?: [A-Z][\w'.-]+){0,3})\1\S.{0,600}?\bMORE\b")
# Sentences (or whole lines) that are never prose worth posting: promo and credit lines
# recognised by how they start, and labels ("Photo: ...", "WATCH: ..."; the colon is
# what makes them labels: "Video games sold well" is prose).
_JUNK_START = re.compile(
    r"""(?ix)
    (?:read\ more|see\ also|advertisement|scroll\ down|click\ here|sign\ up|subscribe|
        share\ this|follow\ (?:us|@)|e-?mail\ to\ a\ friend|image\ (?:source|copyright)|
        copyright|getty\ images|ap\ photo|all\ rights\ reserved|download\ the|
        related\ (?:articles?|stories|content|coverage))\b
    |(?:more|related|watch|video|photos?|pictures?|images?|gallery|credit|caption|
        listen|read|sponsored|(?:photo|image|picture)\s+credit)\s*:
    |@\w+$
    """
)
# Markers that make a whole sentence junk wherever they appear. The regex only runs
# when one of the literal hints is present: most sentences have none, and scanning
# every position for every alternative is the costly part of the check.
_JUNK_ANYWHERE = re.compile(
    r"""(?ix)
    ©|\ball\ rights\ reserved\b|\bclick\ here\b|\bscroll\ down\ for\b|\bsign\ up\ for\b
    |\bfollow\ @\w|\bpic\.twitter\.com/|https?://|\bread\ more\b
    |\bsubscribe\ (?:to|now|today)\b|\b(?:our|daily|weekly|free)\s+(?:\w+\s+)?newsletter\b
    |\bcookies?\b.*\bbrowser\b
    """
)
_JUNK_HINTS = (
    "©",
    "rights reserved",
    "click here",
    "scroll down",
    "sign up",
    "follow @",
    "pic.twitter",
    "http",
    "read more",
    "subscribe",
    "newsletter",
    "cookie",
)


def _junk_text(text: str) -> bool:
    """Whether a sentence or line is a promo, credit, label or other non-prose."""
    if _JUNK_START.match(text):
        return True
    low = text.casefold()
    return any(hint in low for hint in _JUNK_HINTS) and bool(_JUNK_ANYWHERE.search(text))


_CAPTION = re.compile(
    r"(?i)\((?:pictured|file\s+photo|file\s+picture|stock\s+image|left|right|centre|center|"
    r"above|below|top|bottom|inset|pictured\s+\w+(?:\s+\w+)?)\)|\bpictured\b"
    # DailyMail caption label: "Challenging: Dayna ..." (one or two words, colon).
    r"|(?-i:^[A-Z][a-z]+(?:\s[a-z]+)?:\s+[A-Z])"
)


def _may_be_caption(sentence: str) -> bool:
    """What every _CAPTION match holds: a bracket, a colon, or "pictured" (its "ctured",
    since IGNORECASE lets a dotless "ı" stand for the "i"). Most sentences hold none, and
    skip the regex (56 us of an article's 400 in the summarizer)."""
    return "(" in sentence or ":" in sentence or "ctured" in sentence.lower()


_TERMINAL = re.compile(r"""[.!?…]["'”’)\]]*$""")


# First words that mean the sentence leans on an earlier one.
_MIDTHOUGHT = wordset(
    """he she they it this that these those his her their its him them but however also
    and or so yet still then meanwhile instead besides moreover furthermore nevertheless
    nonetheless though although because which who there here such both another other
    others thus hence therefore indeed later"""
)
_OPEN_QUOTES = "\"“‘'"


def _strip_lead_junk(sentence: str) -> str:
    """Trim a dateline or byline from the start of a sentence, keeping the rest."""
    for pattern, may_match in _LEAD_JUNK:
        if not may_match(sentence):
            continue
        trimmed = pattern.sub("", sentence, count=1)
        if trimmed != sentence and trimmed.strip():
            sentence = trimmed.strip()
    return sentence


def _may_be_header(text: str) -> bool:
    return text.startswith("By")


def _may_be_dateline(text: str) -> bool:
    return "(" in text


# Each lead pattern with what any match of it needs (the header's "By" at the start, the
# dateline's bracket): most sentences have neither, and skip the regex.
_LEAD_JUNK = ((_DM_HEADER, _may_be_header), (_DATELINE, _may_be_dateline))


def _is_junk(sentence: str, title_key: str, key: str, n_words: int) -> bool:
    """``key`` and ``n_words``: the sentence's :func:`_key` and word count."""
    if not key or key == title_key:
        return True
    if _junk_text(sentence) or _PLAIN_BYLINE.match(sentence):
        return True
    if n_words < 4:
        return True
    # A bare quote fragment: opens with a quote mark and never closes it, and
    # is too short to stand alone ("'I was shocked.").
    return sentence[0] in _OPEN_QUOTES and n_words < 8 and not _quote_closed(sentence)


def _quote_closed(sentence: str) -> bool:
    opener = sentence[0]
    closer = {"“": "”", "‘": "’"}.get(opener, opener)
    return closer in sentence[1:]


def _folded(text: str) -> list[str]:
    """The words of ``text``, case-folded. WORD does not look at case, and ASCII folds
    letter for letter, so ASCII text is folded once, not word by word."""
    if text.isascii():
        return words(text.lower())
    return [w.casefold() for w in words(text)]


def _key(text: str) -> str:
    return " ".join(_folded(text))


def _content(text: str) -> set[str]:
    return _content_of(_folded(text))


def _content_of(folded: list[str]) -> set[str]:
    return {w for w in folded if w not in STOP_WORDS and len(w) > 1}


def _candidates(text: str) -> tuple[list[str], str | None]:
    """Prose sentences of the article, and a headline found in it if any.

    Lines without terminal punctuation that are short are headlines, credits or
    captions, not prose; the first one is remembered as a stand-in title.
    """
    found_title: str | None = None
    sentences: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if not _TERMINAL.search(line) and len(words(line)) <= 15:
            if found_title is None and not _junk_text(line):
                found_title = line
            continue
        if _may_be_header(line):
            line = _DM_HEADER.sub("", line, count=1)
        if "MORE" in line:  # every hover card ends in it; most lines skip the regex
            line = _HOVER_CARD.sub(r"\1", line)
        sentences.extend(split_sentences(line))
        if len(sentences) >= _MAX_CANDIDATES:
            break
    return sentences[:_MAX_CANDIDATES], found_title


# --- scoring ----------------------------------------------------------------


def _length_score(n_words: int) -> float:
    """1.0 inside the 12-35 word sweet spot, falling off on either side."""
    if n_words < 12:
        return n_words / 12 - 1.0
    if n_words > 35:
        return -min(1.0, (n_words - 35) / 30)
    return 0.0


def _starts_midthought(sentence: str) -> bool:
    first = sentence.lstrip("\"“‘'(").split(" ", 1)[0]
    if not first:
        return True
    if first[0].islower():
        return True
    if first.rstrip(",:;").casefold() in _MIDTHOUGHT:
        return True
    return sentence[0] in _OPEN_QUOTES and not _quote_closed(sentence)


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _score(
    sentences: list[str], folded: list[list[str]], anchor: set[str], weights: Weights
) -> list[tuple[float, int, set[str]]]:
    """``folded``: each sentence's words, case-folded."""
    scored: list[tuple[float, int, set[str]]] = []
    for index, sentence in enumerate(sentences):
        content = _content_of(folded[index])
        score = 1.0 / (1.0 + weights.position_decay * index)
        score += weights.length_weight * _length_score(len(folded[index]))
        if anchor and content:
            score += weights.overlap_weight * len(content & anchor) / math.sqrt(len(content))
        if _starts_midthought(sentence):
            score -= weights.midthought_penalty
        if _may_be_caption(sentence) and _CAPTION.search(sentence):
            score -= weights.caption_penalty
        scored.append((score, index, content))
    return scored


def _trim(sentence: str, limit: int) -> str:
    if len(sentence) <= limit:
        return sentence
    if limit <= 1:
        return "…"[:limit]
    cut = sentence[: limit - 1].rsplit(" ", 1)[0] or sentence[: limit - 1]
    return cut.rstrip(",;:- ") + "…"


def summarize(
    text: str,
    title: str | None = None,
    *,
    max_sentences: int = 3,
    max_chars: int = 600,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[str]:
    """Return up to ``max_sentences`` sentences of ``text``, in article order.

    The sentences joined by single spaces fit in ``max_chars``.  Only when not
    even the best sentence fits is it cut at a word boundary (with "…"), so a
    digest entry is never empty for a non-empty article.  Never raises.
    """
    try:
        return _summarize(text, title, max_sentences, max_chars, weights)
    except Exception:
        # A digest must not die on one odd article, but a crash here is a bug: it is
        # logged with a short id (news.errors.new_error_id, as for command errors) rather than
        # passed off as an article with nothing to summarise.
        log.exception("error %s in the summarizer; the article gets no summary", new_error_id())
        return []


def _summarize(
    text: str, title: str | None, max_sentences: int, max_chars: int, weights: Weights
) -> list[str]:
    if not isinstance(text, str) or max_sentences <= 0 or max_chars <= 0:
        return []
    text = normalize_ws(text[:_MAX_INPUT_CHARS])
    if not text:
        return []
    raw, found_title = _candidates(text)
    title = normalize_ws(title) if isinstance(title, str) and title.strip() else found_title
    title_key = _key(title) if title else ""

    sentences: list[str] = []
    folded: list[list[str]] = []
    seen: set[str] = set()
    for sentence in raw:
        cleaned = _strip_lead_junk(sentence)
        tokens = _folded(cleaned)
        key = " ".join(tokens)
        if key in seen or _is_junk(cleaned, title_key, key, len(tokens)):
            continue
        seen.add(key)
        sentences.append(cleaned)
        folded.append(tokens)
    if not sentences:
        return []

    # Only a real headline anchors the overlap feature: measured on the dev set,
    # anchoring on the first sentence instead pulled in captions that restate it.
    anchor = _content(title) if title else set()
    scored = _score(sentences, folded, anchor, weights)
    ranked = sorted(scored, key=lambda item: (-item[0], item[1]))

    chosen: list[tuple[int, set[str]]] = []
    used = 0
    for _score_value, index, content in ranked:
        if len(chosen) >= max_sentences:
            break
        if any(_jaccard(content, other) > weights.redundancy for _, other in chosen):
            continue
        cost = len(sentences[index]) + (1 if chosen else 0)
        if used + cost > max_chars:
            continue
        chosen.append((index, content))
        used += cost
    if not chosen:
        return [_trim(sentences[ranked[0][1]], max_chars)]
    return [sentences[index] for index, _ in sorted(chosen, key=lambda item: item[0])]
