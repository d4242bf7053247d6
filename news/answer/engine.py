"""Answer assembly: a question and candidate articles in, an :class:`Answer` out.

The stages run in order: the question is analysed (:mod:`.question`), the articles'
sentences ranked and the shortlist re-ranked (:mod:`.sentences`), the best sentences'
spans scored (:mod:`.spans`) and one chosen (:mod:`.choose`); below a confidence
threshold the engine abstains rather than guess.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from news.answer.choose import (
    MBR_FORMS,
    RUNNING_TOTAL_PENALTY,
    candidate_text,
    is_running_total,
    mbr_pick,
    total_extra,
)
from news.answer.fitted import load_fitted
from news.answer.question import FORMS, QuestionInfo, analyze_question
from news.answer.reader import Answer, Passage
from news.answer.sentences import SENT_FEATURES, Scored, rank_sentences, rerank
from news.answer.spans import BASE_FEATURES, Candidate, fold_weights, span_candidates

# Confidence below which the answer is withheld. Tuned on the dev set so that
# abstention is rare when the article does hold the answer, while a question whose
# content words barely occur in the articles falls below it.
DEFAULT_MIN_SCORE = 0.1

# Spans are drawn from this many of the re-ranked shortlist's best sentences.
TOP_SENTENCES = 4
# Confidence is the evidence's coverage of the question times
# (_SHAPE_FLOOR + _SHAPE_WEIGHT * how well the answer has the asked-for shape).
_SHAPE_FLOOR = 0.6
_SHAPE_WEIGHT = 0.4
# A matching sentence without any candidate span: confidence is this share of its coverage.
_NO_SPAN_SHARE = 0.5
# How many articles an answer lists as related (the evidence's first).
_RELATED = 3
_TYPE_OK = BASE_FEATURES.index("type_ok")

# Loaded once at import: a missing or malformed weights file stops start-up.
_FITTED = load_fitted()
_SENT_VECTOR = [_FITTED.sentence[name] for name in SENT_FEATURES]
_FOLDED = {form: fold_weights(_FITTED.span, form) for form in FORMS}


def answer_question(
    question: str,
    passages: Sequence[Passage],
    *,
    min_score: float = DEFAULT_MIN_SCORE,
) -> Answer:
    """Answer a question from candidate articles, or abstain (``answer=None``).

    Pure and synchronous; never raises: any failure becomes an abstention.
    """
    q = question if isinstance(question, str) else ""
    try:
        return _answer(q, passages, min_score)
    except Exception:  # the desk must always get an Answer back
        related = tuple(_safe_ids(passages))[:_RELATED]
        return _abstain(q, "thing", related)


def _safe_ids(passages: Sequence[Passage]) -> list[int]:
    out: list[int] = []
    try:
        for p in passages:
            out.append(int(p.article_id))
    except Exception:
        pass
    return out


def _abstain(question: str, qtype: str, related: tuple[int, ...], score: float = 0.0) -> Answer:
    return Answer(question, None, None, None, max(0.0, min(1.0, score)), qtype, related)


@dataclass
class Pool:
    """Everything the span scorer chooses from, shared with the offline fitter."""

    info: QuestionInfo
    ranked: list[Scored]  # matching sentences, the re-ranked best ``keep`` first
    top: list[Scored]  # the sentences the candidates come from
    cands: list[Candidate]
    sent_feats: list[list[float]] = dataclasses.field(default_factory=list)


def candidate_pool(
    question: str, passages: Sequence[Passage], *, keep: int = TOP_SENTENCES
) -> Pool:
    """Question analysis, sentence ranking and span candidates of the best ``keep``
    sentences (the fitter asks for the whole shortlist)."""
    info = analyze_question(question)
    ranked = rank_sentences(info, passages) if info.terms else []
    reranked = rerank(info, ranked, _SENT_VECTOR)
    top = [sc for sc, _ in reranked[:keep]]
    cands: list[Candidate] = []
    if top:
        best = top[0].logit
        for k, sc in enumerate(top):
            cands.extend(span_candidates(info, sc, k, sc.logit - best))
    if reranked:
        ranked = top + [sc for sc in ranked if all(sc is not t for t in top)]
    pool = Pool(info, ranked, top, cands)
    pool.sent_feats = [f for _, f in reranked[:keep]]
    return pool


def _by_score(c: Candidate) -> float:
    return c.score


def _answer(question: str, passages: Sequence[Passage], min_score: float) -> Answer:
    passages = list(passages)
    pool = candidate_pool(question, passages)
    info, ranked = pool.info, pool.ranked
    if not ranked:
        ordered = sorted(passages, key=lambda p: p.retrieval_score, reverse=True)
        return _abstain(question, info.qtype, tuple(int(p.article_id) for p in ordered[:_RELATED]))
    related: list[int] = []
    for sc in ranked:
        aid = int(sc.passage.article_id)
        if aid not in related:
            related.append(aid)
        if len(related) == _RELATED:
            break
    if not pool.cands:
        return _abstain(question, info.qtype, tuple(related), ranked[0].coverage * _NO_SPAN_SHARE)
    weights = _FOLDED.get(info.form, _FOLDED["other"])
    for c in pool.cands:
        c.score = sum(map(operator.mul, weights, c.feats))
        totals_apart = info.qtype == "count" and "total" not in info.terms
        if totals_apart and is_running_total(pool.top[c.sent_index].sentence, c.start, c.end):
            c.score -= RUNNING_TOTAL_PENALTY
    win = mbr_pick(pool.cands) if info.form in MBR_FORMS else max(pool.cands, key=_by_score)
    chosen = pool.top[win.sent_index]
    sent = chosen.sentence
    text = candidate_text(info, sent, win)
    # Confidence: how much of the question the evidence matches, tempered by
    # whether a span of the asked-for shape was found.
    type_fit = win.feats[_TYPE_OK]
    confidence = chosen.coverage * (_SHAPE_FLOOR + _SHAPE_WEIGHT * type_fit)
    confidence = max(0.0, min(1.0, confidence))
    if confidence < min_score or not text:
        return _abstain(question, info.qtype, tuple(related), confidence)
    return Answer(
        question=question,
        answer=text,
        evidence=sent.text,
        article_id=int(chosen.passage.article_id),
        score=confidence,
        qtype=info.qtype,
        related=tuple(related),
        extra=total_extra(info, chosen.passage, sent),
    )
