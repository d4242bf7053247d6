"""Span candidates: every short span of the best sentences that could be the answer,
with the features the fitted span scorer weighs (closeness to the question's words,
shape, capitals, numbers, the words around it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from news.answer.lexicon import CURRENCY, PLACE_CUES, PLACE_PREPS, QUALIFIERS, match_key
from news.answer.question import FORMS, QuestionInfo
from news.answer.sentences import Scored
from news.answer.tokens import Tok
from news.words import wordset

# Generic features, then per-question-form copies of the shape-related ones; the
# weights in news/weights/answer.json are keyed by these names.
BASE_FEATURES: tuple[str, ...] = (
    "sent",  # sentence score relative to the best sentence
    "cov",  # share of the question's weight the sentence matches
    "rank0",
    "rank1",
    "rank2",
    "pos_early",  # 1 / (1 + sentence index in its article)
    "len1",
    "len2",
    "len3",
    "len4_5",
    "len6_8",
    "len9",
    "near",  # idf-weighted closeness of matched question words
    "dl1",  # a matched word 1, 2, 3-5 tokens to the left of the span
    "dl2",
    "dl3_5",
    "dr1",  # ... and to the right
    "dr2",
    "dr3_5",
    "no_match_left",
    "no_match_right",
    "start_stop",
    "start_prep",
    "start_det",
    "end_stop",
    "end_verbish",
    "cap_first",
    "cap_last",
    "cap_all",
    "cap_frac",
    "has_num",
    "end_num",
    "has_time",
    "comma",
    "conj",
    "left_bound",
    "right_bound",
    "quoted",
    "type_ok",
    "num_noun",
    "said_after",
    "place_prep",
    "describe_adj",
    "verbish_frac",
    "at_start",
    "after_that",
    "is_year",
    "win_left",  # idf-weighted question words within 6 tokens left of the span
    "win_right",  # ... and right of it
    "after_last",  # the span follows the last matched word of the sentence
    "before_first",  # the span precedes the first matched word
    "prev_by",
    "money",
    "focus_adj",  # the question's first content word sits next to the span
    "len_log",
    "left_is_last",  # the matched word just left of the span is the question's last term
    "left_is_first",
    "right_is_first",  # the matched word just right of the span is its first term
    "right_is_last",
)


# Lexical cues: the word before and after the span.
def _lex_name(word: str) -> str:
    return "quote" if word == '"' else word


_PREV_WORDS = tuple(
    sorted(
        wordset("of to by in at for that as is was are were the a from with on said and his her")
    )
)
_NEXT_WORDS = tuple(sorted(wordset(", . said of in and to 's who for on at that is was ( \" has")))
BASE_FEATURES = (
    *BASE_FEATURES,
    *(f"pw_{w}" for w in _PREV_WORDS),
    *(f"nw_{_lex_name(w)}" for w in _NEXT_WORDS),
)
_PREV_NAME = {w: f"pw_{w}" for w in _PREV_WORDS}
_NEXT_NAME = {w: f"nw_{_lex_name(w)}" for w in _NEXT_WORDS}
# Features that also get a copy per question form ("count_type_ok", ...), which
# equals the base feature for questions of that form and is zero otherwise.
TYPED = (
    "type_ok",
    "near",
    "cap_all",
    "cap_frac",
    "has_num",
    "dl1",
    "dr1",
    "no_match_left",
    "no_match_right",
    "len1",
    "len2",
    "len3",
    "len6_8",
    "start_prep",
    "end_stop",
    "comma",
    "at_start",
    "after_that",
    "right_bound",
    "dl2",
    "dr2",
    "is_year",
    "win_left",
    "win_right",
    "after_last",
    "before_first",
    "focus_adj",
    "left_is_last",
    "left_is_first",
    "right_is_first",
    "right_is_last",
)
FEATURES = (*BASE_FEATURES, *(f"{q}_{f}" for q in FORMS for f in TYPED))
_BASE_ZERO = dict.fromkeys(BASE_FEATURES, 0.0)
_TYPED_NAMES = {q: [(f, f"{q}_{f}") for f in TYPED] for q in FORMS}


def fold_weights(weights: dict[str, float], form: str) -> list[float]:
    """Base-feature weights (ordered like BASE_FEATURES) with the form's typed copies
    added in.

    Candidates carry only the base features at run time; a typed feature equals its
    base feature when the question has that form, so its weight can be folded in.
    """
    folded = dict.fromkeys(BASE_FEATURES, 0.0)
    for name in BASE_FEATURES:
        folded[name] = weights[name]
    for name, typed in _TYPED_NAMES[form]:
        folded[name] += weights[typed]
    return list(folded.values())


def expand_features(base: Sequence[float], form: str) -> dict[str, float]:
    """The full features of a candidate by name (base + typed copies), for fitting."""
    full = dict.fromkeys(FEATURES, 0.0)
    full.update(zip(BASE_FEATURES, base, strict=True))
    for name, typed in _TYPED_NAMES[form if form in FORMS else FORMS[-1]]:
        full[typed] = full[name]
    return full


PREPS = wordset(
    """of in at on to from by for with about into over under after before during since
    between among against through across near without within"""
)
DETS = wordset("the a an this that these those his her their its our my your")

# How well a span fits the asked-for shape when it fits only in part:
_NUMBER_INSIDE = 0.3  # a count whose number is inside the span, not leading it
_NAME_LIKE = 0.7  # a capitalised name with no place cue, for a person or a place


def verbish(t: Tok) -> bool:
    """A lower-case -ed/-ing word: likely a verb, rarely part of an answer."""
    return not t.cap and len(t.low) > 4 and t.low.endswith(("ed", "ing"))


def type_ok(qtype: str, span: Sequence[Tok], prev: Tok | None) -> float:
    """How well a span has the shape the question asks for (0 to 1)."""
    content = [t for t in span if not t.punct]
    if not content:
        return 0.0
    if qtype == "count":
        first = content[0]
        if not any(t.num for t in content):
            return 0.0
        ok = first.num or first.low in QUALIFIERS or first.text in CURRENCY
        return 1.0 if ok else _NUMBER_INSIDE
    if qtype == "time":
        return 1.0 if any(t.time for t in content) else 0.0
    caps = [t for t in content if t.cap or t.num or t.stop]
    if qtype in ("person", "place"):
        if any(t.time for t in content):
            return 0.0  # "Sunday" and "March" are capitalised but are not names
        if not content[0].cap or not content[-1].cap or len(caps) < len(content):
            return 0.0
        if qtype == "place" and (
            (prev is not None and prev.low in PLACE_PREPS)
            or any(t.low in PLACE_CUES for t in content)
        ):
            return 1.0
        return _NAME_LIKE
    # thing: a noun-phrase-ish span, not a bare function word
    return 0.0 if all(t.stop for t in content) else 1.0


@dataclass
class Candidate:
    """A span of a shortlisted sentence, with its base features (BASE_FEATURES order)."""

    feats: list[float]
    sent_index: int
    start: int
    end: int  # exclusive token index
    score: float = 0.0


# Span limits: at most MAX_SPAN_TOKENS tokens, LONG_SPAN_EXTRA more for the forms
# whose answers are clauses or descriptions.
MAX_SPAN_TOKENS = 10
LONG_SPAN_EXTRA = 4
_LONG_FORMS = ("verb", "other", "describe")
# "near": each matched question word warms the tokens up to _HEAT_REACH away, by its
# idf share times exp(-distance / _HEAT_DECAY).
_HEAT_REACH = 8
_HEAT_DECAY = 3.0
# win_left / win_right: question words within this many tokens of the span.
_WINDOW = 6
# Distances to a matched word are only told apart up to 5 (dl*/dr*); none at all is:
_NO_MATCH = 99
_RANKS = ("rank0", "rank1", "rank2")
# Words that join clauses: a span never starts with one.
_JOINERS = ("and", "or", "but", "that", "which", "who")


def _length_name(length: int) -> str:
    if length == 1:
        return "len1"
    if length == 2:
        return "len2"
    if length == 3:
        return "len3"
    if length <= 5:
        return "len4_5"
    if length <= 8:
        return "len6_8"
    return "len9"


def span_candidates(
    info: QuestionInfo, scored: Scored, rank: int, sent_norm: float
) -> list[Candidate]:
    """Every candidate span of one shortlisted sentence (``rank``: its place in the
    fitted order; ``sent_norm``: its logit minus the best one's)."""
    sent = scored.sentence
    toks = sent.toks
    n = len(toks)
    qset = set(info.terms)
    matched = [
        not t.punct
        and (
            t.key in qset
            or ("-" in t.low and not t.num and any(match_key(w) in qset for w in t.low.split("-")))
        )
        for t in toks
    ]
    match_pos = [i for i, m in enumerate(matched) if m]
    # idf-weighted "heat" of each position: how close it is to matched question words.
    heat = [0.0] * n
    for p in match_pos:
        w = scored.idf.get(toks[p].key, 0.0) / scored.q_weight
        for k in range(max(0, p - _HEAT_REACH), min(n, p + _HEAT_REACH + 1)):
            heat[k] += w * math.exp(-abs(k - p) / _HEAT_DECAY)
    quote_depth = [0] * n
    depth = 0
    for k, t in enumerate(toks):
        if t.text in ('"', "“", "”"):
            depth = 0 if depth else 1
        quote_depth[k] = depth
    max_span = MAX_SPAN_TOKENS + LONG_SPAN_EXTRA if info.form in _LONG_FORMS else MAX_SPAN_TOKENS
    cands: list[Candidate] = []
    nf = len(BASE_FEATURES)
    verbs = [verbish(t) for t in toks]
    # Distance from each position to the nearest matched word on its right.
    right_dist = [_NO_MATCH] * n
    nearest = -1
    for k in range(n - 1, -1, -1):
        right_dist[k] = nearest - k if nearest >= 0 else _NO_MATCH
        if matched[k]:
            nearest = k
    pos_early = 1.0 / (1.0 + scored.position)
    mw = [
        scored.idf.get(t.key, 0.0) / scored.q_weight if matched[k] else 0.0
        for k, t in enumerate(toks)
    ]
    focus = info.terms[0] if info.terms else ""
    last_term = info.terms[-1] if info.terms else ""
    # Distance from each position to the nearest matched word on its left, and the
    # first focus-word position at or after each index: both in one pass each, so a
    # long sentence full of question words costs tokens, not tokens x matches.
    left_dist = [_NO_MATCH] * n
    nearest = -1
    for k in range(n):
        left_dist[k] = k - nearest if nearest >= 0 else _NO_MATCH
        if matched[k]:
            nearest = k
    next_focus = [n + _NO_MATCH] * (n + 1)
    for k in range(n - 1, -1, -1):
        next_focus[k] = k if matched[k] and toks[k].key == focus else next_focus[k + 1]
    first_match = match_pos[0] if match_pos else n
    last_match = match_pos[-1] if match_pos else -1
    # A sentence yields up to n x max_span spans, the engine's hottest loop: what a
    # feature depends on is set once, per sentence, per start i, or per end j, and the
    # span's counts run on as j grows. The values are the ones computed span by span.
    base = _BASE_ZERO.copy()
    base["sent"] = sent_norm
    base["cov"] = scored.coverage
    if rank < len(_RANKS):
        base[_RANKS[rank]] = 1.0
    base["pos_early"] = pos_early
    win_right = [sum(mw[j + 1 : j + 1 + _WINDOW]) for j in range(n)]
    for i in range(n):
        ti = toks[i]
        if ti.punct and ti.text not in CURRENCY:
            continue
        if matched[i] or ti.low in _JOINERS:
            continue
        prev = toks[i - 1] if i > 0 else None
        d_left = left_dist[i]
        focus_from = next_focus[max(0, i - 2)]
        fi = base.copy()
        fi["dl1"] = 1.0 if d_left == 1 else 0.0
        fi["dl2"] = 1.0 if d_left == 2 else 0.0
        fi["dl3_5"] = 1.0 if 3 <= d_left <= 5 else 0.0
        fi["no_match_left"] = 1.0 if d_left == _NO_MATCH else 0.0
        fi["start_stop"] = 1.0 if ti.stop else 0.0
        fi["start_prep"] = 1.0 if ti.low in PREPS else 0.0
        fi["start_det"] = 1.0 if ti.low in DETS else 0.0
        fi["left_bound"] = 1.0 if prev is None or prev.punct or matched[i - 1] else 0.0
        fi["place_prep"] = 1.0 if prev is not None and prev.low in PLACE_PREPS else 0.0
        fi["at_start"] = 1.0 if prev is None else 0.0
        fi["after_that"] = 1.0 if prev is not None and prev.low == "that" else 0.0
        fi["win_left"] = sum(mw[max(0, i - _WINDOW) : i])
        fi["after_last"] = 1.0 if i > last_match and d_left <= 2 else 0.0
        fi["prev_by"] = 1.0 if prev is not None and prev.low == "by" else 0.0
        fi["money"] = (
            1.0 if ti.text in CURRENCY or (prev is not None and prev.text in CURRENCY) else 0.0
        )
        if d_left <= 3:
            lk = toks[i - d_left].key
            fi["left_is_last"] = 1.0 if lk == last_term else 0.0
            fi["left_is_first"] = 1.0 if lk == focus else 0.0
        if prev is not None and prev.low in _PREV_NAME:
            fi[_PREV_NAME[prev.low]] = 1.0
        # The span toks[i : j + 1] so far: its words (punctuation left out) and counts.
        content: list[Tok] = []
        caps = not_stop = verb_sum = 0
        has_num = has_time = conj = comma = False
        hottest = 0.0
        for j in range(i, min(n, i + max_span)):
            tj = toks[j]
            if matched[j] or tj.strong:
                break
            hottest = heat[j] if j == i else max(hottest, heat[j])
            verb_sum += verbs[j]
            comma = comma or tj.text == ","
            if tj.punct:
                continue
            content.append(tj)
            caps += tj.cap
            not_stop += not tj.stop
            has_num = has_num or tj.num
            has_time = has_time or tj.time
            conj = conj or tj.low in ("and", "or")
            if not not_stop:
                continue  # "The", "of the": never an answer
            length = len(content)
            nxt = toks[j + 1] if j + 1 < n else None
            d_right = right_dist[j]
            f = fi.copy()
            f[_length_name(length)] = 1.0
            f["near"] = hottest
            f["dr1"] = 1.0 if d_right == 1 else 0.0
            f["dr2"] = 1.0 if d_right == 2 else 0.0
            f["dr3_5"] = 1.0 if 3 <= d_right <= 5 else 0.0
            f["no_match_right"] = 1.0 if d_right == _NO_MATCH else 0.0
            f["end_stop"] = 1.0 if tj.stop or tj.low in PREPS or tj.low in DETS else 0.0
            f["end_verbish"] = 1.0 if verbs[j] else 0.0
            f["cap_first"] = 1.0 if content[0].cap else 0.0
            f["cap_last"] = 1.0 if tj.cap or tj.num else 0.0
            f["cap_all"] = 1.0 if caps == length else 0.0
            f["cap_frac"] = caps / length
            f["has_num"] = 1.0 if has_num else 0.0
            f["end_num"] = 1.0 if tj.num else 0.0
            f["has_time"] = 1.0 if has_time else 0.0
            f["comma"] = 1.0 if comma else 0.0
            f["conj"] = 1.0 if conj else 0.0
            f["right_bound"] = 1.0 if nxt is None or nxt.punct or matched[j + 1] else 0.0
            f["quoted"] = 1.0 if quote_depth[i] and quote_depth[j] else 0.0
            f["type_ok"] = type_ok(info.qtype, toks[i : j + 1], prev)
            f["num_noun"] = 1.0 if has_num and d_right <= 4 else 0.0
            f["said_after"] = 1.0 if nxt is not None and nxt.key == "say" else 0.0
            f["describe_adj"] = 1.0 if info.describe and (d_left <= 2 or d_right <= 1) else 0.0
            f["verbish_frac"] = verb_sum / length
            f["is_year"] = 1.0 if length == 1 and tj.time and tj.num else 0.0
            f["win_right"] = win_right[j]
            f["before_first"] = 1.0 if j < first_match and d_right <= 2 else 0.0
            f["focus_adj"] = 1.0 if focus_from <= j + 2 else 0.0
            f["len_log"] = math.log(length)
            if d_right <= 3:
                rk = toks[j + d_right].key
                f["right_is_first"] = 1.0 if rk == focus else 0.0
                f["right_is_last"] = 1.0 if rk == last_term else 0.0
            if nxt is not None and nxt.low in _NEXT_NAME:
                f[_NEXT_NAME[nxt.low]] = 1.0
            if len(f) != nf:
                raise KeyError(f"unknown span feature among {sorted(set(f) - set(BASE_FEATURES))}")
            cands.append(Candidate(list(f.values()), rank, i, j + 1))
    return cands
