"""The answer engine: question analysis, sentence ranking and answer-span extraction.

Given a question and a few candidate articles (bm25 hits from storage, or one
pinned article), find the sentence that answers it and the shortest span of that
sentence that has the asked-for shape (a count, a time, a name, a place, a noun
phrase), with a confidence; below a threshold we abstain rather than guess.
Everything is hand-built (a light stemmer, a small synonym table, a linear span
scorer whose weights may be fitted offline by ``bench/fit_answer.py``); nothing
is downloaded and no model is loaded at run time.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from news.text import split_sentences

__all__ = [
    "CANDIDATES",
    "DEFAULT_MIN_SCORE",
    "Answer",
    "Passage",
    "analyze_question",
    "answer_question",
    "question_terms",
    "stem",
]

# How many bm25 hits the desk should hand us: enough for recall@1 to benefit from
# sentence-level re-ranking, few enough to stay far below the latency budget.
CANDIDATES = 8

# Confidence below which the answer is withheld. Tuned on the dev set so that
# abstention is rare when the article does hold the answer, while a question whose
# content words barely occur in the articles falls below it.
DEFAULT_MIN_SCORE = 0.1

# Hostile inputs: bound the work instead of failing.
_MAX_QUESTION_CHARS = 1000
_MAX_TEXT_CHARS = 200_000
_MAX_SPAN_TOKENS = 10
_TOP_SENTENCES = 4
# The heuristic sentence order gives a shortlist that the fitted sentence model
# re-ranks; spans are then drawn from its best _TOP_SENTENCES.
_SHORTLIST = 10
# Article choice in the open setting: how much the whole article's coverage of the
# question and the store's bm25 score count next to the best sentence's coverage.
_DOC_WEIGHT = 0.2
_RETRIEVAL_WEIGHT = 1.0
_SYNONYM_MAX_WORDS = 2
_LEAD_WEIGHT = 0.4
_LEAD_SENTENCES = 5


@dataclass(frozen=True)
class Passage:
    """One candidate article."""

    article_id: int
    title: str
    text: str
    retrieval_score: float = 0.0  # higher is better, normalised by the caller


@dataclass(frozen=True)
class Answer:
    """An answer with its evidence, or an abstention (``answer is None``)."""

    question: str
    answer: str | None
    evidence: str | None
    article_id: int | None
    score: float
    qtype: str
    related: tuple[int, ...] = ()
    extra: str | None = None


# --------------------------------------------------------------------------- words


def _wordset(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (keeps the tables readable)."""
    return frozenset(words.split())


_STOP = _wordset("""a an the and or but if of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then once
    here there all any both each few more most other some such no nor not only own same so than
    too very can will just don should now is am are was were be been being have has had having
    do does did doing would could might must shall may i me my we our you your he him his she
    her it its they them their what which who whom whose this that these those when where why
    how as also s t 's ’s says said say tell told according""")

_WH = _wordset("what which who whom whose when where why how")

# Irregular forms the suffix stripper cannot reach.
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

# Common synonyms; every member maps to the first member's stem. Kept small and
# news-flavoured: the words question writers swap for the article's words.
_SYNONYM_GROUPS = [
    ["prisoner", "detainee", "inmate", "captive", "hostage"],
    ["release", "free", "liberate", "discharge"],
    ["kill", "slay", "murder", "slaughter"],
    ["die", "death", "dead", "fatality", "perish"],
    ["buy", "purchase", "acquire"],
    ["start", "begin", "launch", "commence"],
    ["car", "vehicle", "automobile"],
    ["child", "kid", "youngster"],
    ["police", "cop", "officer", "policeman"],
    ["attack", "assault", "raid"],
    ["company", "firm", "corporation"],
    ["film", "movie", "picture"],
    ["doctor", "physician"],
    ["job", "employment"],
    ["win", "victory"],
    ["plane", "aircraft", "airplane", "jet"],
    ["ship", "vessel", "boat"],
    ["home", "house", "residence"],
    ["injure", "wound", "hurt", "injury"],
    ["money", "fund", "cash"],
    ["soldier", "troop"],
    ["official", "authority"],
    ["country", "nation"],
    ["gun", "weapon", "firearm"],
    ["lawsuit", "suit", "sue"],
    ["arrest", "detain", "apprehend"],
    ["jail", "prison"],
    ["says", "said", "state", "claim"],
    ["show", "program", "programme"],
    ["rule", "regulation"],
    ["talk", "negotiation", "discussion"],
    ["leader", "chief", "head"],
    ["big", "large", "huge"],
    ["small", "little", "tiny"],
    ["quit", "resign"],
    ["fire", "blaze"],
    ["storm", "hurricane", "cyclone"],
    ["election", "vote", "poll"],
    ["charge", "accuse"],
    ["convict", "sentence"],
    ["crash", "collision"],
    ["rescue", "save"],
    ["help", "aid", "assist"],
    ["student", "pupil"],
    ["mother", "mom"],
    ["father", "dad"],
]

_NUMBER_WORDS = _wordset("""zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion trillion dozen dozens hundreds thousands millions
    billions half quarter third""")
