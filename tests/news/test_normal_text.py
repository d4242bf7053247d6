"""normalize_ws's quick "already normal?" check must see everything the full pass
would change: a character it misses would be stored un-normalised, and the content
hash of two spellings of one body would differ."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from news.text import _ODD_CHAR, content_hash, normalize_ws

# Every code point, once (the surrogates included: a draft may carry one until
# sanitize removes it).
EVERY = "".join(map(chr, range(0x110000)))


def test_the_odd_class_is_whitespace_but_space_and_newline_plus_controls() -> None:
    expected = set(re.findall(r"[^\S \n]|[\x00-\x08\x0e-\x1f\x7f\u200b]", EVERY))
    assert set(_ODD_CHAR.findall(EVERY)) == expected


def test_each_odd_spacing_is_normalised() -> None:
    for odd in ("a  b", "a \nb", "a\n b", "a\n\n\nb", "a\tb", "a\u00a0b", "a\u200bb"):
        assert normalize_ws(odd) != odd, repr(odd)
    for normal in ("a b", "a\nb", "a\n\nb", "Café au lait."):
        assert normalize_ws(normal) is normal, repr(normal)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \n\t\u00a0\u2028\x1cab\u0301e.", max_size=40) | st.text(max_size=40))
def test_the_hash_of_normal_text_equals_the_hash_through_the_full_pass(text: str) -> None:
    # The store hashes text it has just normalised without splitting it again.
    normal = normalize_ws(text)
    assert content_hash(normal, normalized=True) == content_hash(text)


def test_a_text_seen_recently_comes_back_unscanned_and_others_are_still_normalised() -> None:
    body = "A body.\n\nIts second paragraph."
    assert normalize_ws(body) is body
    odd = "A  body."
    fixed = normalize_ws(odd)
    assert fixed == "A body."
    # Many texts later, each odd one is still normalised and each normal one kept.
    for n in range(20):
        assert normalize_ws(f"Story  {n}.") == f"Story {n}."
        assert normalize_ws(odd) == "A body."
    assert normalize_ws(fixed) is fixed


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \n\tab.", max_size=30))
def test_paragraphs_of_one_line_or_many(text: str) -> None:
    from news.text import paragraphs

    assert paragraphs(text) == [p.strip() for p in re.split(r"\n+", text) if p.strip()]
