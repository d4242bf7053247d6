"""normalize_ws's quick "already normal?" check must see everything the full pass
would change: a character it misses would be stored un-normalised, and the content
hash of two spellings of one body would differ."""

import re

from news.text import _ODD_CHAR, normalize_ws

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
