"""Tests for the shared vocabulary: stop lists, word patterns, stemmer and idf."""

from __future__ import annotations

import math

from news.words import (
    PLAIN_WORD,
    QUESTION_STOP,
    SEARCH_STOP,
    STOP_WORDS,
    TOKEN,
    WORD,
    sentence_idf,
    stem,
)


def test_each_stop_list_extends_the_base_one() -> None:
    assert STOP_WORDS < QUESTION_STOP
    assert QUESTION_STOP - {"'s", "’s"} < SEARCH_STOP
    # Question-shape words are dropped from searches but still typed by the answer engine.
    assert {"many", "much", "name"} <= SEARCH_STOP - QUESTION_STOP
    assert "prisoners" not in SEARCH_STOP


def test_word_patterns_differ_only_where_named() -> None:
    text = "The U.S. freed 5,000 best-known inmates -- don't ask."
    assert PLAIN_WORD.findall(text)[:4] == ["The", "U", "S", "freed"]
    assert WORD.findall(text) == [
        "The",
        "U.S",
        "freed",
        "5,000",
        "best-known",
        "inmates",
        "don't",
        "ask",
    ]
    tokens = TOKEN.findall(text)
    assert "U.S." in tokens and "--" in tokens and tokens[-1] == "."


def test_stemmer_folds_irregular_and_regular_forms() -> None:
    assert stem("freed") == stem("frees") == "free"
    assert stem("Inmates’") == stem("inmate")
    assert stem("died") == stem("deaths") == "die"


def test_rare_keys_weigh_more() -> None:
    docs = [[{"fire", "city"}, {"city"}], [{"city", "mayor"}]]
    idf = sentence_idf(["city", "fire", "absent"], docs)
    total = 3 + 1
    assert idf["city"] == math.log(1.0 + total / (1.0 + 3))
    assert idf["city"] < idf["fire"] < idf["absent"]
    assert list(idf) == ["city", "fire", "absent"]
