"""A question about a name, number or quoted title its story never uses is not answered
in bold (issue 19): the engine shows passages instead, however well the rest of the
question matches. The stories are written for these tests."""

from __future__ import annotations

from news.answer import Passage, answer_question
from news.answer.engine import read
from news.answer.support import names_missing
from news.answer.tokens import article_sentences

MARATHON = (
    "Kenyan runner Amos Kiprono won the Berlin Marathon on Sunday, finishing in two hours "
    "and three minutes. Kiprono pulled away from the leading group after 30 kilometres and "
    "crossed the line alone near the Brandenburg Gate. Ethiopian Lema Dube finished second, "
    "41 seconds behind. Around 45,000 runners took part in the 2023 race, the organisers said."
)
FILM = (
    'The drama "Northern Lights" opened in cinemas on Friday. The film was directed by '
    "Ingrid Solberg and follows two sisters who run a ferry between remote islands. Solberg "
    "spent three winters filming on the coast."
)


def _story(text: str) -> list[Passage]:
    return [Passage(1, "", text, 1.0)]


def test_a_name_the_story_never_uses_is_not_answered() -> None:
    original = read("Who won the Berlin Marathon?", _story(MARATHON))
    assert original.guess is not None and "Kiprono" in original.guess.text
    assert original.supported and original.confidence > 0
    swapped = answer_question("Who won the Tokyo Marathon?", _story(MARATHON))
    assert swapped.answer is None and swapped.confidence == 0.0
    # The member still sees what the story does say.
    assert any("Berlin Marathon" in q.text for q in swapped.passages)


def test_a_number_the_story_never_uses_is_not_answered() -> None:
    asked = "How many runners took part in the 2019 race?"
    assert read(asked, _story(MARATHON)).confidence == 0.0
    assert answer_question(asked, _story(MARATHON)).answer is None
    right = read("How many runners took part in the 2023 race?", _story(MARATHON))
    assert right.supported and right.guess is not None and "45,000" in right.guess.text


def test_a_quoted_title_the_story_never_uses_is_not_answered() -> None:
    assert read('Who directed "Southern Skies"?', _story(FILM)).confidence == 0.0
    assert answer_question('Who directed "Southern Skies"?', _story(FILM)).answer is None
    right = read('Who directed "Northern Lights"?', _story(FILM))
    assert right.supported and right.guess is not None and "Solberg" in right.guess.text


def test_names_missing_reads_capitals_numbers_and_quotes() -> None:
    sents = article_sentences(7, hash(MARATHON), MARATHON)
    assert names_missing("Who won the Tokyo Marathon?", sents) == ["Tokyo"]
    assert names_missing("Did Kiprono win in 2023?", sents) == []
    assert names_missing("How many ran in 2019?", sents) == ["2019"]
    # The question's opening word is capitalised as any sentence's is.
    assert names_missing("Runners from where?", sents) == []
    assert names_missing('Was it near "Checkpoint Charlie"?', sents) == [
        "Checkpoint",
        "Charlie",
        "Checkpoint Charlie",
    ]


def test_a_role_written_short_counts_as_found() -> None:
    story = (
        "Brightline, the regional rail operator, will cut 1,800 jobs by the end of the year. "
        "Chief executive Laura Menendez said the cuts were needed after ticket sales fell."
    )
    sents = article_sentences(8, hash(story), story)
    assert names_missing("Who is the CEO of Brightline?", sents) == []
    reading = read("Who is the CEO of Brightline?", _story(story))
    assert reading.supported


def test_a_quantity_the_story_never_names_is_not_answered() -> None:
    story = (
        "Lisbon's city council approved the purchase of 20 new trams for the famous line 28 "
        "on Tuesday. The trams will cost 41 million euros and enter service next spring."
    )
    reading = read("What is the population of Lisbon?", _story(story))
    assert reading.confidence == 0.0
    assert answer_question("What is the population of Lisbon?", _story(story)).answer is None
