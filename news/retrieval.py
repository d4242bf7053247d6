"""Open-setting retrieval: which words to search for, and re-ranking of bm25 candidates.

Pure functions. The desk asks the store for a few bm25 candidates with
:func:`search_terms`, then :func:`rerank` scores each candidate with a fitted linear
mix of its normalised bm25 and cheap lexical features: how much of the question
(idf-weighted, distinct stem keys) the best sentence and pair of sentences cover, the
lead covers, how early the best sentence comes, how often the question's words recur,
the story's length, whether its lead is about a man or a woman when the question
says "he" or "she", whether the question's two rarest words stand within a few words
of each other, and a bm25 of the title weighed by the whole store's document counts
(:class:`StoreCounts`, which the desk reads from its cached counts). A story that
merely mentions the question's words in different paragraphs ranks below one that has
them together. :func:`passage_scores` hands the
best few to the answer engine with the mix's odds against the best.

Before re-ranking, :func:`distinct` collapses near-duplicate stories (the same wire
story stored twice, or an update of it) so that distinct stories fill the pool: the
desk fetches :data:`FETCH` bm25 hits and keeps :data:`POOL` distinct ones.

The mix's weights are package data (``news/weights/retrieval.json``, written by
``bench/retrieval_eval.py``); a missing or malformed file stops the import.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from news.answer import Passage
from news.domain import MAX_PHRASES
from news.text import MAX_QUESTION_CHARS, MAX_TEXT_CHARS, split_sentences
from news.weights import WeightsError, load
from news.words import PLAIN_WORD, SEARCH_STOP, other_forms, sentence_idf, stem

__all__ = [
    "FEATURES",
    "FETCH",
    "WEIGHTS",
    "Candidate",
    "Ranked",
    "StoreCounts",
    "clear_caches",
    "distinct",
    "open_passages",
    "opening_shingles",
    "passage_scores",
    "rerank",
    "same_story",
    "search_phrases",
    "search_terms",
    "stem_key",
]

# Bounds for hostile input: a pasted essay becomes a bounded query. MAX_PHRASES is the
# store's cap too, so it is declared with the domain types (the store reads it there
# without loading this module).
MAX_TERMS = 24
_CACHE_SIZE = 512

# How many bm25 candidates to re-rank, and how many of the best to hand the answer
# engine. The pool is small because every candidate's body is fetched and split per
# question, and a larger pool found no more right stories after re-ranking; three
# passages find the right story as often as more would, with fewer distractors for
# the span picker (bench/retrieval_eval.py and bench/qa_eval.py measure both).
POOL = 10
HAND_ON = 3
# How many bm25 hits the desk fetches so that POOL distinct stories remain after
# near-duplicates collapse. Only the first NEAR_DUP_CHARS of the extra ones are read
# (shingled); full features are computed for POOL candidates at most.
FETCH = 14

# Two stored articles are copies of one story when the 5-word shingles of their
# first NEAR_DUP_CHARS characters overlap this much (Jaccard). Wire copies and
# lightly edited updates score above 0.8; distinct stories on one subject below 0.2.
NEAR_DUP_CHARS = 1000
NEAR_DUP_SHINGLE = 5  # opening_shingles zips five word lists
NEAR_DUP_JACCARD = 0.5


def _words(text: str) -> list[str]:
    """A question's words as the store's full-text index reads them (PLAIN_WORD runs)."""
    return PLAIN_WORD.findall(text[:MAX_QUESTION_CHARS].casefold())


def _is_content(word: str) -> bool:
    if word in SEARCH_STOP:
        return False
    return len(word) > 1 or word.isdigit()


def search_terms(question: str) -> list[str]:
    """Content words of a question, in order, for an OR full-text query.

    Question and stop words are dropped (they match every story and blur bm25);
    numbers and rare words stay. No synonyms: on the dev set they cost recall. A
    title's or body's other form is no synonym but the same name, so it follows the
    question's words: "CEO" also searches "chief executive".
    """
    if not isinstance(question, str):
        return []
    out: list[str] = []
    for w in [*_words(question), *other_forms(question[:MAX_QUESTION_CHARS])]:
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
    return _stem_folded(word.casefold())


@functools.lru_cache(maxsize=65536)
def _stem_folded(word: str) -> str:
    # News vocabulary repeats, so most words of a new story were stemmed before.
    return stem(word)


# ------------------------------------------------------------------ near-duplicates

_shingle_cache: OrderedDict[tuple[int, int], frozenset[int]] = OrderedDict()


def opening_shingles(text: str) -> frozenset[int]:
    """Hashes of the 5-word shingles of a story's opening (its first NEAR_DUP_CHARS).

    The opening is where copies of one story agree (edits and updates come later),
    and reading only it keeps the check cheap for candidates that are never re-ranked.
    Python's string hash is per process; the sets are never stored, so that is enough.
    """
    w = PLAIN_WORD.findall(text[:NEAR_DUP_CHARS].casefold())
    if len(w) < NEAR_DUP_SHINGLE:
        return frozenset((hash(tuple(w)),)) if w else frozenset()
    # zip builds the 5-word tuples in C: a third cheaper than slicing.
    return frozenset(map(hash, zip(w, w[1:], w[2:], w[3:], w[4:], strict=False)))


def story_shingles(article_id: int, text: str) -> frozenset[int]:
    """:func:`opening_shingles`, cached per article id and opening (the near-duplicate
    collapse and the version test read the same candidates' openings)."""
    key = (article_id, hash(text[:NEAR_DUP_CHARS]))
    hit = _shingle_cache.get(key)
    if hit is not None:
        _shingle_cache.move_to_end(key)
        return hit
    got = opening_shingles(text)
    _shingle_cache[key] = got
    if len(_shingle_cache) > _CACHE_SIZE:
        _shingle_cache.popitem(last=False)
    return got


def same_story(a: frozenset[int], b: frozenset[int]) -> bool:
    """Whether two openings' shingles overlap more than NEAR_DUP_JACCARD (Jaccard)."""
    if not a or not b:
        return False
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if len(small) <= NEAR_DUP_JACCARD * len(large):
        return False  # the Jaccard index is at most len(small) / len(large)
    shared = len(small & large)
    return shared > NEAR_DUP_JACCARD * (len(a) + len(b) - shared)


def clear_caches() -> None:
    """Forget every article's derived data (benchmarks time the cold path with it)."""
    _shingle_cache.clear()
    _doc_cache.clear()


def distinct(candidates: Sequence[Candidate], keep: int = POOL) -> list[Candidate]:
    """At most ``keep`` candidates, one per story, in the order given.

    Of near-duplicates the one with the higher bm25 score stays, and of equal scores
    the later stored (higher id: an update supersedes what it repeats); it takes the
    place of the first copy met, so the order stays bm25's. Both copies are the same
    story, so whichever stays is the right answer to a question about either.
    """
    groups: list[list[Candidate]] = []
    sets: list[frozenset[int]] = []
    for c in candidates:
        sh = story_shingles(int(c.article_id), c.text or "")
        for group, other in zip(groups, sets, strict=True):
            if same_story(sh, other):
                group.append(c)
                break
        else:
            groups.append([c])
            sets.append(sh)
    return [max(g, key=lambda c: (c.score, int(c.article_id))) for g in groups[:keep]]


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
    features: dict[str, float]  # bm25 relative to the best, coverages, ...: -1..1


@dataclass(frozen=True)
class _Doc:
    """What re-ranking needs of one article, computed once per text."""

    sentences: tuple[frozenset[str], ...]  # stem keys of each sentence, the title first
    tf: Counter[str]  # how often each key occurs
    length: int  # words
    words: tuple[str, ...]  # every key in order (title first), for proximity
    head: Counter[str]  # the keys of the first sentence (the title when there is one)
    he: int  # he/his/him in the lead
    she: int  # she/her/hers in the lead


_doc_cache: OrderedDict[tuple[int, int], _Doc] = OrderedDict()

_HE = frozenset(("he", "his", "him", "himself"))
_SHE = frozenset(("she", "her", "hers", "herself"))
_LEAD_FOR_PRONOUNS = 12


def _doc(article_id: int, title: str, text: str) -> _Doc:
    """The article's re-ranking data, cached per article id and text."""
    key = (article_id, hash((title, text)))
    hit = _doc_cache.get(key)
    if hit is not None:
        _doc_cache.move_to_end(key)
        return hit
    sentences = [title] if title else []
    sentences.extend(split_sentences(text[:MAX_TEXT_CHARS]))
    sets: list[frozenset[str]] = []
    tf: Counter[str] = Counter()
    flat: list[str] = []
    first = 0
    he = she = 0
    findall, folded = PLAIN_WORD.findall, _stem_folded
    for i, sentence in enumerate(sentences):
        words = findall(sentence.casefold())
        keys = list(map(folded, words))
        sets.append(frozenset(keys))
        tf.update(keys)
        flat.extend(keys)
        if i == 0:
            first = len(keys)
        if i < _LEAD_FOR_PRONOUNS:
            he += sum(1 for w in words if w in _HE)
            she += sum(1 for w in words if w in _SHE)
    head = Counter(flat[:first])
    doc = _Doc(tuple(sets), tf, sum(tf.values()), tuple(flat), head, he, she)
    _doc_cache[key] = doc
    if len(_doc_cache) > _CACHE_SIZE:
        _doc_cache.popitem(last=False)
    return doc


def _weight(idf: dict[str, float], keys: Iterable[str]) -> float:
    # The keys are often a set, whose order follows the process's string hashing:
    # fsum is exact whatever the order, so a score is the same in every run.
    return math.fsum(idf[k] for k in keys)


def _best_window(matched: Sequence[frozenset[str]], idf: dict[str, float], window: int) -> float:
    """idf weight of the question keys inside the best window of adjacent sentences."""
    best = 0.0
    for i in range(max(1, len(matched) - window + 1)):
        got = _weight(idf, frozenset().union(*matched[i : i + window]))
        best = max(best, got)
    return best


@dataclass(frozen=True)
class _Question:
    """The question as the features see it, with weights over one candidate set."""

    keys: list[str]  # stem keys of the content words, in order, distinct
    key_set: frozenset[str]
    idf: dict[str, float]  # sentence-level idf over the candidates
    gender: int  # +1 the question says he/his/him only, -1 she/her only, else 0
    rare: tuple[str, ...]  # the two keys of highest idf
    store_idf: dict[str, float]  # bm25 idf over the whole store (uniform without counts)


@dataclass(frozen=True)
class StoreCounts:
    """How many articles the whole store holds, and how many hold each question word
    (keyed by the casefolded word; the index may cap large counts, which only makes a
    very common word look a little less common)."""

    total: int
    docs: Mapping[str, int]


def _store_idf(terms: Sequence[str], counts: StoreCounts | None) -> dict[str, float]:
    """bm25's idf of each question key over the whole store.

    The candidates' own sentences cannot say that a word is rare in the store: ten
    stories found by it all hold it. Words sharing a stem key take the largest count.
    Without counts every key weighs the same.
    """
    df: dict[str, int] = {}
    for w in terms:
        k = stem_key(w)
        got = counts.docs.get(w.casefold(), 0) if counts else 0
        df[k] = max(df.get(k, 0), got)
    n = max(counts.total, max(df.values(), default=0)) if counts else 0
    return {k: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for k, d in df.items()}


def _question(question: str, docs: Sequence[_Doc], counts: StoreCounts | None) -> _Question:
    terms = search_terms(question)
    keys = list(dict.fromkeys(stem_key(w) for w in terms))
    idf = sentence_idf(keys, [d.sentences for d in docs])
    words = set(_words(question))
    male, female = bool(words & _HE), bool(words & _SHE)
    rare = tuple(sorted(keys, key=lambda k: -idf[k])[:2])
    return _Question(
        keys, frozenset(keys), idf, int(male) - int(female), rare, _store_idf(terms, counts)
    )


# The lead, for the lead6 coverage: the title and the first five sentences.
_LEAD_SENTENCES = 6
# "early" discounts a sentence's coverage by 1 / (1 + decay * its index), so among
# equally good sentences the earlier wins without burying a late exact match.
_POSITION_DECAY = 0.05
# "tf" (idf-weighted log1p of each question word's count) is 1 once every question
# word occurs eight times: more repetition does not make a story more about it.
_TF_SATURATION = math.log1p(8.0)
# "length" is log1p(words) over this, so it reaches 1 at about 3,000 words
# (log1p(2980) = 8): a long feature beats a brief, but not without end.
_LENGTH_SATURATION = 8.0

# The features the mix weighs, in the order the score sums them. rerank() computes
# exactly these; the weights file may give any of them a weight and no other name.
FEATURES = (
    "bm25",
    "win1",
    "win2",
    "lead6",
    "early",
    "tf",
    "length",
    "gender",
    "near2",
    "title",
)
# "near2": the question's two rarest keys (by the candidates' sentence idf) within this
# many words of each other, anywhere in the story.
_NEAR_WORDS = 20
# "title": bm25 of the first sentence (the title) with the store's idf, over the best
# candidate's. k1 and b are bm25's usual; a title is about this many words long.
_TITLE_K1 = 1.2
_TITLE_B = 0.75
_TITLE_AVG_WORDS = 25.0


def _title_bm25(q: _Question, doc: _Doc) -> float:
    n = sum(doc.head.values())
    norm = _TITLE_K1 * (1.0 - _TITLE_B + _TITLE_B * n / _TITLE_AVG_WORDS)
    return math.fsum(
        q.store_idf[k] * t * (_TITLE_K1 + 1.0) / (t + norm)
        for k in q.keys
        if (t := doc.head.get(k, 0))
    )


def _positions(words: tuple[str, ...], key: str) -> list[int]:
    # tuple.index scans in C: far cheaper than a Python loop over every word.
    out: list[int] = []
    i = -1
    try:
        while True:
            i = words.index(key, i + 1)
            out.append(i)
    except ValueError:
        return out


def _near(doc: _Doc, rare: tuple[str, ...], within: int) -> float:
    """1 when the two rarest question keys occur within ``within`` words of each other."""
    if len(rare) < 2 or not (doc.tf.get(rare[0]) and doc.tf.get(rare[1])):
        return 0.0
    pa, pb = _positions(doc.words, rare[0]), _positions(doc.words, rare[1])
    j = 0
    for i in pa:  # both ascending: walk pb alongside
        while j < len(pb) and pb[j] < i - within:
            j += 1
        if j < len(pb) and pb[j] <= i + within:
            return 1.0
    return 0.0


def _features(q: _Question, doc: _Doc, rel: float) -> dict[str, float]:
    """The features of one candidate, each in -1..1 (most in 0..1).

    Coverage is the share of the question's idf weight: by the best sentence (win1),
    the best pair of adjacent sentences (win2) and the lead (lead6); "early" is the
    best sentence's coverage discounted a little the later it comes.
    """
    keys, idf = q.keys, q.idf
    total = _weight(idf, keys) or 1.0
    matched = [s & q.key_set for s in doc.sentences]
    covs = [_weight(idf, m) / total for m in matched]
    return {
        "bm25": rel,
        "win1": max(covs, default=0.0),
        "win2": _best_window(matched, idf, 2) / total,
        "lead6": _weight(idf, frozenset().union(*matched[:_LEAD_SENTENCES])) / total,
        "early": max(
            (c / (1.0 + _POSITION_DECAY * pos) for pos, c in enumerate(covs)), default=0.0
        ),
        # Repetition: a story about the thing names it again and again.
        "tf": min(
            1.0,
            sum(idf[k] * math.log1p(doc.tf.get(k, 0)) for k in keys) / total / _TF_SATURATION,
        ),
        "length": min(1.0, math.log1p(doc.length) / _LENGTH_SATURATION),
        "gender": q.gender * (doc.he - doc.she) / (doc.he + doc.she + 1) if q.gender else 0.0,
        "near2": _near(doc, q.rare, _NEAR_WORDS),
        "title": _title_bm25(q, doc),  # rerank() divides by the pool's best
    }


def _load_weights() -> dict[str, float]:
    """The fitted mix from news/weights/retrieval.json, in FEATURES order.

    A score is the log-odds, up to a constant, that the candidate is the story asked
    about. Raises WeightsError when the file is missing, malformed, names a feature
    rerank() does not compute, or weighs none of them.
    """
    fitted = load("retrieval", expect=frozenset(FEATURES))["weights"]
    if not fitted:
        raise WeightsError("weights file news/weights/retrieval.json weighs no feature")
    return {name: float(fitted[name]) for name in FEATURES if name in fitted}


WEIGHTS: dict[str, float] = _load_weights()


def rerank(
    question: str,
    candidates: Sequence[Candidate],
    *,
    weights: dict[str, float] | None = None,
    counts: StoreCounts | None = None,
) -> list[Ranked]:
    """Candidates ordered by bm25 mixed with question-word proximity, best first.

    ``weights`` replaces the shipped mix (the fitter passes ``{}`` to get only the
    features); ``counts`` are the store's, for the title's idf. A question without
    content words is ranked by bm25 alone.
    """
    if not candidates:
        return []
    mix = WEIGHTS if weights is None else weights
    top = max((c.score for c in candidates), default=0.0)
    docs = [_doc(int(c.article_id), c.title or "", c.text or "") for c in candidates]
    q = _question(question, docs, counts)
    if not q.keys:
        feats_of = [{"bm25": c.score / top if top > 0 else 0.0} for c in candidates]
    else:
        feats_of = [
            _features(q, d, c.score / top if top > 0 else 0.0)
            for c, d in zip(candidates, docs, strict=True)
        ]
        best_title = max(f["title"] for f in feats_of)
        for f in feats_of:
            f["title"] = f["title"] / best_title if best_title > 0 else 0.0
    out = [
        Ranked(int(c.article_id), sum(w * f.get(name, 0.0) for name, w in mix.items()), f)
        for c, f in zip(candidates, feats_of, strict=True)
    ]
    order = sorted(range(len(out)), key=lambda i: (-out[i].score, i))
    return [out[i] for i in order]


def passage_scores(ranked: Sequence[Ranked], keep: int = HAND_ON) -> list[tuple[int, float]]:
    """The best ``keep`` candidates with a retrieval score for the answer engine.

    The engine adds the score (0..1) to every sentence's score of that article. The
    score is the mix's odds of the candidate against the best one, exp(score - best):
    1 for the best, near 1 for a close second, near 0 for a candidate the mix rules
    out. So the engine follows the re-ranking when it is confident and weighs its own
    sentence evidence when two stories are close.
    """
    top = ranked[0].score if ranked else 0.0
    return [(r.article_id, math.exp(min(0.0, r.score - top))) for r in ranked[: max(0, keep)]]


def open_passages(
    question: str, candidates: Sequence[Candidate], counts: StoreCounts | None = None
) -> list[Passage]:
    """Collapse near-duplicates, re-rank the first POOL distinct bm25 candidates and
    hand the best few to the answer engine, best first (``counts``: the store's)."""
    pool = distinct(candidates, POOL)
    by_id = {int(c.article_id): c for c in pool}
    ranked = rerank(question, pool, counts=counts)
    return [
        Passage(aid, by_id[aid].title, by_id[aid].text, score)
        for aid, score in passage_scores(ranked)
    ]