_SCALE_WORDS = _wordset("hundred thousand million billion trillion percent % per cent dozen")
_UNIT_WORDS = _wordset("""years year months month weeks week days day hours hour minutes minute seconds second
    miles mile kilometers kilometres km feet foot meters metres inches pounds kilograms kg
    tons tonnes dollars euros points percent degrees acres times people""")
_QUALIFIERS = _wordset("""more less fewer than under over about around nearly almost approximately roughly some
    least most up to as many much just only estimated an""")
_CURRENCY = _wordset("$ £ € # ¥")
_MONTHS = _wordset("""january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""")
_DAYS = _wordset("""monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow tonight
    weekend""")
_TIME_WORDS = _wordset("""morning afternoon evening night week month year decade century spring summer autumn fall
    winter last next ago early late earlier later midnight noon a.m p.m""")
_PLACE_PREPS = _wordset("in at near from to into across outside inside throughout")
_PERSON_CUES = _wordset("""mr mrs ms dr president sen rep gov gen prime minister secretary king queen prince judge
    chief director spokesman spokeswoman officer coach pope""")
_PLACE_CUES = _wordset("""city county state province island islands river mountain mount lake street road valley
    region republic kingdom coast bay north south east west northern southern eastern western
    afghanistan pakistan iraq iran israel china india russia japan korea mexico brazil france
    germany britain england london paris washington california texas florida new york africa
    europe asia america canada australia spain italy egypt syria gaza baghdad kabul beijing""")

_COUNT_FOCUS = _wordset(
    "number amount percentage percent share total price cost age size population rate"
)
_TIME_FOCUS = _wordset("year day month date time decade century period season")
_PERSON_FOCUS = _wordset("""person people man woman group organization organisation company team party agency
    official leader player actor actress singer band president minister author director
    country's""")
_PLACE_FOCUS = _wordset("""country city state place town region nation continent area location island province
    county village capital neighborhood street""")

_STRONG_PUNCT = frozenset([*'.;:!?()[]{}"“”‘’«»…', "--", "—", "–", "|"])

_TOKEN = re.compile(
    r"[0-9]+(?:[.,:/\-][0-9]+)*%?"  # numbers: 5,000  33.7  9:30  2-0
    r"|[^\W_]+(?:['’.\-][^\W_]+)*\.?(?<=[A-Z]\.)"  # initialisms keep their dot: U.S.
    r"|[^\W_]+(?:['’.\-][^\W_]+)*"  # words, hyphenated words, possessives
    r"|--|[^\w\s]",  # punctuation, one char at a time
    re.UNICODE,
)


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


_SYNONYM_OF: dict[str, str] = {}
for _group in _SYNONYM_GROUPS:
    _head = stem(_group[0])
    for _member in _group:
        _SYNONYM_OF.setdefault(stem(_member), _head)


def _key(word: str) -> str:
    """The matching key of a word: its stem, folded onto its synonym group."""
    s = stem(word)
    return _SYNONYM_OF.get(s, s)


def _is_number_token(low: str) -> bool:
    if low and low[0].isdigit():
        return True
    return all(part in _NUMBER_WORDS for part in low.split("-")) if low else False


def _is_time_token(low: str) -> bool:
    if low in _MONTHS or low in _DAYS:
        return True
    if len(low) == 4 and low.isdigit() and low[:2] in ("19", "20"):
        return True
    if low.endswith("s") and len(low) == 5 and low[:4].isdigit():  # the 1990s
        return True
    return low in ("a.m", "p.m", "a.m.", "p.m.")


# ------------------------------------------------------------------ text structures


@dataclass(frozen=True)
class _Tok:
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


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        t = m.group(0)
        low = t.lower().rstrip(".") if len(t) > 1 else t.lower()
        punct = not (t[0].isalnum())
        toks.append(
            _Tok(
                text=t,
                start=m.start(),
                end=m.end(),
                low=low,
                key="" if punct else _key(low),
                punct=punct,
                strong=punct and t in _STRONG_PUNCT,
                cap=t[0].isupper(),
                num=not punct and _is_number_token(low),
                time=not punct and _is_time_token(low),
                stop=low in _STOP,
            )
        )
    return toks


@dataclass(frozen=True)
class _Sentence:
    text: str
    toks: tuple[_Tok, ...]
    keys: frozenset[str]


_CNN_PREFIX = re.compile(r"^\s*(?:[A-Z][A-Za-z ,.]{0,40})?\(CNN\)\s*(?:--|—|-)?\s*")


def _split(text: str) -> list[str]:
    """Sentences of an article; long run-on sentences are also cut at ' -- '."""
    out: list[str] = []
    for sent in split_sentences(text):
        sent = _CNN_PREFIX.sub("", sent)
        if len(sent) > 400 and " -- " in sent:
            out.extend(p.strip() for p in sent.split(" -- ") if p.strip())
        elif sent:
            out.append(sent)
    return out


@lru_cache(maxsize=512)
def _article_sentences(article_id: int, text_hash: int, text: str) -> tuple[_Sentence, ...]:
    del article_id, text_hash  # part of the cache key only
    sents = []
    for s in _split(text[:_MAX_TEXT_CHARS]):
        toks = tuple(_tokenize(s))
        keys = frozenset(t.key for t in toks if not t.punct and not t.stop) | frozenset(
            _key(part)  # "best-known" also matches "best known"
            for t in toks
            if "-" in t.low and not t.num
            for part in t.low.split("-")
            if part and part not in _STOP
        )
        if keys:
            sents.append(_Sentence(s, toks, keys))
    return tuple(sents)


