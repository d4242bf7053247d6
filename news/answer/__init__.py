"""The offline answer engine: question analysis, sentence ranking and answer-span
extraction.

Given a question and a few candidate articles (bm25 hits from storage, or one
pinned article), find the sentence that answers it and the shortest span of that
sentence that has the asked-for shape (a count, a time, a name, a place, a noun
phrase), with a calibrated confidence; below a threshold it does not commit and
quotes the most relevant sentences instead.
Everything is hand-built (a light stemmer, a small synonym table, linear sentence
and span scorers whose weights are fitted offline by ``bench/fit_answer.py`` and
shipped as ``news/weights/answer.json``); nothing is downloaded at run time.

One module per stage, in the order they run:

- :mod:`.reader`: ``Passage`` in, ``Answer`` out;
- :mod:`.lexicon`: synonym groups and cue words; :mod:`.tokens`: tokens and sentences;
- :mod:`.question`: what a question asks for (its type and form) and its content words;
- :mod:`.sentences`: ranking and re-ranking the sentences that may hold the answer;
- :mod:`.spans`: candidate spans and their features;
- :mod:`.choose`: the minimum-Bayes-risk pick and the answer text, its edges clean;
- :mod:`.kinds`: whether an answer is of the asked type (an amount, a name, a time);
- :mod:`.support`: no commitment about a name, number or subject the story lacks;
- :mod:`.totals`: the labelled running-total line beside a count;
- :mod:`.confidence`: the probability the pick is right; :mod:`.passages`: the quotes;
- :mod:`.engine`: the stages put together; :mod:`.fitted`: the weights file;
- :mod:`.fitting`: the surface the offline fitter uses.
"""

from __future__ import annotations

from news.answer.choose import MBR_FORMS, RUNNING_TOTAL_PENALTY
from news.answer.engine import DEFAULT_COMMIT_AT, answer_question
from news.answer.question import QuestionInfo, analyze_question
from news.answer.reader import Answer, Guess, Passage, Quote
from news.answer.sentences import SENT_FEATURES
from news.answer.spans import FEATURES, expand_features
from news.words import stem

__all__ = [
    "DEFAULT_COMMIT_AT",
    "FEATURES",
    "MBR_FORMS",
    "RUNNING_TOTAL_PENALTY",
    "SENT_FEATURES",
    "Answer",
    "Guess",
    "Passage",
    "QuestionInfo",
    "Quote",
    "analyze_question",
    "answer_question",
    "expand_features",
    "stem",
]
