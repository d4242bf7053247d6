"""What the engine shows around an answer: the running-total line under a count
(labelled, from the evidence or its neighbour, about what was asked) and the order of
the quoted passages (a sentence holding the asked type before one that only repeats
the subject). Every article here is made up."""

from __future__ import annotations

import pytest

from news.answer import Passage, QuestionInfo, analyze_question, answer_question
from news.answer.passages import TYPE_MARGIN, holds_asked_type, passage_order
from news.answer.sentences import Scored, rank_sentences
from news.answer.tokens import article_sentences
from news.answer.totals import TOTAL_LABEL, running_total

# The total sits right after the evidence, and the last sentence totals something else.
DUNMORE = """Dunmore hires more lifeguards for the summer

Dunmore county will hire 35 seasonal lifeguards to patrol its beaches, the Coast Post reported.

The new posts will bring the total number of lifeguards hired by the county to 180.

Last summer the beaches drew more than 9,000 swimmers, for a total of 40,000 visitors since the promenade opened."""

# The same total, but two sentences away from the evidence.
DUNMORE_FAR = """Dunmore hires more lifeguards for the summer

Dunmore county will hire 35 seasonal lifeguards to patrol its beaches, the Coast Post reported.

Councillor Ada Brook met 600 beach traders last week to talk about the new posts.

The new posts will bring the total number of lifeguards hired by the county to 180."""

# A neighbouring total of something other than what is asked: a casualty figure.
VALDEN = """Valden frees prisoners before the talks

The Valden government released 300 prisoners on Monday ahead of the peace talks.

The fighting left more than 2,000 people wounded last year, for a total of 12,000 casualties over the decade."""


def _passages(text: str) -> list[Passage]:
    return [Passage(1, "", text, 1.0)]


def _evidence(question: str, text: str, fragment: str) -> tuple[QuestionInfo, Scored]:
    """The question and the sentence holding ``fragment`` as the answer's evidence."""
    (passage,) = _passages(text)
    sents = article_sentences(1, hash(text), text)
    at = next(k for k, s in enumerate(sents) if fragment in s.text)
    return analyze_question(question), Scored(passage, sents[at], 0.0, 0.0, at, {}, 1.0)


# -- the running total -----------------------------------------------------------


def test_a_total_next_to_the_evidence_is_one_labelled_line_of_the_articles_words() -> None:
    info, evidence = _evidence("How many lifeguards were hired?", DUNMORE, "will hire 35")
    line = running_total(info, evidence, "35")
    assert line == f"{TOTAL_LABEL} 180 (lifeguards hired)"
    # Past the label, the figure and what it counts are words of the stored sentence.
    total = next(s.text for s in article_sentences(1, hash(DUNMORE), DUNMORE) if "180" in s.text)
    assert "180" in total and "lifeguards hired" in total


def test_the_engine_reports_the_neighbouring_total_with_its_label() -> None:
    ans = answer_question("How many lifeguards were hired?", _passages(DUNMORE))
    assert ans.committed and ans.answer == "35"
    assert ans.extra == f"{TOTAL_LABEL} 180 (lifeguards hired)"


def test_a_total_two_sentences_away_is_not_shown() -> None:
    info, evidence = _evidence("How many lifeguards were hired?", DUNMORE_FAR, "will hire 35")
    assert running_total(info, evidence, "35") is None
    # The same sentence is found when it is the evidence's neighbour.
    info, evidence = _evidence("How many lifeguards were hired?", DUNMORE_FAR, "beach traders")
    assert running_total(info, evidence, "600") == f"{TOTAL_LABEL} 180 (lifeguards hired)"


