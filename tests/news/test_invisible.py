"""Bidi controls and invisible characters: out of titles and of everything a card shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from news.clean import clean_title
from news.text import strip_invisible

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = "\u00ad\u180e\u2060\u2061\u2062\u2063\u2064\ufeff\U000e0041"


@pytest.mark.parametrize("char", list(BIDI + INVISIBLE))
def test_bidi_and_invisible_characters_are_removed(char: str) -> None:
    assert strip_invisible(f"Invoice {char}fdp.exe") == "Invoice fdp.exe"


def test_the_override_attack_reads_as_it_is() -> None:
    assert clean_title("Invoice \u202efdp.exe") == "Invoice fdp.exe"


def test_joiners_between_latin_letters_or_at_edges_are_removed() -> None:
    assert strip_invisible("pay\u200cpal \u200dbank\u200d") == "paypal bank"
    assert strip_invisible("\u200c\u0645") == "\u0645"


@pytest.mark.parametrize(
    "text",
    [
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: ZWNJ inside a word
        "\u0915\u094d\u200d\u0937",  # Devanagari: virama + ZWJ (half form)
        "\U0001f469\u200d\U0001f4bb",  # emoji ZWJ sequence
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # with a variation selector before the ZWJ
        "\U0001f44b\U0001f3fd\u200d\u2642\ufe0f",  # skin tone modifier, then a symbol
    ],
)
def test_joiners_that_join_a_script_or_an_emoji_are_kept(text: str) -> None:
    assert strip_invisible(text) == text


def test_ordinary_text_is_returned_as_it_is() -> None:
    text = "Ferry fares rise — 12 % from May"
    assert strip_invisible(text) is text


@given(st.text(max_size=300))
def test_no_bidi_control_survives_and_stripping_twice_changes_nothing(text: str) -> None:
    once = strip_invisible(text)
    assert not any(c in once for c in BIDI + INVISIBLE)
    assert strip_invisible(once) == once
