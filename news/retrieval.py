"""Open-setting retrieval: which words to search for, and re-ranking of bm25 candidates.

Pure functions. The desk asks the store for a few dozen bm25 candidates with
:func:`search_terms`, then :func:`rerank` mixes each candidate's normalised bm25 with
a cheap proximity score: how much of the question (idf-weighted, distinct words) the
best short window of consecutive sentences covers. A story that merely mentions
the question's words in different paragraphs ranks below one that has them together.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from news.answer import Passage, stem
from news.text import split_sentences

__all__ = [
    "Candidate",
    "Ranked",
    "open_passages",
    "passage_scores",
    "rerank",
    "search_phrases",
    "search_terms",
    "stem_key",
]

# Bounds for hostile input: a pasted essay becomes a bounded query.
MAX_TERMS = 24
MAX_PHRASES = 8
_MAX_QUESTION_CHARS = 1000
_MAX_TEXT_CHARS = 200_000
_CACHE_SIZE = 512

# How many bm25 candidates to re-rank, and how many of the best to hand the answer
# engine. Ten keeps the bodies fetched and split per question small (recall@10 of
# the query is ~0.93; twenty candidates gained nothing after re-ranking).
POOL = 10
HAND_ON = 5

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

_STOP_WORDS = """a an the and or but if of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then
    once here there all any both each few more most other some such no nor not only own
    same so than too very can will just don should now is am are was were be been being
    have has had having do does did doing would could might must shall may i me my we our
    you your he him his she her it its they them their what which who whom whose this that
    these those when where why how as also s t says said say tell told according get got
    many much long old far kind type name named happen happened"""
_STOP = frozenset(_STOP_WORDS.split())


def _words(text: str) -> list[str]:
    return _WORD.findall(text[:_MAX_QUESTION_CHARS].casefold())


def _is_content(word: str) -> bool:
    if word in _STOP:
        return False
    return len(word) > 1 or word.isdigit()


def search_terms(question: str) -> list[str]:
    """Content words of a question, in order, for an OR full-text query.

    Question and stop words are dropped (they match every story and blur bm25);
    numbers and rare words stay. No synonyms: on the dev set they cost recall.
    """
    if not isinstance(question, str):
        return []
    out: list[str] = []
    for w in _words(question):
        if _is_content(w) and w not in out:
            out.append(w)
            if len(out) >= MAX_TERMS:
                break
    return out


def search_phrases(question: str) -> list[tuple[str, str]]:
    """Adjacent content-word pairs of the question ("white house"), as phrases."""
    if not isinstance(question, str):
        return []
    out: list[tuple[str, str]] = []
    for a, b in itertools.pairwise(_words(question)):
        if _is_content(a) and _is_content(b) and (a, b) not in out:
            out.append((a, b))
            if len(out) >= MAX_PHRASES:
                break
    return out


# ------------------------------------------------------------------ stemming


def stem_key(word: str) -> str:
    """The matching key of a word: the answer engine's stemmer, so retrieval and
    answering agree on what counts as the same word."""
    return stem(word.casefold())


# ------------------------------------------------------------------ re-ranking


@dataclass(frozen=True)
class Candidate:
    """A bm25 hit with its text (``score``: higher is better, any scale)."""

    article_id: int
    title: str
    text: str
    score: float


@dataclass(frozen=True)
class Ranked:
    article_id: int
    score: float  # the mix; the best candidate scores highest
    features: dict[str, float]  # each in 0..1: bm25 relative to the best, coverages


_sentence_cache: OrderedDict[tuple[int, int], tuple[frozenset[str], ...]] = OrderedDict()


def _sentence_keys(article_id: int, title: str, text: str) -> tuple[frozenset[str], ...]:
    """Stem keys of each sentence (the title first), cached per article id and text."""
    key = (article_id, hash((title, text)))
    hit = _sentence_cache.get(key)
    if hit is not None:
        _sentence_cache.move_to_end(key)
        return hit
    sentences = [title] if title else []
    sentences.extend(split_sentences(text[:_MAX_TEXT_CHARS]))
    keys = tuple(frozenset(stem_key(w) for w in _WORD.findall(s.casefold())) for s in sentences)
    _sentence_cache[key] = keys
    if len(_sentence_cache) > _CACHE_SIZE:
        _sentence_cache.popitem(last=False)
    return keys


def _idf(keys: Sequence[str], docs: Sequence[tuple[frozenset[str], ...]]) -> dict[str, float]:
    """Weight of each question key: rarer across the candidates' sentences counts more."""
    total = sum(len(d) for d in docs) + 1
    df = dict.fromkeys(keys, 0)
    for sents in docs:
        for s in sents:
            for k in keys:
                if k in s:
                    df[k] += 1
    return {k: math.log(1.0 + total / (1.0 + df[k])) for k in keys}


