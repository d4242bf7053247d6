"""Answers people can trust: the engine commits only when its calibrated confidence
reaches the threshold, and otherwise quotes the most relevant sentences, exactly as
the article has them. Articles are made up for these tests."""

from __future__ import annotations

import pytest

from news.answer import DEFAULT_COMMIT_AT, Passage, answer_question
from news.answer.confidence import load_model
from news.answer.passages import OPENING_GAP, quotes
from news.answer.question import QuestionInfo, analyze_question
from news.answer.sentences import Scored, rank_sentences

FERRY = """Island ferry service resumes after storm

The Gull Island ferry service resumed on Monday after a storm closed the harbour for six days.

The operator said 640 passengers crossed to the mainland on the first day.

Repairs to the northern pier cost the county about 90,000 pounds.

Captain Ruth Alvaro, who has run the crossing for twelve years, said the boats were undamaged.

A second vessel, the Tern, will join the route in the spring."""

# Two sentences match the question's words equally well and name different numbers.
SPLIT = """Two councils vote on budgets

The northern council approved a budget of 12 million on Tuesday.

The southern council approved a budget of 31 million on Tuesday.

Both councils meet again next month."""

# The sentence that matches "lifeguards hired" word for word gives a running total.
LIFEGUARDS = """Coastal county hires more lifeguards

Brenmouth county will hire 35 "seasonal" lifeguards to patrol its beaches, the Harbour Gazette reported.

Councillor Ines Harrow spoke with more than 600 beach traders last week about the new posts.

The new posts will bring the total number of lifeguards hired by the county to 180.

The beaches drew more than 9,000 swimmers last summer."""

MUSEUM = """Saltmere museum reopens after a two-year refit

The Saltmere maritime museum reopened on Saturday after a refit that cost 4.2 million pounds.

About 1,800 visitors came through the doors on the first weekend, the museum's director, Petra Olsen, said.

The new wing holds a restored 19th-century fishing boat and a gallery of ship models.

Entry stays free for children under 12, and the cafe will open in June."""


def ask(question: str, *texts: str, commit_at: float | None = None):
    passages = [Passage(i + 1, "", t, 1.0) for i, t in enumerate(texts)]
    return answer_question(question, passages, commit_at=commit_at)


def test_the_shipped_thresholds_are_the_fitted_ones() -> None:
    model = load_model()
    assert model.commit_at["given"] == DEFAULT_COMMIT_AT
    assert all(0.0 < t < 1.0 for t in model.commit_at.values())


def test_each_setting_commits_at_its_own_threshold(monkeypatch) -> None:
    # One story pinned is the given setting, several the open one: each is judged by
    # its own default threshold, and a threshold the host sets applies to both.
    from news.answer import engine

    monkeypatch.setitem(engine.COMMIT_AT, "given", 0.0)
    monkeypatch.setitem(engine.COMMIT_AT, "open", 1.01)
    question = "How many passengers crossed to the mainland on the first day?"
    both = [Passage(1, "", FERRY, 1.0), Passage(2, "", SPLIT, 0.2)]
    assert answer_question(question, [Passage(1, "", FERRY, 1.0)]).committed
    assert not answer_question(question, both).committed
    assert answer_question(question, both, commit_at=0.0).committed


def test_a_clear_answer_commits_with_evidence_first() -> None:
    ans = ask("How many passengers crossed to the mainland on the first day?", FERRY)
    assert ans.committed
    assert ans.answer == "640"
    assert ans.confidence >= DEFAULT_COMMIT_AT and ans.score == ans.confidence
    assert ans.evidence is not None and "640 passengers" in ans.evidence
    assert ans.article_id == 1
    assert ans.guess is not None and ans.guess.text == ans.answer
    assert ans.passages[0].text == ans.evidence
    assert 1 <= len(ans.passages) <= 3


def test_something_the_article_does_not_say_shows_passages() -> None:
    ans = ask("What colour is the lighthouse on Gull Island?", FERRY)
    assert not ans.committed
    assert ans.answer is None and ans.evidence is None and ans.article_id is None
    assert 2 <= len(ans.passages) <= 3
    assert all(q.article_id == 1 for q in ans.passages)


def test_words_matching_two_sentences_do_not_commit() -> None:
    ans = ask("How big was the budget the council approved on Tuesday?", SPLIT)
    assert not ans.committed
    shown = " ".join(q.text for q in ans.passages)
    assert "12 million" in shown and "31 million" in shown


