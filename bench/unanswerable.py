"""Questions the store cannot answer, built from NewsQA dev with a fixed seed.

Two kinds, as issue 19 asks:

- **name-swapped**: a question whose story uses a name (a person, place or
  organisation: a run of capitalised words the story uses as a name) gets that name
  swapped for one from another story that this story never uses ("who won the berlin
  marathon ?" becomes "who won the tokyo marathon ?"). The swapped-in name has as many
  words as the one it replaces, and none of its words occurs anywhere in the story.
- **wrong-story**: one story's question asked of another story, drawn at random
  (never a near-copy: the two stories share under half their words).

A good answer to either is no answer: any committed answer is a false commit.
Questions stay lower-cased and tokenised as NewsQA's are, so a rule that trusts the
question's capitals cannot pass the check.

The construction lives here, with its seed, so anyone can rerun it:
``.venv/bin/python -m bench.unanswerable`` prints a sample.
"""

from __future__ import annotations

import argparse
import random
import re
from dataclasses import dataclass
from pathlib import Path

from bench.common import DEFAULT_SHARED, Item, load
from news.words import wordset

SEED = 19
# Two stories sharing this share of their words are one story told twice.
NEAR_COPY = 0.5
# Words that open sentences or titles in capitals without being names.
_NOT_NAMES = wordset(
    """a an the this that these those he she it they we i you his her its their our my
    in on at by for from of to with and but or as if when while after before during since
    there here what which who whom whose where why how mr mrs ms dr sen rep gov gen lt col
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december cnn ap reuters afp
    one two three four five six seven eight nine ten
    """
)
_CAP_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
_WORDS = re.compile(r"[\w'’]+")


@dataclass(frozen=True)
class Unanswerable:
    """A question asked of a story that does not answer it."""

    article_index: int  # the story it is asked of (the given setting)
    question: str
    source_index: int  # the story the question was written on
    kind: str  # "swap" or "wrong"
    swapped: tuple[str, str] = ("", "")  # (the story's name, the name put in its place)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORDS.findall(text)}


def story_names(text: str) -> set[str]:
    """Lower-cased names the story uses: runs of capitalised words, cut at words that
    are not names, whose words the story never writes in lower case. A word seen in
    capitals only where a sentence starts is not taken for a name."""
    lower_words = {w for w in _WORDS.findall(text) if w.islower()}
    mid = {m.group(0).lower() for m in re.finditer(r"(?<=[\w,;'’] )[A-Z][\w'’.-]*", text)}
    names: set[str] = set()
    for m in _CAP_RUN.finditer(text):
        words = [w.strip(".'’") for w in m.group(0).split()]
        run: list[str] = []
        for w in [*words, ""]:
            low = w.lower()
            if w and low not in _NOT_NAMES and low not in lower_words and len(low) > 1:
                run.append(low)
                continue
            if run and any(r in mid for r in run):
                names.add(" ".join(run))
                names.update(r for r in run if r in mid)  # "obama" of "barack obama"
            run = []
    return names


def _at(name: str, question: str) -> re.Match[str] | None:
    return re.search(rf"(?<![\w'’]){re.escape(name)}(?![\w'’])", question, re.IGNORECASE)


def _swap(question: str, old: str, new: str) -> str:
    """The question with ``old`` put as ``new``, in the case the question wrote it."""
    m = _at(old, question)
    assert m is not None
    written = m.group(0)
    put = " ".join(w[:1].upper() + w[1:] for w in new.split()) if written[:1].isupper() else new
    return question[: m.start()] + put + question[m.end() :]


def name_swapped(texts: list[str], items: list[Item], seed: int = SEED) -> list[Unanswerable]:
    """One name-swapped question for every question that holds one of its story's
    names (the longest such name is swapped)."""
    rng = random.Random(seed)
    names = [story_names(t) for t in texts]
    words = [_words(t) for t in texts]
    pool: dict[int, list[tuple[int, str]]] = {}
    for k, ns in enumerate(names):
        for n in sorted(ns):
            pool.setdefault(len(n.split()), []).append((k, n))
    out = []
    for it in items:
        found = [n for n in names[it.article_index] if _at(n, it.question)]
        if not found:
            continue
        old = max(found, key=lambda n: (len(n), n))
        choices = pool.get(len(old.split()), [])
        for _ in range(200):
            k, new = choices[rng.randrange(len(choices))]
            if k != it.article_index and not (set(new.split()) & words[it.article_index]):
                q = _swap(it.question, old, new)
                out.append(Unanswerable(it.article_index, q, it.article_index, "swap", (old, new)))
                break
    return out


def wrong_story(texts: list[str], items: list[Item], seed: int = SEED) -> list[Unanswerable]:
    """Every question asked of another story drawn at random."""
    rng = random.Random(seed + 1)
    words = [_words(t) for t in texts]
    out = []
    for it in items:
        own = words[it.article_index]
        while True:
            k = rng.randrange(len(texts))
            overlap = len(own & words[k]) / max(1, min(len(own), len(words[k])))
            if k != it.article_index and overlap < NEAR_COPY:
                break
        out.append(Unanswerable(k, it.question, it.article_index, "wrong"))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--show", type=int, default=15)
    args = ap.parse_args(argv)
    texts, items = load(args.shared, None)
    swaps = name_swapped(texts, items)
    wrong = wrong_story(texts, items)
    print(f"{len(items)} questions: {len(swaps)} name-swapped, {len(wrong)} wrong-story")
    for u in swaps[: args.show]:
        print(f"  {u.swapped[0]!r} -> {u.swapped[1]!r}: {u.question}")


if __name__ == "__main__":
    main()