def coverage(
    keys: Sequence[str],
    idf: dict[str, float],
    sentences: Sequence[frozenset[str]],
    window: int,
) -> float:
    """Share of the question's idf weight found inside the best window of sentences."""
    total = sum(idf[k] for k in keys) or 1.0
    best = 0.0
    n = len(sentences)
    for i in range(max(1, n - window + 1)):
        seen: set[str] = set()
        for s in sentences[i : i + window]:
            seen |= s
        got = sum(idf[k] for k in keys if k in seen)
        if got > best:
            best = got
    return best / total


def _share(keys: Sequence[str], idf: dict[str, float], seen: frozenset[str] | set[str]) -> float:
    total = sum(idf[k] for k in keys) or 1.0
    return sum(idf[k] for k in keys if k in seen) / total


def features(
    keys: Sequence[str],
    idf: dict[str, float],
    sentences: Sequence[frozenset[str]],
    rel: float,
) -> dict[str, float]:
    """What the mix weighs, each in 0..1."""
    lead3: set[str] = set()
    lead6: set[str] = set()
    every: set[str] = set()
    for i, s in enumerate(sentences):
        every |= s
        if i < 6:
            lead6 |= s
            if i < 3:
                lead3 |= s
    return {
        "bm25": rel,
        "win1": coverage(keys, idf, sentences, 1),
        "win2": coverage(keys, idf, sentences, 2),
        "win3": coverage(keys, idf, sentences, 3),
        "lead3": _share(keys, idf, lead3),
        "lead6": _share(keys, idf, lead6),
        "doc": _share(keys, idf, every),
    }


# The mix, fitted on the NewsQA dev set by bench/retrieval_eval.py (coordinate ascent
# on recall@1, 5-fold CV grouped by article: 0.776 -> 0.782 CV, 0.790 fitted on all).
# Whole-question coverage by one sentence, by two adjacent ones, and by the lead
# (where a news story says what it is about) count next to the relative bm25.
WEIGHTS: dict[str, float] = {"bm25": 1.0, "win1": 0.5, "win2": 0.5, "lead6": 0.75}


def rerank(
    question: str,
    candidates: Sequence[Candidate],
    *,
    weights: dict[str, float] | None = None,
) -> list[Ranked]:
    """Candidates ordered by bm25 mixed with question-word proximity, best first."""
    if not candidates:
        return []
    mix = WEIGHTS if weights is None else weights
    keys = list(dict.fromkeys(stem_key(w) for w in search_terms(question)))
    top = max((c.score for c in candidates), default=0.0)
    docs = [_sentence_keys(int(c.article_id), c.title or "", c.text or "") for c in candidates]
    idf = _idf(keys, docs) if keys else {}
    out: list[Ranked] = []
    for c, sents in zip(candidates, docs, strict=True):
        rel = c.score / top if top > 0 else 0.0
        feats = features(keys, idf, sents, rel) if keys else {"bm25": rel}
        score = sum(w * feats.get(name, 0.0) for name, w in mix.items())
        out.append(Ranked(int(c.article_id), score, feats))
    order = sorted(range(len(out)), key=lambda i: (-out[i].score, i))
    return [out[i] for i in order]


def passage_scores(ranked: Sequence[Ranked], keep: int = HAND_ON) -> list[tuple[int, float]]:
    """The best ``keep`` candidates with a retrieval score for the answer engine.

    The engine adds the score (0..1) to every sentence's score of that article, so a
    score falling with the rank, 1/(1 + rank), makes its article choice follow ours
    unless another article's sentence matches the question much better. Tried on dev:
    1/(1 + rank) beat relative and min-max scaled mixes (recall@1 0.794 vs 0.782-0.784
    for five passages).
    """
    return [(r.article_id, 1.0 / (1 + k)) for k, r in enumerate(ranked[: max(0, keep)])]


def open_passages(question: str, candidates: Sequence[Candidate]) -> list[Passage]:
    """Re-rank bm25 candidates and hand the best few to the answer engine, best first."""
    by_id = {int(c.article_id): c for c in candidates}
    ranked = rerank(question, candidates)
    return [
        Passage(aid, by_id[aid].title, by_id[aid].text, score)
        for aid, score in passage_scores(ranked)
    ]
