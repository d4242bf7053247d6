"""Whether the article supports an answer at all: a gate outside the fitted confidence.

The dev set the confidence is fitted on has no unanswerable questions, so it cannot
learn that a question asks about something the article never mentions ("how many
lifeboats does the operator own?" of a story that names no lifeboat): the best span
of the best sentence still scores well. So the engine checks the words.

The question's content words are weighed by idf over the passage sentences (the
sentence ranker's weights), so a word the article never uses is the rarest and weighs
most. When the evidence's article lacks one of the question's words (by stem and
synonym, or by its first letters, as the ranker's soft match), the engine commits
only if the evidence sentence itself holds at least MIN_EVIDENCE_SHARE of the
question's weight (its frame words, which say what the answer looks like, aside): a paraphrased word ("died" for "killed") is forgiven when the
rest of the question is there, a subject the article never names is not.

A name is stricter than a word. A proper name (a word the question writes in
capitals, its opening word aside), a number or a quoted phrase that neither the
evidence sentence nor its story holds is never forgiven: news prose paraphrases
"killed" as "died", but not Tokyo as Berlin, 2009 as 2008, or one film's title as
another's. Titles and roles count as found in the words news uses for them ("CEO"
for "chief executive"), through the matching keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from news.answer.lexicon import (
    COUNT_FOCUS,
    PERSON_FOCUS,
    PLACE_FOCUS,
    TIME_FOCUS,
    match_key,
)
from news.answer.question import QuestionInfo
from news.answer.reader import Passage
from news.answer.sentences import Scored
from news.answer.tokens import Sentence, Tok, article_sentences, tokenize
from news.words import QUESTION_STOP, SEARCH_STOP, wordset

# The evidence sentence's share of the question's idf weight (its frame words aside)
# needed when the article lacks one of the question's words. At 0.6 the gate turns
# away more questions the dev set's articles do answer in other words.
MIN_EVIDENCE_SHARE = 0.5
# Words that give the question its shape ("what kind", "the name of", "which
# country", "how many people") say what the answer looks like, not what it is about:
# an article need not use them.
# But some focus words name the very quantity asked about: a story that never says
# "population" does not give a city's population, whatever number it holds.
_QUANTITIES = wordset("population age size rate")
_FRAME = frozenset(
    match_key(w)
    for w in (SEARCH_STOP - QUESTION_STOP)
    | (COUNT_FOCUS - _QUANTITIES)
    | TIME_FOCUS
    | PERSON_FOCUS
    | PLACE_FOCUS
)
# A word matches by its first letters when the stemmer misses ("elected"/"election").
_PREFIX = 5
# Quote marks that open and close a quoted phrase in a question, NewsQA's `` '' too.
_QUOTED = re.compile(r"(?:``|\"|“)\s*([^\"“”`']+?)\s*(?:''|\"|”)")


@dataclass(frozen=True)
class _Held:
    """What a story (or one sentence) holds: the matching keys of its words, and their
    first letters for the soft match."""

    keys: frozenset[str]
    prefixes: frozenset[str]


def _held(sents: Iterable[Sentence]) -> _Held:
    keys: set[str] = set()
    prefixes: set[str] = set()
    for s in sents:
        keys |= s.keys
        prefixes.update(t.low[:_PREFIX] for t in s.toks if len(t.low) >= _PREFIX)
    return _Held(frozenset(keys), frozenset(prefixes))


@lru_cache(maxsize=512)
def _story_held(article_id: int, text_hash: int, text: str) -> _Held:
    """What a story holds (cached like its sentences: a reading asks several times)."""
    return _held(article_sentences(article_id, text_hash, text))


def _held_by(passage: Passage) -> _Held:
    text = passage.text if isinstance(passage.text, str) else ""
    return _story_held(int(passage.article_id), hash(text), text)


def _lacks(info: QuestionInfo, held: _Held) -> list[str]:
    """The question's terms that ``held`` lacks."""
    return [
        term
        for word, term in zip(info.words, info.terms, strict=False)
        if term not in held.keys
        and term not in _FRAME
        and not (len(word) >= _PREFIX and word[:_PREFIX] in held.prefixes)
    ]


def _found(tok: Tok, held: _Held) -> bool:
    return tok.key in held.keys or (len(tok.low) >= _PREFIX and tok.low[:_PREFIX] in held.prefixes)


def names_missing(question: str, sents: Iterable[Sentence] | _Held) -> list[str]:
    """The proper names, numbers and quoted phrases of ``question`` that ``sents``
    never hold (a phrase is missing when one of its content words is)."""
    held = sents if isinstance(sents, _Held) else _held(sents)
    words = [t for t in tokenize(question) if not t.punct]
    missing = [
        t.text
        for k, t in enumerate(words)
        if (t.num or (t.cap and k > 0)) and not t.stop and not _found(t, held)
    ]
    for phrase in _QUOTED.findall(question):
        inner = [t for t in tokenize(phrase) if not t.punct and not t.stop]
        if any(not _found(t, held) for t in inner):
            missing.append(phrase)
    return missing


def missing_share(info: QuestionInfo, evidence: Scored) -> float:
    """The share of the question's idf weight (frame words aside) that the evidence's
    whole story never holds: 0 when every word is found somewhere in it."""
    lack = _lacks(info, _held_by(evidence.passage))
    weight = sum(evidence.idf.get(t, 0.0) for t in info.terms if t not in _FRAME)
    missing = sum(evidence.idf.get(t, 0.0) for t in lack)
    return missing / weight if weight > 0 else 0.0


def supported(info: QuestionInfo, evidence: Scored, question: str = "") -> bool:
    """Whether ``evidence`` (the chosen sentence) and its article say enough of what
    the question asks about to commit to an answer from it."""
    story = _held_by(evidence.passage)
    if question and names_missing(question, story):
        return False
    if not _lacks(info, story):
        return True
    weight = sum(evidence.idf.get(t, 0.0) for t in info.terms if t not in _FRAME)
    missing = sum(evidence.idf.get(t, 0.0) for t in _lacks(info, _held((evidence.sentence,))))
    return missing <= (1.0 - MIN_EVIDENCE_SHARE) * weight
