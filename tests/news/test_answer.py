"""Tests for the answer engine on short made-up news articles."""

from __future__ import annotations

import time

import pytest

from news.answer import (
    DEFAULT_COMMIT_AT,
    Answer,
    Passage,
    analyze_question,
    answer_question,
    stem,
)

# A story shaped like the product's seed article: one count is the answer, the
# others (officials, injuries, soldiers, a running total) are traps.
HARBOR = """Harbor City to free 250 inmates before peace talks

The city council of Harbor City voted on Tuesday to free 250 inmates to open talks with the rebel groups, officials said.

Mayor Elena Marsh met with more than 2,000 local officials in Riverton last week to discuss the plan.

The new releases will bring the total number of inmates freed by the council to 1,200.

The region recorded about 8,000 injuries last year, according to the health ministry.

The army will keep under 3,000 soldiers in the province by the end of March."""

MUSEUM = """Lakeside Museum opens fossil wing

The Lakeside Museum opened a new wing for dinosaur fossils on Saturday, its director said.

The museum was founded in 1921 by the geologist Margaret Oduya.

Volunteers planted four hundred trees around the new building.

The wing was designed by the architecture firm Stone and Glass."""

FORT = """Police empty old fortress jail

Police freed 40 detainees from the old fortress jail in Port Alder on Friday after a court ruling.

The jail had held prisoners since the war, the court said."""


def ask(question: str, *texts: str) -> Answer:
    passages = [Passage(i + 1, "", text) for i, text in enumerate(texts)]
    return answer_question(question, passages)


# -- question analysis ----------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("How many prisoners were released?", "count"),
        ("how much did the wing cost ?", "count"),
        ("When was the museum founded?", "time"),
        ("What year did the war end?", "time"),
        ("Who met with local officials?", "person"),
        ("Which group claimed the attack?", "person"),
        ("Where did the mayor meet officials?", "place"),
        ("What country hosted the talks?", "place"),
        ("What did the museum open?", "thing"),
    ],
)
def test_question_types(question: str, qtype: str) -> None:
    assert analyze_question(question).qtype == qtype


def test_stemmer_folds_plurals_and_tenses() -> None:
    assert stem("prisoners") == stem("prisoner")
    assert stem("released") == stem("release") == stem("releases")
    assert stem("freed") == stem("free")
    assert stem("injuries") == stem("injury")


# -- counts -------------------------------------------------------------------


def test_count_related_to_question_words_wins_over_other_numbers() -> None:
    ans = ask("How many inmates were freed?", HARBOR)
    assert ans.answer == "250"
    assert ans.qtype == "count"
    assert ans.article_id == 1
    assert ans.evidence is not None and "250 inmates" in ans.evidence
    # The running total sits two sentences away: too far to be labelled as this count's.
    assert ans.extra is None


def test_synonyms_prisoners_released_matches_inmates_freed() -> None:
    ans = ask("How many prisoners were released?", HARBOR)
    assert ans.answer == "250"


def test_synonyms_detainees_freed() -> None:
    ans = ask("How many prisoners were released?", FORT)
    assert ans.answer == "40"
    assert ans.evidence is not None and "detainees" in ans.evidence


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many local officials did the mayor meet?", "more than 2,000"),
        ("How many soldiers will the army keep in the province?", "under 3,000"),
        ("How many injuries did the region record?", "about 8,000"),
    ],
)
def test_count_keeps_its_qualifier(question: str, expected: str) -> None:
    assert ask(question, HARBOR).answer == expected


def test_count_in_words() -> None:
    ans = ask("How many trees did volunteers plant?", MUSEUM)
    assert ans.answer == "four hundred"


# -- time, person, place, thing ---------------------------------------------------


def test_time_year() -> None:
    ans = ask("When was the museum founded?", MUSEUM)
    assert ans.qtype == "time"
    assert ans.answer is not None and "1921" in ans.answer


def test_time_day() -> None:
    ans = ask("What day did the museum open the new wing?", MUSEUM)
    assert ans.answer == "Saturday"


def test_person() -> None:
    ans = ask("Who founded the museum?", MUSEUM)
    assert ans.qtype == "person"
    assert ans.answer is not None and "Margaret Oduya" in ans.answer


def test_person_mayor() -> None:
    ans = ask("Who met with more than 2,000 local officials?", HARBOR)
    assert ans.answer is not None and "Elena Marsh" in ans.answer


def test_organisation() -> None:
    ans = ask("Which firm designed the wing?", MUSEUM)
    assert ans.answer is not None and "Stone and Glass" in ans.answer


def test_place() -> None:
    ans = ask("Where did the mayor meet the local officials?", HARBOR)
    assert ans.qtype == "place"
    assert ans.answer == "Riverton"