@pytest.mark.parametrize(
    ("question", "text", "fragment", "answer"),
    [
        # A casualty figure next to a count of prisoners released.
        ("How many prisoners were released?", VALDEN, "released 300", "300"),
        # Swimmers are not the visitors the total counts.
        ("How many swimmers did the beaches draw?", DUNMORE, "9,000 swimmers", "more than 9,000"),
        # "county" is near the total, "seasonal" is not: not every word is found.
        ("How many seasonal lifeguards will the county hire?", DUNMORE, "will hire 35", "35"),
        # A question about the total itself has it as its answer.
        ("What is the total number of lifeguards hired?", DUNMORE, "will hire 35", "35"),
        # The answer is the total: nothing to add beside it.
        ("How many lifeguards were hired?", DUNMORE, "bring the total", "180"),
        # Not a count.
        ("Who hired the lifeguards?", DUNMORE, "will hire 35", "Dunmore county"),
    ],
)
def test_a_total_about_something_else_is_not_shown(
    question: str, text: str, fragment: str, answer: str
) -> None:
    info, evidence = _evidence(question, text, fragment)
    assert running_total(info, evidence, answer) is None


def test_a_total_before_or_after_its_figure_is_named_by_the_articles_words() -> None:
    text = (
        "Twelve more hostages were freed on Friday, bringing the total to 85.\n\n"
        "The ferry carried a total of 640 passengers across the strait in its first week."
    )
    info, evidence = _evidence("How many hostages were freed?", text, "Twelve more")
    assert running_total(info, evidence, "Twelve") == f"{TOTAL_LABEL} 85 (hostages were freed)"
    info, evidence = _evidence("How many passengers did the ferry carry?", text, "Twelve")
    assert running_total(info, evidence, "Twelve") == f"{TOTAL_LABEL} 640 (passengers)"


# -- the order of the passages ---------------------------------------------------


@pytest.mark.parametrize(
    ("question", "holds", "lacks"),
    [
        (
            "How many jobs is Brightline cutting?",
            "The rail firm will cut 1,800 jobs this year.",
            "Brightline said the cuts to jobs were painful.",
        ),
        (
            "How much did the new trams cost?",
            "The trams cost 41 million euros.",
            "The council bought 20 new trams.",
        ),
        (
            "Who won the race?",
            "The race was won by Mara Quist of Lindholm.",
            "The race was won in the last mile by a runner nobody expected.",
        ),
        (
            "When did the bridge reopen?",
            "The bridge reopened in March.",
            "The bridge reopened after the repairs.",
        ),
        (
            "Where did the ferry run aground?",
            "The ferry ran aground near Skarvik.",
            "The ferry ran aground after its engine failed.",
        ),
    ],
)
def test_a_sentence_holds_the_asked_type_or_only_repeats_the_subject(
    question: str, holds: str, lacks: str
) -> None:
    info = analyze_question(question)
    (with_type,) = article_sentences(91, hash(holds), holds)
    (without,) = article_sentences(92, hash(lacks), lacks)
    assert holds_asked_type(info, with_type)
    assert not holds_asked_type(info, without)


# The first sentence repeats the question's words; the second holds the figure.
BRIGHTLINE = """Brightline cuts jobs at its Miami office as the Brightline board meets

The operator expects 1,800 posts at the office to go, according to a letter to staff."""


def _ranked(question: str) -> tuple[QuestionInfo, list[Scored]]:
    info = analyze_question(question)
    ranked = rank_sentences(info, _passages(BRIGHTLINE))
    return info, sorted(ranked, key=lambda sc: sc.position)


def test_within_the_margin_a_sentence_with_a_number_comes_before_one_without() -> None:
    info, (subject, figure) = _ranked("How many jobs is Brightline cutting at the office?")
    assert not holds_asked_type(info, subject.sentence)
    assert holds_asked_type(info, figure.sentence)
    subject.logit, figure.logit = 1.0, 1.0 - TYPE_MARGIN / 2
    spans = {0: 0.0, 1: 0.0}
    order = passage_order(info, [subject, figure], [subject, figure], spans)
    assert order[0] is figure
    # Far below the first, it keeps its place.
    figure.logit = 1.0 - TYPE_MARGIN - 1.0
    order = passage_order(info, [subject, figure], [subject, figure], spans)
    assert order[0] is subject