def test_a_sentence_offering_only_a_running_total_is_no_rival() -> None:
    # It leads on the question's words, but its only number is ruled out for a count:
    # the engine answers from the next sentence and is not made unsure by the first.
    ans = ask("How many lifeguards were hired?", LIFEGUARDS)
    assert ans.committed and ans.answer == "35"
    assert ans.evidence is not None and ans.evidence.startswith("Brenmouth county will hire 35")
    # Its running total is two sentences from the evidence: no line for it.
    assert ans.extra is None
    shown = " ".join(q.text for q in ans.passages)
    assert "600" not in ans.passages[0].text and "180" in shown


# Questions about things the articles never mention. Each shares words with its
# article, and the best span of the best sentence looks like an answer ("640").
UNANSWERABLE = [
    (FERRY, "How many lifeboats does the ferry operator own?"),
    (FERRY, "Who is the harbour master?"),
    (FERRY, "How much does a ferry ticket cost?"),
    (FERRY, "How many crew members work on the Tern?"),
    (FERRY, "What is the name of the ferry company's chief executive?"),
    (LIFEGUARDS, "How many lifeguards were injured last summer?"),
    (LIFEGUARDS, "What is a lifeguard's salary?"),
    (MUSEUM, "How much does entry cost for adults?"),
    (MUSEUM, "How many staff does the museum employ?"),
]


@pytest.mark.parametrize(("article", "question"), UNANSWERABLE)
def test_a_question_about_what_the_article_never_names_does_not_commit(
    article: str, question: str
) -> None:
    ans = ask(question, article)
    assert not ans.committed and ans.confidence == 0.0
    assert ans.guess is not None  # there was a span to guess; the article does not back it
    assert 1 <= len(ans.passages) <= 3


@pytest.mark.parametrize(
    ("article", "question", "answer"),
    [
        (FERRY, "How much did the pier repairs cost?", "about 90,000 pounds"),
        (LIFEGUARDS, "How many swimmers did the beaches draw last summer?", "more than 9,000"),
        (MUSEUM, "How many visitors came on the first weekend?", "About 1,800"),
        (MUSEUM, "Who is the museum's director?", "Petra Olsen"),
    ],
)
def test_the_same_articles_still_answer_what_they_state(
    article: str, question: str, answer: str
) -> None:
    # The gate turns away only what the article never names.
    ans = ask(question, article)
    assert ans.committed and ans.answer == answer


# Only one sentence names the clock; the cause sits in the sentence before it.
CLOCK = """Repairs planned in Dunmore

Engineers found a cracked gear inside the mechanism on Friday.

The town hall clock stopped at 4:15 on Thursday afternoon, the council said.

Volunteers have wound it by hand every week since 1962.

A brass band will play when it strikes again."""


def test_free_quote_places_go_to_the_matching_sentences_neighbours() -> None:
    ans = ask("Why did the town hall clock stop?", CLOCK)
    shown = [q.text for q in ans.passages]
    assert len(shown) == 3
    assert shown[0].startswith("The town hall clock stopped")
    assert shown[1] == "Engineers found a cracked gear inside the mechanism on Friday."
    assert shown[2].startswith("Volunteers have wound it")
    assert all(q in CLOCK for q in shown)


# The opening sentence gives the number in other words than the question's; the
# sentence ranked third only shares "people" with it.
FLOOD = """About 2,400 residents of Marrow Bay were moved to safety on Tuesday after the river burst its banks.

The flood forced 40 families from their homes in the hill villages as well, the county said.

The flood also closed the coast road for most of the day.

The school will stay shut until Friday.

Engineers say the water should fall by the weekend, and the people of the town are used to it."""


def test_a_weak_last_place_goes_to_the_storys_opening_sentence() -> None:
    question = "How many people did the flood force from their homes?"
    for commit_at in (0.0, 1.01):
        shown = [q.text for q in ask(question, FLOOD, commit_at=commit_at).passages]
        assert shown[0].startswith("The flood forced 40 families")
        assert shown[1].startswith("The flood also closed")
        assert shown[2].startswith("About 2,400 residents")
        assert not any(q.startswith("Engineers say") for q in shown)


def _scored(question: str, story: str) -> tuple[QuestionInfo, list[Scored]]:
    info = analyze_question(question)
    return info, rank_sentences(info, [Passage(1, "", story, 1.0)])