def test_place_of_jail() -> None:
    ans = ask("Where was the fortress jail?", FORT)
    assert ans.answer is not None and "Port Alder" in ans.answer


def test_thing() -> None:
    ans = ask("What did the Lakeside Museum open?", MUSEUM)
    assert ans.qtype == "thing"
    # The best span is right, but a two-word question is not enough to commit on.
    assert ans.guess is not None and "wing" in ans.guess.text


# -- choosing among articles ------------------------------------------------------


def test_picks_the_right_article_among_several() -> None:
    ans = ask("How many detainees did police free from the fortress?", HARBOR, MUSEUM, FORT)
    assert ans.article_id == 3
    assert ans.answer == "40"
    assert ans.related and ans.related[0] == 3


def test_retrieval_score_breaks_ties_between_similar_articles() -> None:
    a = Passage(7, "", "Officials said the bridge reopened on Monday.")
    b = Passage(9, "", "Officials said the bridge reopened on Friday.")
    ans = answer_question("When did the bridge reopen?", [a, b.__class__(9, "", b.text, 1.0)])
    assert ans.article_id == 9
    assert ans.answer == "Friday"


# -- abstention -------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Who won the football championship?",
        "What is the population of Jupiter?",
        "How many satellites did the agency launch?",
    ],
)
def test_abstains_when_the_articles_do_not_match(question: str) -> None:
    ans = ask(question, HARBOR, MUSEUM, FORT)
    assert ans.answer is None
    assert ans.evidence is None and ans.article_id is None
    assert 0.0 <= ans.confidence < DEFAULT_COMMIT_AT and ans.score == ans.confidence


def test_abstains_without_passages() -> None:
    ans = answer_question("How many inmates were freed?", [])
    assert ans.answer is None and ans.related == ()


def test_abstention_lists_related_articles() -> None:
    ans = ask("Who won the football championship in Harbor City?", HARBOR, MUSEUM)
    if ans.answer is None:
        assert 1 in ans.related


def test_commit_at_above_one_forces_abstention() -> None:
    ans = answer_question("How many inmates were freed?", [Passage(1, "", HARBOR)], commit_at=1.01)
    assert ans.answer is None


# -- robustness -------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "?",
        "🦆🦆🦆",
        'NEAR(inmates freed, 5) AND "',
        "inmates* OR (freed",
        "))((",
        "'; DROP TABLE articles; --",
        "how many " * 20000,
        "x" * 100_000,
        "\x00\x01 how many inmates \u200b",
    ],
)
def test_hostile_questions_never_raise(question: str) -> None:
    ans = answer_question(question, [Passage(1, "", HARBOR), Passage(2, "", MUSEUM)])
    assert isinstance(ans, Answer)
    assert 0.0 <= ans.score <= 1.0
    analyze_question(question)


@pytest.mark.parametrize(
    "text",
    ["", " ", "🦆", "no punctuation at all and no capitals", "." * 5000, "A. B. C. D."],
)
def test_odd_articles_never_raise(text: str) -> None:
    ans = answer_question("How many inmates were freed?", [Passage(1, "", text)])
    assert isinstance(ans, Answer)


def test_long_article_is_fast() -> None:
    text = "\n\n".join([HARBOR, MUSEUM, FORT] * 40)
    start = time.perf_counter()
    ans = answer_question("How many inmates were freed?", [Passage(1, "", text)])
    assert ans.answer == "250"
    assert time.perf_counter() - start < 2.0


# A made-up profile where the answer sentence spells a question phrase with a hyphen.
ARCHITECT = """Architect Lina Varga dies at 88

Lina Varga, who designed bridges on three continents, died on Monday at her home in Porto.

Her best-known design, the Silver Arch over the Tamsa river, opened in 1974.

She taught at the polytechnic for two decades and wrote four books."""


def test_hyphenated_words_match_their_parts() -> None:
    ans = answer_question(
        "what was her best known design ?", [Passage(7, "Architect dies", ARCHITECT)]
    )
    assert ans.evidence is not None and "best-known" in ans.evidence
    assert ans.answer is not None and "Silver Arch" in ans.answer


def test_fitted_feature_names_are_unique_and_match_the_weights() -> None:
    from news.answer import fitting
    from news.answer.fitted import load_fitted

    fitted = load_fitted()
    assert len(set(fitting.FEATURES)) == len(fitting.FEATURES)
    assert len(set(fitting.SENT_FEATURES)) == len(fitting.SENT_FEATURES)
    assert set(fitted.span) == set(fitting.FEATURES)
    assert set(fitted.sentence) == set(fitting.SENT_FEATURES)
    assert all(form in fitting.FORMS for form in fitting.MBR_FORMS)
