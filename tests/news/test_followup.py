"""Follow-ups (news/answer/followup.py): 30 follow-up questions written for six invented
stories, each after a first question and its answer. Each must be rewritten with the
name it stands for, and, asked of all six stories at once, the rewritten follow-up
must find its own story far more often than the follow-up as typed."""

from __future__ import annotations

from news.answer import Passage, answer_question
from news.answer.followup import names, resolve

STORIES = {
    1: (
        "Brightline to cut 1,800 jobs",
        "Brightline, the rail operator, will cut 1,800 jobs by next spring. Chief executive "
        "Laura Menendez said the company had lost money on every route for three years. "
        "Menendez said the cuts would fall mostly on ticket offices. The company employs "
        "9,400 people. Unions called the plan reckless and promised to fight it.",
    ),
    2: (
        "Harbour Bridge reopens",
        "The Harbour Bridge in Port Elwin reopened on Friday after a two-year repair that "
        "cost 41 million euros. The bridge carries 30,000 cars a day. Engineers replaced "
        "every cable and widened the footpath. Mayor Tom Reyes cut the ribbon and said the "
        "town had waited long enough. Reyes was first elected in 2019.",
    ),
    3: (
        "Kipchoge wins in Berlin",
        "Eliud Kipchoge won the Berlin marathon on Sunday in 2 hours 3 minutes. Kipchoge, "
        "who grew up in Kapsisiywa in Kenya, has now won the race five times. He said the "
        "cool weather helped. The runner-up, Amos Kiprono, finished 40 seconds behind.",
    ),
    4: (
        "Northwind founder steps down",
        "Maria Olsen, who founded the software firm Northwind in 2004, is stepping down. "
        "Olsen will stay on the board. Her company announced a new chief, Daniel Park, on "
        "Tuesday. Northwind makes scheduling software for hospitals and employs 600 staff "
        "in Oslo.",
    ),
    5: (
        "Dockworkers Union rejects offer",
        "The Dockworkers Union rejected a 3% pay offer on Monday and asked for a 5% raise "
        "instead. The union represents 4,000 workers at the port. Its leader, Grace Obi, "
        "said members would vote on a strike next week. The port authority said it could "
        "not pay more.",
    ),
    6: (
        "Council approves new library",
        "The Port Elwin Council voted nine to three on Wednesday to build a new library on "
        "Quay Street. The council has twelve members. The library will cost 8 million "
        "euros and open in 2028. Councillor Ana Ruiz, who proposed it, said the old "
        "building was unsafe.",
    ),
}