# ---------------------------------------------------------------- question analysis


_COUNT_FOCUS_STEMS = frozenset(stem(w) for w in _COUNT_FOCUS)
_TIME_FOCUS_STEMS = frozenset(stem(w) for w in _TIME_FOCUS)
_PLACE_FOCUS_STEMS = frozenset(stem(w) for w in _PLACE_FOCUS)
_PERSON_FOCUS_STEMS = frozenset(stem(w) for w in _PERSON_FOCUS)
_AUX = _wordset("did does do is are was were has have had will would can could should")
_MONEY_WORDS = _wordset("cost costs pay paid price worth spend spent earn earned salary budget")


@dataclass(frozen=True)
class QuestionInfo:
    """What a question asks for and the words an answer sentence must match."""

    qtype: str  # count, time, person, place, thing
    terms: tuple[str, ...]  # matching keys of the content words, in order
    words: tuple[str, ...]  # the content words as written (lower-case)
    describe: bool  # "who is X?" / "what is X?": the answer describes a named thing
    unit: bool  # "how long/far/old/much": keep the unit with the number
    form: str = "other"  # finer shape used by the span scorer (see _FORMS)


def analyze_question(question: str) -> QuestionInfo:
    """Find the question type and the content words it must match."""
    toks = [t for t in _tokenize(question[:_MAX_QUESTION_CHARS]) if not t.punct]
    lows = [t.low for t in toks]
    qtype = "thing"
    unit = False
    describe = False
    form = "other"
    wh_i = next((i for i, w in enumerate(lows) if w in _WH), -1)
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
        elif nxt and nxt not in _STOP:
            form = "focus"
        elif nxt in _AUX:
            form = "verb"
    if "name" in lows[wh_i + 1 : wh_i + 4] and qtype == "thing":
        qtype, form = "person", "person"  # "what is the name of ...": a proper name
    elif wh in ("who", "what") and nxt in ("is", "was", "are", "were"):
        rest = [w for w in lows[wh_i + 2 :] if w not in _STOP]
        describe = 0 < len(rest) <= 3
    if "year" in lows and qtype == "thing":
        qtype = "time"
    if qtype == "thing" and any(w in _MONEY_WORDS for w in lows):
        qtype, unit = "count", True  # "what did it pay for the stake?" asks for an amount
    if describe:
        form = "describe"
    elif qtype != "thing":
        form = qtype
    seen: set[str] = set()
    terms: list[str] = []
    words: list[str] = []
    skip = {"many", "much", "long", "old", "far"} if wh == "how" else set()
    for w in lows:
        if w in _STOP or w in _WH or w in skip or (len(w) < 2 and not w.isdigit()):
            continue
        k = _key(w)
        if k in seen:
            continue
        seen.add(k)
        terms.append(k)
        words.append(w)
    return QuestionInfo(qtype, tuple(terms), tuple(words), describe, unit, form)


def question_terms(question: str) -> list[str]:
    """Content words of a question plus their synonyms, for the full-text query.

    Lower-case plain words only (storage quotes and ORs them); bounded in number so
    a pasted essay does not become a thousand-term query.
    """
    try:
        info = analyze_question(question)
    except Exception:  # never let a hostile question break the search path
        return []
    out: list[str] = []
    for w in info.words:
        plain = re.sub(r"[^0-9a-z]+", "", w.lower())
        if plain and plain not in out:
            out.append(plain)
    # Synonyms widen the OR-query; with several content words they mostly add noise
    # to bm25 (recall@1 drops on the dev set), so only short questions get them.
    if len(info.words) > _SYNONYM_MAX_WORDS:
        return out[:40]
    for w in info.words:
        k = _key(w)
        for group in _SYNONYM_GROUPS:
            if _SYNONYM_OF.get(stem(group[0])) == k:
                for member in group:
                    for form in (member, member + "s"):
                        if form not in out:
                            out.append(form)
                break
    return out[:40]


# ------------------------------------------------------------------ sentence ranking


@dataclass
class _Scored:
    passage: Passage
    sentence: _Sentence
    score: float  # combined sentence score, used to pick the evidence
    coverage: float  # share of the question's weight matched by the sentence
    position: int  # index of the sentence in its article
    idf: dict[str, float]  # weight of each question term over the candidate set
    q_weight: float
    prev_cov: float = 0.0  # coverage of the neighbouring sentences
    next_cov: float = 0.0
    bigrams: float = 0.0  # share of the question's word pairs found in order
    logit: float = 0.0  # fitted sentence-model score (set for the shortlist)


