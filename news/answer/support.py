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
"""

from __future__ import annotations

from collections.abc import Iterable

from news.answer.lexicon import (
    COUNT_FOCUS,
    PERSON_FOCUS,
    PLACE_FOCUS,
    TIME_FOCUS,
    match_key,
)
from news.answer.question import QuestionInfo
from news.answer.sentences import Scored
from news.answer.tokens import Sentence, article_sentences
from news.words import QUESTION_STOP, SEARCH_STOP

# The evidence sentence's share of the question's idf weight (its frame words aside)
# needed when the article lacks one of the question's words. At 0.6 the gate turns
# away more questions the dev set's articles do answer in other words.
MIN_EVIDENCE_SHARE = 0.5
# Words that give the question its shape ("what kind", "the name of", "which
# country", "how many people") say what the answer looks like, not what it is about:
# an article need not use them.
_FRAME = frozenset(
    match_key(w)
    for w in (SEARCH_STOP - QUESTION_STOP) | COUNT_FOCUS | TIME_FOCUS | PERSON_FOCUS | PLACE_FOCUS
)
# A word matches by its first letters when the stemmer misses ("elected"/"election").
_PREFIX = 5


def _lacks(info: QuestionInfo, sents: Iterable[Sentence]) -> list[str]:
    """The question's terms that none of ``sents`` holds."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for s in sents:
        keys |= s.keys
        prefixes.update(t.low[:_PREFIX] for t in s.toks if len(t.low) >= _PREFIX)
    return [
        term
        for word, term in zip(info.words, info.terms, strict=False)
        if term not in keys
        and term not in _FRAME
        and not (len(word) >= _PREFIX and word[:_PREFIX] in prefixes)
    ]


def supported(info: QuestionInfo, evidence: Scored) -> bool:
    """Whether ``evidence`` (the chosen sentence) and its article say enough of what
    the question asks about to commit to an answer from it."""
    passage = evidence.passage
    text = passage.text if isinstance(passage.text, str) else ""
    if not _lacks(info, article_sentences(int(passage.article_id), hash(text), text)):
        return True
    weight = sum(evidence.idf.get(t, 0.0) for t in info.terms if t not in _FRAME)
    missing = sum(evidence.idf.get(t, 0.0) for t in _lacks(info, (evidence.sentence,)))
    return missing <= (1.0 - MIN_EVIDENCE_SHARE) * weight
