"""Answer assembly: a question and candidate articles in, an :class:`Answer` out.

The stages run in order: the question is analysed (:mod:`.question`), the articles'
sentences ranked and the shortlist re-ranked (:mod:`.sentences`), the best sentences'
spans scored (:mod:`.spans`) and one chosen (:mod:`.choose`). Its calibrated
confidence (:mod:`.confidence`), zero when the article does not say what the
question asks about (:mod:`.support`), decides whether the engine commits to it;
either way the most relevant sentences are quoted (:mod:`.passages`).
"""

from __future__ import annotations

import dataclasses
import logging
import operator
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from news.answer.choose import (
    MBR_FORMS,
    RUNNING_TOTAL_PENALTY,
    answer_range,
    candidate_text,
    counts_only_a_total,
    is_running_total,
    mbr_pick,
)
from news.answer.confidence import (
    agreement,
    clip_margin,
    load_model,
    retrieval_margin,
    setting_of,
)
from news.answer.fitted import load_fitted
from news.answer.kinds import candidate_fits, penalise_wrong_kind
from news.answer.passages import passage_order, quotes, relevance
from news.answer.question import FORMS, QuestionInfo, analyze_question
from news.answer.reader import Answer, Guess, Passage, Quote
from news.answer.sentences import SENT_FEATURES, Scored, rank_sentences, rerank
from news.answer.spans import Candidate, fold_weights, span_candidates
from news.answer.support import missing_share, supported
from news.answer.totals import running_total

log = logging.getLogger(__name__)

# Spans are drawn from this many of the re-ranked shortlist's best sentences.
TOP_SENTENCES = 4
# The evidence must lead every other sentence offered by this much (relevance, in
# logits: a factor e in odds) for the answer to be bold: "the budget the council
# approved on Tuesday" of two councils that did so is a question the story does not
# settle. On out-of-fold readings of the dev set, answers led by less scored F1 about
# 21 against 41 for a lead over 2.
TIE_MARGIN = 1.0
# How many articles an answer lists as related (the evidence's first).
_RELATED = 3

# Loaded once at import: a missing or malformed weights file stops start-up.
_FITTED = load_fitted()
_SENT_VECTOR = [_FITTED.sentence[name] for name in SENT_FEATURES]
_FOLDED = {form: fold_weights(_FITTED.span, form) for form in FORMS}
_MODEL = load_model()
# The measured default thresholds, one per setting (the host may set one for both).
COMMIT_AT = dict(_MODEL.commit_at)
DEFAULT_COMMIT_AT = COMMIT_AT["given"]


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


@dataclass(frozen=True)
class Reading:
    """What the engine makes of a question before deciding whether to commit: its best
    span, the signals and confidence, and the quotes for either outcome."""

    question: str
    qtype: str
    setting: str
    related: tuple[int, ...]
    guess: Guess | None
    signals: dict[str, float]
    confidence: float
    committed_quotes: tuple[Quote, ...]  # the evidence first, then up to two more
    open_quotes: tuple[Quote, ...]  # the most relevant sentences, when it abstains
    extra: str | None = None
    # Whether the evidence and its article say what the question asks about
    # (:mod:`.support`); when not, the confidence is 0 whatever the signals say.
    supported: bool = True
    # Whether the answer is of the kind the question asks for (:mod:`.kinds`); when
    # not, the confidence is 0 too.
    typed: bool = True
    # Whether another sentence is nearly as relevant (TIE_MARGIN): the question does not
    # say which of them it means, so neither answer is bold.
    tied: bool = False


def answer_question(
    question: str,
    passages: Sequence[Passage],
    *,
    commit_at: float | None = None,
) -> Answer:
    """Answer a question from candidate articles: commit to the best span when its
    calibrated confidence reaches ``commit_at`` (None: the setting's fitted default), otherwise
    give the most relevant passages (``answer=None``).

    Pure and synchronous; never raises: a failure is logged with an id and
    becomes an abstention.
    """
    q = question if isinstance(question, str) else ""
    try:
        reading = read(q, passages)
        threshold = COMMIT_AT[reading.setting] if commit_at is None else float(commit_at)
        return settle(reading, threshold)
    except Exception:
        # The desk must always get an Answer back, but a crash here is a bug: it is
        # logged with a short id (as bot.client does for command errors), never
        # passed off as an ordinary abstention. The question is not logged: it is
        # a member's text.
        log.exception(
            "error %s in the answer engine; the question gets no answer", secrets.token_hex(4)
        )
        related = tuple(_safe_ids(passages))[:_RELATED]
        return Answer(q, None, None, None, 0.0, "thing", related)


