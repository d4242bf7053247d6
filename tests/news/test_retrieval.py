"""Open-setting retrieval: query words, phrases, proximity re-ranking, and the desk's ask."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.desk import NewsDesk
from news import retrieval
from news.domain import NewArticle
from news.retrieval import Candidate, open_passages, rerank, search_phrases, search_terms
from storage.articles import phrase_queries

# Three made-up stories that share most of their vocabulary; only one has the
# bridge, the closure and the storm together.
BRIDGE = (
    "The town council met on Tuesday to discuss the budget for next year. "
    "Road works on the eastern side will start in spring. "
    "The old river bridge was closed after the storm cracked two of its pillars, "
    "engineers said. Repairs are expected to take four months."
)
BUDGET = (
    "The town council approved a new budget on Tuesday after a long debate. "
    "The river festival will get more money this year. "
    "Members argued about the cost of a footbridge near the school. "
    "A storm last winter flooded the market square."
)
FOOTBALL = (
    "The local football club won its third match in a row on Saturday. "
    "Fans crossed the bridge to the stadium despite the storm warnings. "
    "The coach praised the defence and said the river of support kept the team going."
)


def _cands(scores: dict[str, float]) -> list[Candidate]:
    texts = {"bridge": BRIDGE, "budget": BUDGET, "football": FOOTBALL}
    ids = {"bridge": 1, "budget": 2, "football": 3}
    return [Candidate(ids[k], "", texts[k], s) for k, s in scores.items()]


def test_search_terms_drop_question_and_stop_words_keep_numbers() -> None:
    assert search_terms("Why was the river bridge closed in 2024 ?") == [
        "river",
        "bridge",
        "closed",
        "2024",
    ]
    assert search_terms("how many were there ?") == []
    assert search_phrases("why was the river bridge closed ?") == [
        ("river", "bridge"),
        ("bridge", "closed"),
    ]


def test_stem_key_agrees_across_forms() -> None:
    key = retrieval.stem_key
    assert key("closed") == key("closes") == key("closing") == key("close")
    assert key("pillars") == key("pillar")
    assert key("2024") == "2024"


def test_the_story_with_the_words_together_ranks_first() -> None:
    # bm25 slightly prefers the budget story; the bridge story holds every question
    # word in two adjacent sentences and wins after re-ranking.
    ranked = rerank(
        "why was the river bridge closed after the storm ?",
        _cands({"budget": 10.0, "bridge": 9.0, "football": 8.5}),
    )
    assert ranked[0].article_id == 1
    assert all(0.0 <= r.features["win1"] <= 1.0 for r in ranked)


def test_open_passages_hand_over_the_best_few_with_falling_scores() -> None:
    passages = open_passages(
        "why was the river bridge closed after the storm ?",
        _cands({"budget": 10.0, "bridge": 9.0, "football": 8.5}),
    )
    assert passages[0].article_id == 1
    scores = [p.retrieval_score for p in passages]
    assert scores == sorted(scores, reverse=True) and scores[0] == 1.0
    assert len(passages) <= retrieval.HAND_ON


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "?!?",
        '"NEAR(a b)" OR * - ^ : title:body',
        "\x00\u202e\ufeff",
        "é" * 5000,
        "word " * 3000,
    ],
)
def test_hostile_questions_never_raise(question: str) -> None:
    assert len(search_terms(question)) <= retrieval.MAX_TERMS
    assert len(search_phrases(question)) <= retrieval.MAX_PHRASES
    rerank(question, _cands({"bridge": 1.0, "budget": 0.0}))
    open_passages(question, [])
    open_passages(question, [Candidate(9, "", "", 0.0), Candidate(8, "x" * 10, "\n\n\n", -1.0)])


def test_non_string_input_is_an_empty_query() -> None:
    assert search_terms(None) == []  # type: ignore[arg-type]
    assert search_phrases(123) == []  # type: ignore[arg-type]


def test_phrase_queries_quote_only_plain_words() -> None:
    assert phrase_queries([("river", "bridge")]) == ['"river bridge"']
    # FTS5 syntax in a phrase's words is stripped; a one-word phrase is dropped.
    assert phrase_queries([('"river', "bridge*)"), ("NEAR(", "")]) == ['"river bridge"']
    assert len(phrase_queries([("a", str(i)) for i in range(50)])) <= retrieval.MAX_PHRASES


async def test_desk_asks_through_a_real_sqlite_file(tmp_path: Path) -> None:
    desk = await NewsDesk.open(tmp_path / "news.sqlite3")
    try:
        ids = {}
        for name, title, text in (
            ("budget", "Council approves budget", BUDGET),
            ("bridge", "River bridge shut", BRIDGE),
            ("football", "Club extends winning run", FOOTBALL),
        ):
            outcome = await desk.store.add(NewArticle(title=title, text=text))
            ids[name] = outcome.article.id
        answer = await desk.ask("why was the river bridge closed after the storm ?")
        assert answer.article_id == ids["bridge"]
        assert answer.evidence is not None and "pillars" in answer.evidence
        # Hostile text reaches the store as quoted words only and never raises.
        for hostile in ('"NEAR(bridge" OR *', "title: budget -storm", "\u202e?"):
            await desk.ask(hostile)
    finally:
        await desk.close()