# (story, first question, its answer, its evidence, follow-up, the name written in)
FOLLOW_UPS = [
    (1, "Who is the CEO of Brightline?", "Laura Menendez",
     "Chief executive Laura Menendez said the company had lost money on every route for three years.",
     "What did she say about the routes?", "Laura Menendez"),
    (1, "Who is the CEO of Brightline?", "Laura Menendez",
     "Chief executive Laura Menendez said the company had lost money on every route for three years.",
     "How many people does the company employ?", "Brightline"),
    (1, "How many jobs will Brightline cut?", "1,800",
     "Brightline, the rail operator, will cut 1,800 jobs by next spring.",
     "How many people does it employ?", "Brightline"),
    (1, "How many jobs will Brightline cut?", "1,800",
     "Brightline, the rail operator, will cut 1,800 jobs by next spring.",
     "Where will the firm make the cuts?", "Brightline"),
    (1, "What did Laura Menendez say?", "the company had lost money on every route",
     "Chief executive Laura Menendez said the company had lost money on every route for three years.",
     "Where did she say the cuts would fall?", "Laura Menendez"),
    (2, "How much did the Harbour Bridge repair cost?", "41 million euros",
     "The Harbour Bridge in Port Elwin reopened on Friday after a two-year repair that cost 41 million euros.",
     "How many cars does it carry?", "Harbour Bridge"),
    (2, "How much did the Harbour Bridge repair cost?", "41 million euros",
     "The Harbour Bridge in Port Elwin reopened on Friday after a two-year repair that cost 41 million euros.",
     "When did it reopen?", "Harbour Bridge"),
    (2, "Who cut the ribbon on the Harbour Bridge?", "Tom Reyes",
     "Mayor Tom Reyes cut the ribbon and said the town had waited long enough.",
     "When was he first elected?", "Tom Reyes"),
    (2, "Who cut the ribbon on the Harbour Bridge?", "Tom Reyes",
     "Mayor Tom Reyes cut the ribbon and said the town had waited long enough.",
     "What did he say?", "Tom Reyes"),
    (2, "Who is the mayor of Port Elwin?", "Tom Reyes",
     "Mayor Tom Reyes cut the ribbon and said the town had waited long enough.",
     "What did the mayor say about him waiting?", "Tom Reyes"),
    (3, "Who won the Berlin marathon?", "Eliud Kipchoge",
     "Eliud Kipchoge won the Berlin marathon on Sunday in 2 hours 3 minutes.",
     "Where did he grow up?", "Eliud Kipchoge"),
    (3, "Who won the Berlin marathon?", "Eliud Kipchoge",
     "Eliud Kipchoge won the Berlin marathon on Sunday in 2 hours 3 minutes.",
     "How many times has he won the race?", "Eliud Kipchoge"),
    (3, "Who won the Berlin marathon?", "Eliud Kipchoge",
     "Eliud Kipchoge won the Berlin marathon on Sunday in 2 hours 3 minutes.",
     "What did he say helped?", "Eliud Kipchoge"),
    (3, "Who finished second in Berlin?", "Amos Kiprono",
     "The runner-up, Amos Kiprono, finished 40 seconds behind.",
     "How far behind did he finish?", "Amos Kiprono"),
    (3, "How long did the Berlin marathon winner take?", "2 hours 3 minutes",
     "Eliud Kipchoge won the Berlin marathon on Sunday in 2 hours 3 minutes.",
     "When was it run?", "Berlin"),
    (4, "Who founded Northwind?", "Maria Olsen",
     "Maria Olsen, who founded the software firm Northwind in 2004, is stepping down.",
     "What did her company announce?", "Maria Olsen"),
    (4, "Who founded Northwind?", "Maria Olsen",
     "Maria Olsen, who founded the software firm Northwind in 2004, is stepping down.",
     "Will she stay on the board?", "Maria Olsen"),
    (4, "When was Northwind founded?", "2004",
     "Maria Olsen, who founded the software firm Northwind in 2004, is stepping down.",
     "How many staff does the company employ?", "Northwind"),
    (4, "When was Northwind founded?", "2004",
     "Maria Olsen, who founded the software firm Northwind in 2004, is stepping down.",
     "What does it make?", "Northwind"),
    (4, "Who is Northwind's new chief?", "Daniel Park",
     "Her company announced a new chief, Daniel Park, on Tuesday.",
     "When was he announced?", "Daniel Park"),
    (5, "What did the Dockworkers Union reject?", "a 3% pay offer",
     "The Dockworkers Union rejected a 3% pay offer on Monday and asked for a 5% raise instead.",
     "How many workers does the union represent?", "Dockworkers Union"),
    (5, "What did the Dockworkers Union reject?", "a 3% pay offer",
     "The Dockworkers Union rejected a 3% pay offer on Monday and asked for a 5% raise instead.",
     "What did they ask for instead?", "Dockworkers Union"),
    (5, "Who leads the Dockworkers Union?", "Grace Obi",
     "Its leader, Grace Obi, said members would vote on a strike next week.",
     "What did she say members would do?", "Grace Obi"),
    (5, "Who leads the Dockworkers Union?", "Grace Obi",
     "Its leader, Grace Obi, said members would vote on a strike next week.",
     "When will the group vote on a strike?", "Dockworkers Union"),
    (5, "How big a raise did the Dockworkers Union ask for?", "5%",
     "The Dockworkers Union rejected a 3% pay offer on Monday and asked for a 5% raise instead.",
     "What did their members vote on?", "Dockworkers Union"),
    (6, "How many members does the Port Elwin Council have?", "twelve",
     "The council has twelve members.",
     "Where will they build the library?", "Port Elwin Council"),
    (6, "How many members does the Port Elwin Council have?", "twelve",
     "The council has twelve members.",
     "How did the council vote on the library?", "Port Elwin Council"),
    (6, "Who proposed the Port Elwin library?", "Ana Ruiz",
     "Councillor Ana Ruiz, who proposed it, said the old building was unsafe.",
     "What did she say about the old building?", "Ana Ruiz"),
    (6, "How much will the Port Elwin library cost?", "8 million euros",
     "The library will cost 8 million euros and open in 2028.",
     "When will it open?", "Port Elwin"),
    (6, "Who proposed the Port Elwin library?", "Ana Ruiz",
     "Councillor Ana Ruiz, who proposed it, said the old building was unsafe.",
     "Why did she want it?", "Ana Ruiz"),
]  # fmt: skip

PASSAGES = [Passage(k, title, text) for k, (title, text) in STORIES.items()]


def test_thirty_follow_ups_are_written() -> None:
    assert len(FOLLOW_UPS) == 30


def test_each_follow_up_takes_the_name_it_stands_for() -> None:
    wrong = []
    for _, first, answer, evidence, followup, name in FOLLOW_UPS:
        got = resolve(followup, first, answer, evidence)
        if name not in got.question or not got.changed:
            wrong.append((followup, got.question))
    assert not wrong


def _story_found(question: str, story: int) -> bool:
    answer = answer_question(question, PASSAGES)
    found = answer.article_id if answer.article_id is not None else (answer.related or (0,))[0]
    return found == story


def test_resolved_follow_ups_find_their_story_among_six() -> None:
    typed = sum(_story_found(f[4], f[0]) for f in FOLLOW_UPS)
    resolved = sum(_story_found(resolve(f[4], f[1], f[2], f[3]).question, f[0]) for f in FOLLOW_UPS)
    # As typed, "when did it reopen?" could be any story; written out, it is one.
    assert resolved >= 27, (typed, resolved)
    assert resolved > typed


def test_what_is_not_sure_stays_as_written() -> None:
    # No name to stand for: nothing is rewritten.
    same = resolve("What did he say?", "How many jobs were cut?", "1,800", "1,800 jobs were cut.")
    assert same.question == "What did he say?" and not same.changed
    # "it" with two things asked about is ambiguous.
    two = resolve("When will it open?", "Is the Harbour Bridge near Quay Street?", "yes", None)
    assert two.question == "When will it open?"


def test_names_tell_people_from_places_and_organisations() -> None:
    found = {n.text: n.kind for n in names(
        "Mayor Tom Reyes said the Port Elwin Council met in Port Elwin with Grace Obi, "
        "who said BRT would pay."
    )}  # fmt: skip
    assert found["Tom Reyes"] == "person"
    assert found["Port Elwin Council"] == "org"
    assert found["Port Elwin"] == "other"
    assert found["Grace Obi"] == "person"
    assert found["BRT"] == "org"