@pytest.mark.parametrize(
    ("gap", "opening_shown"),
    [(OPENING_GAP - 0.5, False), (OPENING_GAP + 0.5, True), (None, True)],
)
def test_the_opening_sentence_displaces_only_a_far_weaker_last_place(
    gap: float | None, opening_shown: bool
) -> None:
    info, ranked = _scored("How many people did the flood force from their homes?", FLOOD)
    order = [sc for sc in ranked if sc.position != 0][:3]
    assert len(order) == 3
    order[0].relevance, order[1].relevance = 10.0, 9.0
    order[2].relevance = None if gap is None else 10.0 - gap
    shown = [q.text for q in quotes(info, order)]
    assert shown[:2] == [order[0].sentence.text, order[1].sentence.text]
    opening = FLOOD.split("\n")[0]
    assert shown[2] == (opening if opening_shown else order[2].sentence.text)


# Only the last sentence names the cafe; a headline sits above the story.
TIMETABLE = """Ferry timetable changes for winter

The winter timetable for the Calder Sound ferry starts on 3 November, the operator said.

Boats will leave the north quay every ninety minutes instead of every hour.

Ticket prices stay the same until April.

Cyclists must now book a place for their bikes a day ahead.

The cafe on board will close at 6pm on weekdays."""


def test_a_free_place_goes_to_the_opening_sentence_before_the_neighbours() -> None:
    shown = [q.text for q in ask("When does the cafe close?", TIMETABLE).passages]
    assert shown == [
        "The cafe on board will close at 6pm on weekdays.",
        "The winter timetable for the Calder Sound ferry starts on 3 November, the operator said.",
        "Cyclists must now book a place for their bikes a day ahead.",
    ]  # the headline is passed over


def test_commit_at_is_the_threshold() -> None:
    sure = ask("How many passengers crossed to the mainland?", FERRY, commit_at=0.0)
    never = ask("How many passengers crossed to the mainland?", FERRY, commit_at=1.01)
    assert sure.committed and not never.committed
    assert never.guess == sure.guess and never.confidence == sure.confidence


def test_passages_never_repeat_a_sentence() -> None:
    # The same story stored twice (open setting): its sentences must be quoted once.
    passages = [Passage(1, "", FERRY, 1.0), Passage(2, "", FERRY, 0.9)]
    for commit_at in (0.0, 1.01):
        ans = answer_question("What did Captain Ruth Alvaro say?", passages, commit_at=commit_at)
        texts = [" ".join(q.text.lower().split()) for q in ans.passages]
        assert texts and len(texts) == len(set(texts))
        assert len({q.article_id for q in ans.passages}) <= 3


def test_nothing_relevant_falls_back_to_related_articles() -> None:
    ans = ask("Who won the chess olympiad?", FERRY, SPLIT)
    assert not ans.committed and ans.passages == ()
    assert ans.guess is None and ans.confidence == 0.0


HOSTILE_QUESTIONS = [
    "How many passengers " * 200 + "?",
    "\x00\ufeff<script>alert(1)</script> How many passengers crossed?",
    "' OR 1=1; -- How many passengers crossed the \u202eharbour?",
    "How many " + "(" * 300 + "passengers" + ")" * 300,
]


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS)
def test_hostile_questions_cannot_break_the_result(question: str) -> None:
    ans = ask(question, FERRY)
    assert 0.0 <= ans.confidence <= 1.0
    assert all(q.text and q.text in FERRY for q in ans.passages)


HOSTILE_ARTICLES = [
    FERRY.replace("\n\n", "\r\n\u2028") + "\x00" * 50,
    "How many passengers crossed? " * 300 + "The ferry carried 640 passengers.",
    "passengers " * 3000,
    '"' * 500 + " 640 passengers crossed " + "“" * 500,
    FERRY + "\n\n" + "The ferry passengers crossed the harbour and " * 40 + "then stopped.",
]


@pytest.mark.parametrize("article", HOSTILE_ARTICLES)
def test_hostile_articles_give_exact_substrings(article: str) -> None:
    for commit_at in (0.0, None, 1.01):
        ans = ask("How many passengers crossed to the mainland?", article, commit_at=commit_at)
        assert 0.0 <= ans.confidence <= 1.0
        assert len(ans.passages) <= 3
        for q in ans.passages:
            assert q.text and q.text in article and q.article_id == 1
            assert len(q.text) <= 420  # short quotes, even from one run-on sentence
        if ans.committed:
            assert ans.evidence is not None and ans.evidence in article
            assert ans.answer is not None and ans.answer in ans.evidence
