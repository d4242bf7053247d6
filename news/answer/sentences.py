"""Sentence ranking: which sentences of the candidate articles may hold the answer.

A heuristic score (idf-weighted coverage of the question, plus the article's
coverage, its retrieval score and the sentence's place) orders every matching
sentence; the best SHORTLIST are then re-ranked by a fitted linear model over the
sentence features below, and spans are drawn from the best few of those.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from news.answer.lexicon import PLACE_PREPS
from news.answer.question import QTYPES, QuestionInfo
from news.answer.reader import Passage
from news.answer.tokens import Sentence, article_sentences
from news.words import sentence_idf

# The heuristic order's shortlist, which the fitted sentence model re-ranks.
SHORTLIST = 10

# The heuristic sentence score: coverage of the question, plus
BIGRAM_BONUS = 0.05  # per pair of question words found in order in the sentence,
DOC_WEIGHT = 0.2  # times the whole article's coverage of the question,
RETRIEVAL_WEIGHT = 1.0  # times the store's (normalised) bm25 score of the article,
LEAD_WEIGHT = 0.4  # times the coverage of the article's first LEAD_SENTENCES,
LEAD_SENTENCES = 5  # (questions are usually about what a story leads with)
POSITION_PENALTY = 0.03  # minus this times log(1 + sentence index): early ones carry the news,
LENGTH_BONUS = 0.02  # plus this times log(1 + words): long sentences hold more facts.


@dataclass
class Scored:
    """A sentence that matches some of the question, with its heuristic score."""

    passage: Passage
    sentence: Sentence
    score: float  # combined sentence score, used to pick the evidence
    coverage: float  # share of the question's weight matched by the sentence
    position: int  # index of the sentence in its article
    idf: dict[str, float]  # weight of each question term over the candidate set
    q_weight: float
    prev_cov: float = 0.0  # coverage of the neighbouring sentences
    next_cov: float = 0.0
    bigrams: float = 0.0  # share of the question's word pairs found in order
    logit: float = 0.0  # fitted sentence-model score (set for the shortlist)
    # Its place in the passage order (news.answer.passages.relevance), set for the
    # sentences spans were drawn from.
    relevance: float | None = None


def rank_sentences(info: QuestionInfo, passages: Sequence[Passage]) -> list[Scored]:
    """Every sentence of the passages that matches a question word, best first."""
    per_passage: list[tuple[Passage, tuple[Sentence, ...]]] = []
    for p in passages:
        text = p.text if isinstance(p.text, str) else ""
        sents = article_sentences(int(p.article_id), hash(text), text)
        per_passage.append((p, sents))
    idf = sentence_idf(info.terms, [[s.keys for s in sents] for _, sents in per_passage])
    q_weight = sum(idf.values()) or 1.0
    bigrams = list(itertools.pairwise(info.terms))
    scored: list[Scored] = []
    for p, sents in per_passage:
        doc_keys: set[str] = set()
        for s in sents:
            doc_keys |= s.keys
        doc_cov = sum(idf[t] for t in info.terms if t in doc_keys) / q_weight
        # Questions are usually about what the story leads with.
        lead_keys: set[str] = set()
        for s in sents[:LEAD_SENTENCES]:
            lead_keys |= s.keys
        lead_cov = sum(idf[t] for t in info.terms if t in lead_keys) / q_weight
        retrieval = max(0.0, min(1.0, float(p.retrieval_score or 0.0)))
        covs = [sum(idf[t] for t in info.terms if t in s.keys) / q_weight for s in sents]
        for pos, s in enumerate(sents):
            cov = covs[pos]
            if cov <= 0.0:
                continue
            seq = [t.key for t in s.toks if not t.punct]
            pairs = set(itertools.pairwise(seq))
            hits = sum(1 for b in bigrams if b in pairs)
            bonus = BIGRAM_BONUS * hits
            # Early sentences carry the news; long sentences hold more facts.
            score = (
                cov
                + bonus
                + DOC_WEIGHT * doc_cov
                + RETRIEVAL_WEIGHT * retrieval
                + LEAD_WEIGHT * lead_cov
                - POSITION_PENALTY * math.log1p(pos)
                + LENGTH_BONUS * math.log1p(len(seq))
            )
            scored.append(
                Scored(
                    p,
                    s,
                    score,
                    cov,
                    pos,
                    idf,
                    q_weight,
                    prev_cov=covs[pos - 1] if pos > 0 else 0.0,
                    next_cov=covs[pos + 1] if pos + 1 < len(covs) else 0.0,
                    bigrams=hits / len(bigrams) if bigrams else 0.0,
                )
            )
    scored.sort(key=lambda x: x.score, reverse=True)
    return scored


# ------------------------------------------------------------- sentence features

_SENT_BASE = (
    "s_heur",  # heuristic score minus the best one (carries article choice)
    "s_cov",  # idf-weighted share of the question matched
    "s_cov2",
    "s_frac",  # unweighted share of the question's terms matched
    "s_bigram",  # share of the question's word pairs found in order
    "s_rare",  # the question's rarest term is matched
    "s_pos0",
    "s_pos1",
    "s_pos2",
    "s_pos3_5",
    "s_poslog",
    "s_len",
    "s_prev",  # coverage of the previous / next sentence
    "s_next",
    "s_type",  # the sentence holds a token of the asked-for shape
    "s_quote",
    "s_said",
    "s_spread",  # how tightly the matched words sit together
    "s_unmatched",  # how much the sentence says beyond the question's words
    "s_hrank0",
    "s_hrank1",
    "s_soft",  # idf share of unmatched question words whose first 5 letters occur
    "s_capseq",  # a run of 2+ unmatched capitalised words (a name)
    "s_place",  # a capitalised word after "in"/"at"/"near"...
    "s_num",  # an unmatched number
    "s_maxcov",  # the shortlist's best coverage
)
# Features that also get a copy per question type ("count_s_type", ...), which is
# non-zero only for questions of that type.
_SENT_TYPED = (
    "s_type",
    "s_cov",
    "s_pos0",
    "s_quote",
    "s_len",
    "s_unmatched",
    "s_capseq",
    "s_place",
    "s_num",
)
SENT_FEATURES = (*_SENT_BASE, *(f"{q}_{f}" for q in QTYPES for f in _SENT_TYPED))
_SENT_ZERO = dict.fromkeys(SENT_FEATURES, 0.0)
_SENT_TYPED_NAMES = {q: [(f, f"{q}_{f}") for f in _SENT_TYPED] for q in QTYPES}
# A prefix of this many letters stands in for a stem the stemmer missed (s_soft).
_SOFT_PREFIX = 5


def sentence_features(
    info: QuestionInfo, sc: Scored, best_heur: float, hrank: int, rare: str, maxcov: float
) -> dict[str, float]:
    """The sentence's features by name: every name of SENT_FEATURES, in that order."""
    toks = sc.sentence.toks
    qset = set(info.terms)
    content = [t for t in toks if not t.punct]
    match_pos = [i for i, t in enumerate(content) if t.key in qset]
    n = len(content) or 1
    unmatched = [t for t in content if t.key not in qset and not t.stop]
    if info.qtype == "count":
        typ = any(t.num for t in unmatched)
    elif info.qtype == "time":
        typ = any(t.time for t in unmatched)
    elif info.qtype in ("person", "place"):
        typ = any(t.cap and not t.time for t in unmatched[1:] or unmatched)
    else:
        typ = bool(unmatched)
    pos = sc.position
    matched_terms = sum(1 for t in info.terms if t in sc.sentence.keys)
    spread = (match_pos[-1] - match_pos[0] + 1) / n if match_pos else 1.0
    f = _SENT_ZERO.copy()
    f["s_heur"] = sc.score - best_heur
    f["s_cov"] = sc.coverage
    f["s_cov2"] = sc.coverage * sc.coverage
    f["s_frac"] = matched_terms / max(1, len(info.terms))
    f["s_bigram"] = sc.bigrams
    f["s_rare"] = 1.0 if rare in sc.sentence.keys else 0.0
    f["s_pos0"] = 1.0 if pos == 0 else 0.0
    f["s_pos1"] = 1.0 if pos == 1 else 0.0
    f["s_pos2"] = 1.0 if pos == 2 else 0.0
    f["s_pos3_5"] = 1.0 if 3 <= pos <= 5 else 0.0
    f["s_poslog"] = math.log1p(pos)
    f["s_len"] = math.log1p(len(content)) / 4.0
    f["s_prev"] = sc.prev_cov
    f["s_next"] = sc.next_cov
    f["s_type"] = 1.0 if typ else 0.0
    f["s_quote"] = 1.0 if any(t.text in ('"', "“", "”") for t in toks) else 0.0
    f["s_said"] = 1.0 if any(t.key in ("say", "tell") for t in content) else 0.0
    f["s_spread"] = spread
    f["s_unmatched"] = math.log1p(len(unmatched)) / 3.0
    f["s_hrank0"] = 1.0 if hrank == 0 else 0.0
    f["s_hrank1"] = 1.0 if hrank == 1 else 0.0
    missing = [
        (w, t) for w, t in zip(info.words, info.terms, strict=False) if t not in sc.sentence.keys
    ]
    if missing:
        k = _SOFT_PREFIX
        prefixes = {t.low[:k] for t in content if len(t.low) >= k}
        f["s_soft"] = (
            sum(sc.idf.get(t, 0.0) for w, t in missing if len(w) >= k and w[:k] in prefixes)
            / sc.q_weight
        )
    run = 0
    for t in content:
        run = run + 1 if t.cap and t.key not in qset and not t.time else 0
        if run >= 2:
            f["s_capseq"] = 1.0
            break
    for a, b in itertools.pairwise(content):
        if a.low in PLACE_PREPS and b.cap and b.key not in qset and not b.time:
            f["s_place"] = 1.0
            break
    f["s_num"] = 1.0 if any(t.num and not t.time for t in unmatched) else 0.0
    f["s_maxcov"] = maxcov
    qtype = info.qtype if info.qtype in QTYPES else QTYPES[-1]
    for name, typed in _SENT_TYPED_NAMES[qtype]:
        f[typed] = f[name]
    if len(f) != len(SENT_FEATURES):
        raise KeyError(f"unknown sentence feature among {sorted(set(f) - set(SENT_FEATURES))}")
    return f


def rerank(
    info: QuestionInfo, ranked: list[Scored], weights: Sequence[float]
) -> list[tuple[Scored, list[float]]]:
    """The heuristic shortlist with its sentence feature vectors, best fitted logit first.

    ``weights`` is ordered like SENT_FEATURES; each sentence's ``logit`` is set.
    """
    shortlist = ranked[:SHORTLIST]
    if not shortlist:
        return []
    idf = shortlist[0].idf
    rare = max(info.terms, key=lambda t: idf.get(t, 0.0))
    best = shortlist[0].score
    maxcov = max(sc.coverage for sc in shortlist)
    out = []
    for k, sc in enumerate(shortlist):
        feats = list(sentence_features(info, sc, best, k, rare, maxcov).values())
        sc.logit = sum(map(operator.mul, weights, feats))
        out.append((sc, feats))
    out.sort(key=lambda x: x[0].logit, reverse=True)
    return out
