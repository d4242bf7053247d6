"""The scale benchmark's articles: the corpus copied with a marker, or varied per copy.

``copies`` is the bench's historical store: copy k of a story is the story with "edition
k" in its title and a closing line, so a million articles are 2,225 stories about 450
times over. Their posting lists are the corpus's multiplied, and every copy is a
near-duplicate of its story, which no real store looks like.

``varied`` keeps copy 0 as it is (the questions are about those stories) and makes every
later copy a story of its own kind: its sentences shuffled, and its names and numbers
swapped for those of another story (each distinct one mapped to one of the other's, in
the title too). Words keep the corpus's frequencies, but which words meet in one
article, and the numbers and names that pin a story down, vary across the store.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from bench.common import variants

SEED = 20250101
MODES = ("copies", "varied")
# A capitalised word inside a sentence (after a lower-case word or a comma): most are
# names of people, places and firms; a sentence's first word is left alone.
_NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+(?:[A-Z][a-z]+)?")
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def _swap(text: str, pattern: re.Pattern[str], mapping: dict[str, str]) -> str:
    return pattern.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def _mapping(mine: Sequence[str], theirs: Sequence[str], rng: random.Random) -> dict[str, str]:
    if not theirs:
        return {}
    return {word: rng.choice(theirs) for word in dict.fromkeys(mine)}


def varied(
    corpus: Sequence[dict[str, str]], n: int, seed: int = SEED, *, start: int = 0
) -> Iterator[dict[str, str]]:
    """``n`` articles: the corpus, then copies varied as the module says. From ``start``
    > 0, articles start .. start + n - 1 (copy numbers, so URLs, a store of ``start``
    does not hold) varied with a random stream of their own: replaying the first
    ``start`` articles' draws would cost as much as making them."""
    rng = random.Random(seed if not start else f"{seed}:{start}")
    for i in range(start, start + n):
        k, item = divmod(i, len(corpus))
        record = corpus[item]
        title, text = record["title"], record["text"]
        if k:
            other = corpus[rng.randrange(len(corpus))]["text"]
            names = _mapping(_NAME.findall(f"{title} {text}"), _NAME.findall(other), rng)
            numbers = _mapping(_NUMBER.findall(f"{title} {text}"), _NUMBER.findall(other), rng)
            paragraphs = [p for p in text.split("\n") if p.strip()]
            sentences = [s for p in paragraphs for s in _SENTENCE.split(p.strip())]
            rng.shuffle(sentences)
            text = " ".join(sentences)
            title = _swap(_swap(title, _NAME, names), _NUMBER, numbers)
            text = _swap(_swap(text, _NAME, names), _NUMBER, numbers)
        yield {"title": title, "text": text, "url": f"https://bench.example/{record['id']}/{k}"}


class Maker(Protocol):
    def __call__(
        self, corpus: Sequence[dict[str, str]], n: int, *, start: int = ...
    ) -> Iterator[dict[str, str]]: ...


def articles(mode: str) -> Maker:
    makers: dict[str, Maker] = {"copies": variants, "varied": varied}
    return makers[mode]
