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

The names below are imported from their stage on first use, not when the package is:
``from news.answer import Passage`` (the retrieval, the command line's ``show``) then
loads the one small module that defines it, not the whole engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from news.answer.choose import MBR_FORMS, RUNNING_TOTAL_PENALTY
    from news.answer.engine import DEFAULT_COMMIT_AT, answer_question
    from news.answer.question import QuestionInfo, analyze_question
    from news.answer.reader import Answer, Guess, Passage, Quote
    from news.answer.sentences import SENT_FEATURES
    from news.answer.spans import FEATURES, expand_features
    from news.words import stem

# name -> the module that defines it (PEP 562: __getattr__ imports it when asked for).
_HOMES = {
    "MBR_FORMS": "news.answer.choose",
    "RUNNING_TOTAL_PENALTY": "news.answer.choose",
    "DEFAULT_COMMIT_AT": "news.answer.engine",
    "answer_question": "news.answer.engine",
    "QuestionInfo": "news.answer.question",
    "analyze_question": "news.answer.question",
    "Answer": "news.answer.reader",
    "Guess": "news.answer.reader",
    "Passage": "news.answer.reader",
    "Quote": "news.answer.reader",
    "SENT_FEATURES": "news.answer.sentences",
    "FEATURES": "news.answer.spans",
    "expand_features": "news.answer.spans",
    "stem": "news.words",
}


if not TYPE_CHECKING:  # the type checker reads the imports above, and flags other names

    def __getattr__(name: str) -> object:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        globals()[name] = value  # once: the next look-up finds it without this hook
        return value


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
