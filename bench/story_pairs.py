"""Precision and recall of "one story, many sources" (news/stories.py) on story pairs
built and labelled at run time from the BBC corpus in ../shared/corpus.

Positive pairs are one story as a second outlet would carry it, each kind of edit apart:
the same text under another headline, a dateline added, the end cut and a paragraph of
the outlet's own added, the first sentence dropped, one sentence in four dropped, the
paragraphs after the first reordered. Every edit is made with a fixed seed.
The corpus's own duplicates (two ids with one title or one opening sentence) are
positives too: real pairs, word-for-word copies and versions of one report with a lede
edited (reading a sample of them, every one was one story).
Negative pairs are two different stories: the same-category story whose opening shares
the most words with it (the hard case: one subject, two stories), and a random one.

Run: ``PYTHONPATH=. .venv/bin/python -m bench.story_pairs [--stories N]``
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from news import retrieval
from news.retrieval import opening_shingles, same_story
from news.text import split_sentences

SEED = 21
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
_WORD = re.compile(r"\w+")


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    return [s for p in _paragraphs(text) for s in split_sentences(p)]


def edits(rng: random.Random, other: str) -> dict[str, Callable[[str], str]]:
    """How a second outlet carries one text; ``other`` lends an outlet's own paragraph."""

    def cut_end(text: str) -> str:
        paras = _paragraphs(text)
        keep = max(1, round(len(paras) * 0.6))
        return "\n\n".join(paras[:keep] + _paragraphs(other)[-1:])

    def drop_some(text: str) -> str:
        return " ".join(s for k, s in enumerate(_sentences(text)) if k % 4 != 3)

    def reorder(text: str) -> str:
        paras = _paragraphs(text)
        rest = paras[1:]
        rng.shuffle(rest)
        return "\n\n".join(paras[:1] + rest)

    return {
        "retitled": lambda text: text,
        "dateline": lambda text: "LONDON (Wire) - " + text,
        "end cut, own paragraph": cut_end,
        "first sentence dropped": lambda text: " ".join(_sentences(text)[1:]),
        "one sentence in four dropped": drop_some,
        "paragraphs reordered": reorder,
    }


def _opening_words(text: str) -> set[str]:
    return set(_WORD.findall(text[: retrieval.NEAR_DUP_CHARS].casefold()))


def build(stories: list[dict[str, str]]) -> list[tuple[str, bool, str, str]]:
    """(kind, same story?, text a, text b) for every pair."""
    rng = random.Random(SEED)
    pairs: list[tuple[str, bool, str, str]] = []
    by_category: dict[str, list[int]] = defaultdict(list)
    for k, s in enumerate(stories):
        by_category[s["category"]].append(k)
    words = [_opening_words(s["text"]) for s in stories]
    # The corpus holds some stories twice: word for word, or as two versions of one
    # report (a verb changed in the lede) under one title. One title or one opening
    # sentence is one story, and such a pair is never a negative.
    first = [(_sentences(s["text"]) or [""])[0].casefold() for s in stories]
    title = [s["title"].casefold() for s in stories]

    def one(a: int, b: int) -> bool:
        return first[a] == first[b] or title[a] == title[b]

    seen: dict[str, int] = {}
    for k, s in enumerate(stories):
        text = s["text"]
        other = stories[rng.randrange(len(stories))]["text"]
        for kind, edit in edits(rng, other).items():
            pairs.append((kind, True, text, edit(text)))
        # the hard negative: same category, most shared opening words, another title
        best, best_overlap = -1, -1.0
        for j in by_category[s["category"]]:
            if one(j, k):
                continue
            overlap = len(words[k] & words[j]) / max(1, len(words[k] | words[j]))
            if overlap > best_overlap:
                best, best_overlap = j, overlap
        if best >= 0:
            pairs.append(("same subject, another story", False, text, stories[best]["text"]))
        j = rng.randrange(len(stories))
        if not one(j, k):
            pairs.append(("random story", False, text, stories[j]["text"]))
        earlier = seen.get(first[k], seen.get(title[k]))
        if earlier is not None:
            pairs.append(("the corpus's own duplicates", True, stories[earlier]["text"], text))
        seen.setdefault(first[k], k)
        seen.setdefault(title[k], k)
    return pairs


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / max(1, len(a | b))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--stories", type=int, default=None, help="only the first N stories")
    args = ap.parse_args(argv)
    with (args.corpus / "bbc-news.jsonl").open(encoding="utf-8") as fh:
        stories = [json.loads(line) for line in fh][: args.stories]
    pairs = build(stories)
    scored = []
    for kind, label, a, b in pairs:
        sa, sb = opening_shingles(a), opening_shingles(b)
        scored.append((kind, label, same_story(sa, sb), jaccard(sa, sb)))

    print(
        f"{len(stories)} stories, {len(pairs)} pairs; the shipped rule: Jaccard > "
        f"{retrieval.NEAR_DUP_JACCARD} on the 5-word shingles of the first "
        f"{retrieval.NEAR_DUP_CHARS} characters\n"
    )
    print("| pair | same story? | pairs | grouped |")
    print("|---|---|---|---|")
    kinds = dict.fromkeys(kind for kind, *_ in scored)
    for kind in kinds:
        rows = [r for r in scored if r[0] == kind]
        grouped = sum(r[2] for r in rows)
        print(
            f"| {kind} | {'yes' if rows[0][1] else 'no'} | {len(rows)} | "
            f"{grouped} ({100 * grouped / len(rows):.1f}%) |"
        )
    tp = sum(1 for _, label, got, _ in scored if label and got)
    fp = sum(1 for _, label, got, _ in scored if not label and got)
    fn = sum(1 for _, label, got, _ in scored if label and not got)
    print(
        f"\nprecision {tp / max(1, tp + fp):.4f}  recall {tp / max(1, tp + fn):.4f}  "
        f"(tp {tp}, fp {fp}, fn {fn})"
    )
    print("\nOther thresholds (in-sample, for the record; the shipped one was set for search):")
    print("| Jaccard > | precision | recall |")
    print("|---|---|---|")
    for t in THRESHOLDS:
        tp = sum(1 for _, label, _, j in scored if label and j > t)
        fp = sum(1 for _, label, _, j in scored if not label and j > t)
        fn = sum(1 for _, label, _, j in scored if label and j <= t)
        print(f"| {t} | {tp / max(1, tp + fp):.4f} | {tp / max(1, tp + fn):.4f} |")


if __name__ == "__main__":
    main()
