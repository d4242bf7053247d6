"""Which reader answers a question: the offline engine alone, or the model reader
(:mod:`news.answer.model`) with the offline engine as its fallback.

:class:`Asked` is what :meth:`bot.app.ask.AskCases.ask_read` gives back: the answer to
show and, when a model reader is configured, the outcome that names the reader
(the /ask card's footer, ``newsbot ask``'s "reader").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from news.answer import Answer, Passage
from news.errors import new_error_id

if TYPE_CHECKING:
    from news.answer.model import ModelReader, ReaderOutcome, Runner
    from news.versions import Version

log = logging.getLogger(__name__)

# "auto" is the model reader when one is configured, the offline engine otherwise.
ReaderChoice = Literal["auto", "offline", "model"]
READER_OFF = (
    "The model reader is off: set NEWSBOT_LLM_BASE_URL and NEWSBOT_LLM_MODEL "
    "(`newsbot doctor` checks them)."
)


@dataclass(frozen=True)
class Asked:
    """An answer, and which reader gave it.

    ``outcome`` is None when no model reader is configured: the offline engine is then
    the only reader, and what a member sees says nothing about readers (``footer`` is
    None), so a bot without a model shows exactly what it showed before readers
    existed.
    """

    answer: Answer
    outcome: ReaderOutcome | None = None
    # The time the question named, as the reply says it ("articles from 1-7 December"),
    # or the one line saying that it held no story and all were read.
    window_note: str | None = None
    # A newer version of the answer's story that did not answer (the card's "Newer:").
    newer: Version | None = None

    @property
    def reader(self) -> Literal["model", "offline"]:
        return self.outcome.reader if self.outcome is not None else "offline"

    @property
    def footer(self) -> str | None:
        """'answered by MODEL, quote checked', 'offline engine'... or None (no model)."""
        return self.outcome.footer if self.outcome is not None else None


async def read_with_model(
    model: ModelReader,
    question: str,
    passages: Sequence[Passage],
    offline: Answer,
    choice: ReaderChoice,
    run: Runner,
) -> Asked:
    """The model's answer when its quote checks out, else the offline one; never raises
    for the model's sake and never waits past the reader's timeout."""
    from news.answer.model import ReaderOutcome

    if choice == "offline":
        return Asked(offline, ReaderOutcome.offline("the offline engine was asked for"))
    try:
        shown, outcome = await model.read(question, passages, offline, run=run)
    except Exception:
        # The reader never should raise; the member still gets the offline answer, and
        # the bug is logged with an id like the command errors (bot.client).
        error_id = new_error_id()
        log.exception("error %s in the model reader; the offline engine answers", error_id)
        why = f"the model reader failed (error {error_id})"
        return Asked(offline, ReaderOutcome("offline", "fallback", why))
    return Asked(shown, outcome)