def _safe_ids(passages: Sequence[Passage]) -> list[int]:
    out: list[int] = []
    try:
        for p in passages:
            out.append(int(p.article_id))
    except Exception:
        pass
    return out


def settle(reading: Reading, commit_at: float) -> Answer:
    """The Answer a reading gives at a threshold."""
    guess = reading.guess
    commit = guess is not None and bool(guess.text) and reading.confidence >= commit_at
    return Answer(
        question=reading.question,
        answer=guess.text if commit and guess else None,
        evidence=guess.evidence if commit and guess else None,
        article_id=guess.article_id if commit and guess else None,
        score=reading.confidence,
        qtype=reading.qtype,
        related=reading.related,
        extra=reading.extra if commit else None,
        confidence=reading.confidence,
        passages=reading.committed_quotes if commit else reading.open_quotes,
        guess=guess,
    )


def read(question: str, passages: Sequence[Passage]) -> Reading:
    """Every stage but the decision to commit."""
    passages = list(passages)
    setting = setting_of(passages)
    pool = candidate_pool(question, passages)
    info, ranked = pool.info, pool.ranked
    if not ranked:
        ordered = sorted(passages, key=lambda p: p.retrieval_score, reverse=True)
        related = tuple(int(p.article_id) for p in ordered[:_RELATED])
        return Reading(question, info.qtype, setting, related, None, {}, 0.0, (), ())
    related_ids: list[int] = []
    for sc in ranked:
        aid = int(sc.passage.article_id)
        if aid not in related_ids:
            related_ids.append(aid)
        if len(related_ids) == _RELATED:
            break
    related = tuple(related_ids)
    weights = _FOLDED.get(info.form, _FOLDED["other"])
    best_span: dict[int, float] = {}
    totals_apart = info.qtype == "count" and "total" not in info.terms
    only_totals = [totals_apart and counts_only_a_total(sc.sentence) for sc in pool.top]
    for c in pool.cands:
        c.score = sum(map(operator.mul, weights, c.feats))
        if totals_apart and (
            only_totals[c.sent_index]
            or is_running_total(pool.top[c.sent_index].sentence, c.start, c.end)
        ):
            c.score -= RUNNING_TOTAL_PENALTY
    penalise_wrong_kind(info, pool.top, pool.cands)
    for c in pool.cands:
        if c.score > best_span.get(c.sent_index, -float("inf")):
            best_span[c.sent_index] = c.score
    order = passage_order(info, ranked, pool.top, best_span)
    open_quotes = quotes(info, order)
    if not pool.cands:
        return Reading(question, info.qtype, setting, related, None, {}, 0.0, (), open_quotes)
    win = mbr_pick(pool.cands) if info.form in MBR_FORMS else max(pool.cands, key=_by_score)
    chosen = pool.top[win.sent_index]
    sent = chosen.sentence
    text = candidate_text(info, sent, win)
    # The margin is taken after the span choice, in the order the evidence is picked
    # by, against the sentences that offer a rival answer: one ranked first on its
    # words whose only number is a running total offers none to a count.
    key = relevance(pool.top, best_span)
    others = [v for k, v in enumerate(key) if k != win.sent_index and not only_totals[k]]
    signals = {
        "mbr_agree": agreement(
            pool.cands, win, lambda c: candidate_text(info, pool.top[c.sent_index].sentence, c)
        ),
        "evidence_margin": clip_margin(key[win.sent_index] - max(others)) if others else 5.0,
        "nterms": float(len(info.terms)),
        # How much of the question its story never mentions (paraphrase or a
        # subject the story lacks), and the span's own fitted score against the
        # sentence's: a strong span in a strong sentence is less often wrong.
        "missing": missing_share(info, chosen),
        "span_score": max(-10.0, min(10.0, win.score)),
        "sent_logit": max(-10.0, min(10.0, chosen.logit)),
        **{f"is_{t}": float(info.qtype == t) for t in ("count", "time", "person", "place")},
    }
    if setting == "open":
        signals["rr_margin"] = retrieval_margin(passages)
    backed = supported(info, chosen, question)
    typed = candidate_fits(info, chosen, win)
    tied = signals["evidence_margin"] < TIE_MARGIN
    gated = not (text and backed and typed) or tied
    confidence = 0.0 if gated else _MODEL.probability(setting, signals)
    guess = Guess(text, sent.text, int(chosen.passage.article_id)) if text else None
    committed_quotes = quotes(info, order, chosen, answer_range(info, sent, win))
    return Reading(
        question,
        info.qtype,
        setting,
        related,
        guess,
        signals,
        confidence,
        committed_quotes,
        open_quotes,
        running_total(info, chosen, text),
        backed,
        typed=typed,
        tied=tied,
    )