def _rank_sentences(info: QuestionInfo, passages: Sequence[Passage]) -> list[_Scored]:
    per_passage: list[tuple[Passage, tuple[_Sentence, ...]]] = []
    for p in passages:
        text = p.text if isinstance(p.text, str) else ""
        sents = _article_sentences(int(p.article_id), hash(text), text)
        per_passage.append((p, sents))
    # Inverse sentence frequency over the candidate set: words that occur in every
    # sentence carry no evidence.
    total = sum(len(s) for _, s in per_passage) + 1
    df: dict[str, int] = dict.fromkeys(info.terms, 0)
    for _, sents in per_passage:
        for s in sents:
            for t in info.terms:
                if t in s.keys:
                    df[t] += 1
    idf = {t: math.log(1.0 + total / (1.0 + df[t])) for t in info.terms}
    q_weight = sum(idf.values()) or 1.0
    bigrams = list(itertools.pairwise(info.terms))
    scored: list[_Scored] = []
    for p, sents in per_passage:
        doc_keys: set[str] = set()
        for s in sents:
            doc_keys |= s.keys
        doc_cov = sum(idf[t] for t in info.terms if t in doc_keys) / q_weight
        # Questions are usually about what the story leads with.
        lead_keys: set[str] = set()
        for s in sents[:_LEAD_SENTENCES]:
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
            bonus = 0.05 * hits
            # Early sentences carry the news; long sentences hold more facts.
            score = (
                cov
                + bonus
                + _DOC_WEIGHT * doc_cov
                + _RETRIEVAL_WEIGHT * retrieval
                + _LEAD_WEIGHT * lead_cov
                - 0.03 * math.log1p(pos)
                + 0.02 * math.log1p(len(seq))
            )
            scored.append(
                _Scored(
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

_QTYPES = ("count", "time", "person", "place", "thing")
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
SENT_FEATURES = (*_SENT_BASE, *(f"{q}_{f}" for q in _QTYPES for f in _SENT_TYPED))
_SFI = {name: i for i, name in enumerate(SENT_FEATURES)}
_SENT_TYPED_INDEX = [(_SFI[f], [_SFI[f"{q}_{f}"] for q in _QTYPES]) for f in _SENT_TYPED]


def _sentence_features(
    info: QuestionInfo, sc: _Scored, best_heur: float, hrank: int, rare: str, maxcov: float
) -> list[float]:
    """The full sentence feature vector (base + per-qtype copies)."""
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
    f = [0.0] * len(SENT_FEATURES)
    f[0] = sc.score - best_heur
    f[1] = sc.coverage
    f[2] = sc.coverage * sc.coverage
    f[3] = matched_terms / max(1, len(info.terms))
    f[4] = sc.bigrams
    f[5] = 1.0 if rare in sc.sentence.keys else 0.0
    f[6] = 1.0 if pos == 0 else 0.0
    f[7] = 1.0 if pos == 1 else 0.0
    f[8] = 1.0 if pos == 2 else 0.0
    f[9] = 1.0 if 3 <= pos <= 5 else 0.0
    f[10] = math.log1p(pos)
    f[11] = math.log1p(len(content)) / 4.0
    f[12] = sc.prev_cov
    f[13] = sc.next_cov
    f[14] = 1.0 if typ else 0.0
    f[15] = 1.0 if any(t.text in ('"', "“", "”") for t in toks) else 0.0
    f[16] = 1.0 if any(t.key in ("say", "tell") for t in content) else 0.0
    f[17] = spread
    f[18] = math.log1p(len(unmatched)) / 3.0
    f[19] = 1.0 if hrank == 0 else 0.0
    f[20] = 1.0 if hrank == 1 else 0.0
    missing = [
        (w, t) for w, t in zip(info.words, info.terms, strict=False) if t not in sc.sentence.keys
    ]
    if missing:
        prefixes = {t.low[:5] for t in content if len(t.low) >= 5}
        f[21] = (
            sum(sc.idf.get(t, 0.0) for w, t in missing if len(w) >= 5 and w[:5] in prefixes)
            / sc.q_weight
        )
    run = 0
    for t in content:
        run = run + 1 if t.cap and t.key not in qset and not t.time else 0
        if run >= 2:
            f[22] = 1.0
            break
    for a, b in itertools.pairwise(content):
        if a.low in _PLACE_PREPS and b.cap and b.key not in qset and not b.time:
            f[23] = 1.0
            break
    f[24] = 1.0 if any(t.num and not t.time for t in unmatched) else 0.0
    f[25] = maxcov
    qi = _QTYPES.index(info.qtype) if info.qtype in _QTYPES else len(_QTYPES) - 1
    for src, dst in _SENT_TYPED_INDEX:
        f[dst[qi]] = f[src]
    return f


# ------------------------------------------------------------------ span features

# Finer question shapes: each gets its own copy of the shape-related span features.
_FORMS = ("count", "time", "person", "place", "describe", "focus", "verb", "other")

# Generic features, then per-question-type copies of the shape-related ones; the
# weights in news/answer_weights.py are keyed by these names.
_BASE_FEATURES: tuple[str, ...] = (
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
        _wordset("of to by in at for that as is was are were the a from with on said and his her")
    )
)
_NEXT_WORDS = tuple(sorted(_wordset(", . said of in and to 's who for on at that is was ( \" has")))
_BASE_FEATURES = (
    *_BASE_FEATURES,
    *(f"pw_{w}" for w in _PREV_WORDS),
    *(f"nw_{_lex_name(w)}" for w in _NEXT_WORDS),
)
_PREV_INDEX = {w: _BASE_FEATURES.index(f"pw_{w}") for w in _PREV_WORDS}
_NEXT_INDEX = {w: _BASE_FEATURES.index(f"nw_{_lex_name(w)}") for w in _NEXT_WORDS}
_TYPED = (
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
FEATURES = (*_BASE_FEATURES, *(f"{q}_{f}" for q in _FORMS for f in _TYPED))
_FI = {name: i for i, name in enumerate(FEATURES)}
_TYPED_INDEX = [(_FI[f], [_FI[f"{q}_{f}"] for q in _FORMS]) for f in _TYPED]

_HAND_WEIGHTS: dict[str, float] = {
    "sent": 3.0,
    "near": 1.5,
    "dl1": 0.6,
    "dr1": 0.3,
    "start_stop": -0.5,
    "end_stop": -2.0,
    "len6_8": -0.5,
    "len9": -1.0,
    "comma": -0.3,
    "left_bound": 0.4,
    "right_bound": 0.4,
    "type_ok": 2.0,
    "num_noun": 1.0,
    "place_prep": 0.5,
    "describe_adj": 1.5,
    "person_cap_frac": 1.0,
    "place_cap_frac": 1.0,
    "count_has_num": 1.0,
}


def _load_weights() -> tuple[dict[str, float], dict[str, float]]:
    try:
        from news import answer_weights  # fitted offline by bench/fit_answer.py
    except Exception:  # missing or broken: the hand weights still answer
        return dict(_HAND_WEIGHTS), {}
    weights: dict[str, float] = getattr(answer_weights, "WEIGHTS", {})
    sent_weights: dict[str, float] = getattr(answer_weights, "SENT_WEIGHTS", {})
    if not weights or not set(weights) <= set(FEATURES):
        weights = dict(_HAND_WEIGHTS)  # stale file from an older feature set
    if not set(sent_weights) <= set(SENT_FEATURES):
        sent_weights = {}
    return dict(weights), dict(sent_weights)


_WEIGHTS, _SENT_WEIGHTS = _load_weights()
# Without fitted sentence weights the heuristic order stands.
_SENT_VECTOR = [_SENT_WEIGHTS.get(name, 1.0 if name == "s_heur" else 0.0) for name in SENT_FEATURES]


def _fold_weights(weights: dict[str, float], form: str) -> list[float]:
    """Base-feature weights with the form's typed copies added in.

    Candidates carry only the base features at run time; a typed feature equals its
    base feature when the question has that form, so its weight can be folded in.
    """
    folded = [weights.get(name, 0.0) for name in _BASE_FEATURES]
    for name in _TYPED:
        folded[_FI[name]] += weights.get(f"{form}_{name}", 0.0)
    return folded


_FOLDED = {form: _fold_weights(_WEIGHTS, form) for form in _FORMS}


def expand_features(base: Sequence[float], form: str) -> list[float]:
    """The full feature vector (base + typed copies) of a candidate, for fitting."""
    full = [0.0] * len(FEATURES)
    full[: len(base)] = base
    qi = _FORMS.index(form) if form in _FORMS else len(_FORMS) - 1
    for src, dst in _TYPED_INDEX:
        full[dst[qi]] = base[src]
    return full


_PREPS = _wordset(
    """of in at on to from by for with about into over under after before during since
    between among against through across near without within"""
)
_DETS = _wordset("the a an this that these those his her their its our my your")


def _verbish(t: _Tok) -> bool:
    return not t.cap and len(t.low) > 4 and t.low.endswith(("ed", "ing"))


def _type_ok(qtype: str, span: Sequence[_Tok], prev: _Tok | None) -> float:
    content = [t for t in span if not t.punct]
    if not content:
        return 0.0
    if qtype == "count":
        first = content[0]
        if not any(t.num for t in content):
            return 0.0
        ok = first.num or first.low in _QUALIFIERS or first.text in _CURRENCY
        return 1.0 if ok else 0.3
    if qtype == "time":
        return 1.0 if any(t.time for t in content) else 0.0
    caps = [t for t in content if t.cap or t.num or t.stop]
    if qtype in ("person", "place"):
        if any(t.time for t in content):
            return 0.0  # "Sunday" and "March" are capitalised but are not names
        if not content[0].cap or not content[-1].cap or len(caps) < len(content):
            return 0.0
        if qtype == "place" and (
            (prev is not None and prev.low in _PLACE_PREPS)
            or any(t.low in _PLACE_CUES for t in content)
        ):
            return 1.0
        return 0.7
    # thing: a noun-phrase-ish span, not a bare function word
    return 0.0 if all(t.stop for t in content) else 1.0


@dataclass
class _Cand:
    feats: list[float]
    sent_index: int
    start: int
    end: int  # exclusive token index
    score: float = 0.0


def _span_candidates(
    info: QuestionInfo, scored: _Scored, rank: int, sent_norm: float
) -> list[_Cand]:
    sent = scored.sentence
    toks = sent.toks
    n = len(toks)
    qset = set(info.terms)
    matched = [
        not t.punct
        and (
            t.key in qset
            or ("-" in t.low and not t.num and any(_key(w) in qset for w in t.low.split("-")))
        )
        for t in toks
    ]
    match_pos = [i for i, m in enumerate(matched) if m]
    # idf-weighted "heat" of each position: how close it is to matched question words.
    heat = [0.0] * n
    for p in match_pos:
        w = scored.idf.get(toks[p].key, 0.0) / scored.q_weight
        for k in range(max(0, p - 8), min(n, p + 9)):
            heat[k] += w * math.exp(-abs(k - p) / 3.0)
    quote_depth = [0] * n
    depth = 0
    for k, t in enumerate(toks):
        if t.text in ('"', "“", "”"):
            depth = 0 if depth else 1
        quote_depth[k] = depth
    max_span = (
        _MAX_SPAN_TOKENS + 4 if info.form in ("verb", "other", "describe") else _MAX_SPAN_TOKENS
    )
    cands: list[_Cand] = []
    nf = len(_BASE_FEATURES)
    verbish = [_verbish(t) for t in toks]
    # Distance from each position to the nearest matched word on its right.
    right_dist = [99] * n
    nearest = -1
    for k in range(n - 1, -1, -1):
        right_dist[k] = nearest - k if nearest >= 0 else 99
        if matched[k]:
            nearest = k
    pos_early = 1.0 / (1.0 + scored.position)
    mw = [
        scored.idf.get(t.key, 0.0) / scored.q_weight if matched[k] else 0.0
        for k, t in enumerate(toks)
    ]
    focus = info.terms[0] if info.terms else ""
    last_term = info.terms[-1] if info.terms else ""
    focus_pos = [k for k in match_pos if toks[k].key == focus]
    first_match = match_pos[0] if match_pos else n
    last_match = match_pos[-1] if match_pos else -1
    for i in range(n):
        ti = toks[i]
        if ti.punct and ti.text not in _CURRENCY:
            continue
        if matched[i] or ti.low in ("and", "or", "but", "that", "which", "who"):
            continue
        prev = toks[i - 1] if i > 0 else None
        d_left = min((i - p for p in match_pos if p < i), default=99)
        for j in range(i, min(n, i + max_span)):
            tj = toks[j]
            if matched[j] or tj.strong:
                break
            if tj.punct:
                continue
            span = toks[i : j + 1]
            content = [t for t in span if not t.punct]
            if all(t.stop for t in content):
                continue  # "The", "of the": never an answer
            length = len(content)
            nxt = toks[j + 1] if j + 1 < n else None
            d_right = right_dist[j]
            tok_ok = _type_ok(info.qtype, span, prev)
            caps = sum(1 for t in content if t.cap)
            has_num = any(t.num for t in content)
            f = [0.0] * nf
            f[0] = sent_norm
            f[1] = scored.coverage
            if rank <= 2:
                f[2 + rank] = 1.0
            f[5] = pos_early
            f[
                6
                + (
                    0
                    if length == 1
                    else 1
                    if length == 2
                    else 2
                    if length == 3
                    else 3
                    if length <= 5
                    else 4
                    if length <= 8
                    else 5
                )
            ] = 1.0
            f[12] = max(heat[i : j + 1])
            f[13] = 1.0 if d_left == 1 else 0.0
            f[14] = 1.0 if d_left == 2 else 0.0
            f[15] = 1.0 if 3 <= d_left <= 5 else 0.0
            f[16] = 1.0 if d_right == 1 else 0.0
            f[17] = 1.0 if d_right == 2 else 0.0
            f[18] = 1.0 if 3 <= d_right <= 5 else 0.0
            f[19] = 1.0 if d_left == 99 else 0.0
            f[20] = 1.0 if d_right == 99 else 0.0
            f[21] = 1.0 if ti.stop else 0.0
            f[22] = 1.0 if ti.low in _PREPS else 0.0
            f[23] = 1.0 if ti.low in _DETS else 0.0
            f[24] = 1.0 if tj.stop or tj.low in _PREPS or tj.low in _DETS else 0.0
            f[25] = 1.0 if verbish[j] else 0.0
            f[26] = 1.0 if content[0].cap else 0.0
            f[27] = 1.0 if tj.cap or tj.num else 0.0
            f[28] = 1.0 if caps == length else 0.0
            f[29] = caps / length
            f[30] = 1.0 if has_num else 0.0
            f[31] = 1.0 if tj.num else 0.0
            f[32] = 1.0 if any(t.time for t in content) else 0.0
            f[33] = 1.0 if any(t.text == "," for t in span) else 0.0
            f[34] = 1.0 if any(t.low in ("and", "or") for t in content) else 0.0
            f[35] = 1.0 if prev is None or prev.punct or matched[i - 1] else 0.0
            f[36] = 1.0 if nxt is None or nxt.punct or matched[j + 1] else 0.0
            f[37] = 1.0 if quote_depth[i] and quote_depth[j] else 0.0
            f[38] = tok_ok
            f[39] = 1.0 if has_num and d_right <= 4 else 0.0
            f[40] = 1.0 if nxt is not None and nxt.key == "say" else 0.0
            f[41] = 1.0 if prev is not None and prev.low in _PLACE_PREPS else 0.0
            f[42] = 1.0 if info.describe and (d_left <= 2 or d_right <= 1) else 0.0
            f[43] = sum(verbish[i : j + 1]) / length
            f[44] = 1.0 if prev is None else 0.0
            f[45] = 1.0 if prev is not None and prev.low == "that" else 0.0
            f[46] = 1.0 if length == 1 and tj.time and tj.num else 0.0
            f[47] = sum(mw[max(0, i - 6) : i])
            f[48] = sum(mw[j + 1 : j + 7])
            f[49] = 1.0 if i > last_match and d_left <= 2 else 0.0
            f[50] = 1.0 if j < first_match and d_right <= 2 else 0.0
            f[51] = 1.0 if prev is not None and prev.low == "by" else 0.0
            f[52] = (
                1.0
                if ti.text in _CURRENCY or (prev is not None and prev.text in _CURRENCY)
                else 0.0
            )
            f[53] = 1.0 if any(i - 2 <= k <= j + 2 for k in focus_pos) else 0.0
            f[54] = math.log(length)
            if d_left <= 3:
                lk = toks[i - d_left].key
                f[55] = 1.0 if lk == last_term else 0.0
                f[56] = 1.0 if lk == focus else 0.0
            if d_right <= 3:
                rk = toks[j + d_right].key
                f[57] = 1.0 if rk == focus else 0.0
                f[58] = 1.0 if rk == last_term else 0.0
            if prev is not None and prev.low in _PREV_INDEX:
                f[_PREV_INDEX[prev.low]] = 1.0
            if nxt is not None and nxt.low in _NEXT_INDEX:
                f[_NEXT_INDEX[nxt.low]] = 1.0
            cands.append(_Cand(f, rank, i, j + 1))
    return cands


# ------------------------------------------------------------------- the answer


def _trim(text: str) -> str:
    return text.strip(" ,;:-–—\"'“”‘’()[]")


def _total_extra(info: QuestionInfo, passage: Passage, evidence: _Sentence) -> str | None:
    """For counts: a sentence of the same article that gives a running total."""
    if info.qtype != "count":
        return None
    qset = set(info.terms)
    text = passage.text if isinstance(passage.text, str) else ""
    for s in _article_sentences(int(passage.article_id), hash(text), text):
        if s is evidence or not (qset & s.keys):
            continue
        toks = s.toks
        for i, t in enumerate(toks):
            if t.low != "total":
                continue
            for j in range(i + 1, min(len(toks), i + 15)):
                if toks[j].num:
                    start = toks[max(0, i - 2)].start
                    if i >= 2 and toks[i - 1].low not in ("the", "a"):
                        start = toks[i - 1].start
                    end = toks[j].end
                    while j + 1 < len(toks) and (
                        toks[j + 1].num or toks[j + 1].low in _SCALE_WORDS
                    ):
                        j += 1
                        end = toks[j].end
                    return s.text[start:end]
    return None


def _abstain(question: str, qtype: str, related: tuple[int, ...], score: float = 0.0) -> Answer:
    return Answer(question, None, None, None, max(0.0, min(1.0, score)), qtype, related)


def _extend_number(sent: _Sentence, start: int, end: int, info: QuestionInfo) -> tuple[int, int]:
    """Grow a number span to take its qualifiers, currency and scale/unit words."""
    toks = sent.toks
    while start > 0 and (
        toks[start - 1].text in _CURRENCY
        or (toks[start - 1].low in _QUALIFIERS and toks[start - 1].low not in ("an", "only"))
    ):
        start -= 1
    while end < len(toks) and (
        toks[end].num
        or toks[end].low in _SCALE_WORDS
        or (info.unit and toks[end].low in _UNIT_WORDS)
    ):
        end += 1
    return start, end


def _extend_time(sent: _Sentence, start: int, end: int) -> tuple[int, int]:
    """Complete a date: "May 25" -> "May 25, 1979"."""
    toks = sent.toks
    while end < len(toks):
        t = toks[end]
        if t.time or (t.num and len(t.low) <= 4):
            end += 1
        elif t.text == "," and end + 1 < len(toks) and toks[end + 1].time and toks[end + 1].num:
            end += 2
        else:
            break
    return start, end


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
        related = tuple(_safe_ids(passages))[:3]
        return _abstain(q, "thing", related)


def _safe_ids(passages: Sequence[Passage]) -> list[int]:
    out: list[int] = []
    try:
        for p in passages:
            out.append(int(p.article_id))
    except Exception:
        pass
    return out


@dataclass
class _Pool:
    """Everything the span scorer chooses from, shared with the offline fitter."""

    info: QuestionInfo
    ranked: list[_Scored]
    top: list[_Scored]
    cands: list[_Cand]
    sent_feats: list[list[float]] = dataclasses.field(default_factory=list)


def _rerank(
    info: QuestionInfo, ranked: list[_Scored], weights: Sequence[float]
) -> list[tuple[_Scored, list[float]]]:
    """The heuristic shortlist with its sentence features, best fitted logit first."""
    shortlist = ranked[:_SHORTLIST]
    if not shortlist:
        return []
    idf = shortlist[0].idf
    rare = max(info.terms, key=lambda t: idf.get(t, 0.0))
    best = shortlist[0].score
    maxcov = max(sc.coverage for sc in shortlist)
    out = []
    for k, sc in enumerate(shortlist):
        feats = _sentence_features(info, sc, best, k, rare, maxcov)
        sc.logit = sum(map(operator.mul, weights, feats))
        out.append((sc, feats))
    out.sort(key=lambda x: x[0].logit, reverse=True)
    return out


def _pool(question: str, passages: Sequence[Passage], *, keep: int = _TOP_SENTENCES) -> _Pool:
    """Question analysis, sentence ranking and span candidates of the best ``keep``
    sentences (the fitter asks for the whole shortlist)."""
    info = analyze_question(question)
    ranked = _rank_sentences(info, passages) if info.terms else []
    reranked = _rerank(info, ranked, _SENT_VECTOR)
    top = [sc for sc, _ in reranked[:keep]]
    cands: list[_Cand] = []
    if top:
        best = top[0].logit
        for k, sc in enumerate(top):
            cands.extend(_span_candidates(info, sc, k, sc.logit - best))
    if reranked:
        ranked = top + [sc for sc in ranked if all(sc is not t for t in top)]
    pool = _Pool(info, ranked, top, cands)
    pool.sent_feats = [f for _, f in reranked[:keep]]
    return pool


def _cand_text(info: QuestionInfo, sent: _Sentence, cand: _Cand) -> str:
    """The answer text a candidate stands for, after shape-specific clean-up."""
    start, end = cand.start, cand.end
    if info.qtype == "count" and any(t.num for t in sent.toks[start:end]):
        # A count is the number itself, with its qualifiers and units, not the noun
        # phrase it sits in ("250 low-risk inmates" -> "250").
        start = next(k for k in range(start, end) if sent.toks[k].num)
        start, end = _extend_number(sent, start, start + 1, info)
    elif info.qtype == "time":
        toks = sent.toks
        first = next((k for k in range(start, end) if toks[k].time), None)
        if first is not None:
            # The date itself, not the clause around it: "fossils on Saturday" -> "Saturday".
            last = max(k for k in range(start, end) if toks[k].time or toks[k].num)
            start, end = first, last + 1
            if start > 0 and toks[start - 1].low in ("last", "next", "early", "late", "mid"):
                start -= 1
        start, end = _extend_time(sent, start, end)
    return _trim(sent.text[sent.toks[start].start : sent.toks[end - 1].end])


# Minimum-Bayes-risk choice: among the best _MBR_TOP spans, take the one with the
# highest expected token overlap with the others under the ranker's softmax (at
# temperature _MBR_TEMPERATURE); overlapping good spans reinforce each other.
# Only for the forms where it helps under cross-validation: counts, times, places
# and descriptions want the single sharpest span.
_MBR_TOP = 30
_MBR_TEMPERATURE = 0.5
MBR_FORMS = frozenset(("verb", "focus", "person", "other"))


def _mbr_pick(cands: Sequence[_Cand]) -> _Cand:
    top = sorted(cands, key=lambda c: c.score, reverse=True)[:_MBR_TOP]
    best_score = top[0].score
    probs = [math.exp((c.score - best_score) / _MBR_TEMPERATURE) for c in top]
    win, win_value = top[0], -1.0
    for a in top:
        value = 0.0
        for b, p in zip(top, probs, strict=True):
            if a.sent_index != b.sent_index:
                continue
            overlap = min(a.end, b.end) - max(a.start, b.start)
            if overlap > 0:
                value += p * 2 * overlap / (a.end - a.start + b.end - b.start)
        if value > win_value:
            win, win_value = a, value
    return win


# "...will bring the total number of detainees freed to 5,000": a running total, not
# the count of the event asked about (the answer reports it as `extra` instead). The
# penalty is large: such a number wins only when the article offers no other count.
RUNNING_TOTAL_PENALTY = 5.0


def _running_total(sent: _Sentence, start: int, end: int) -> bool:
    """Whether the span's number is the N of "the total ... to N"."""
    toks = sent.toks
    for k in range(max(start, 1), min(end, len(toks))):
        after_to = toks[k].num and toks[k - 1].low == "to"
        if after_to and any(t.low == "total" for t in toks[max(0, k - 14) : k]):
            return True
    return False


def _answer(question: str, passages: Sequence[Passage], min_score: float) -> Answer:
    passages = list(passages)
    pool = _pool(question, passages)
    info, ranked = pool.info, pool.ranked
    if not ranked:
        ordered = sorted(passages, key=lambda p: p.retrieval_score, reverse=True)
        return _abstain(question, info.qtype, tuple(int(p.article_id) for p in ordered[:3]))
    related: list[int] = []
    for sc in ranked:
        aid = int(sc.passage.article_id)
        if aid not in related:
            related.append(aid)
        if len(related) == 3:
            break
    if not pool.cands:
        return _abstain(question, info.qtype, tuple(related), ranked[0].coverage * 0.5)
    weights = _FOLDED.get(info.form, _FOLDED["other"])
    for c in pool.cands:
        c.score = sum(map(operator.mul, weights, c.feats))
        totals_apart = info.qtype == "count" and "total" not in info.terms
        if totals_apart and _running_total(pool.top[c.sent_index].sentence, c.start, c.end):
            c.score -= RUNNING_TOTAL_PENALTY
    if info.form in MBR_FORMS:
        win = _mbr_pick(pool.cands)
    else:
        win = max(pool.cands, key=lambda c: c.score)
    chosen = pool.top[win.sent_index]
    sent = chosen.sentence
    text = _cand_text(info, sent, win)
    # Confidence: how much of the question the evidence matches, tempered by
    # whether a span of the asked-for shape was found.
    type_fit = win.feats[FEATURES.index("type_ok")]
    confidence = chosen.coverage * (0.6 + 0.4 * type_fit)
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
        extra=_total_extra(info, chosen.passage, sent),
    )
