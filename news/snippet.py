"""A search result's snippet: the stretch of an article's body that holds the most of
the words searched for, cut at word boundaries, with "…" where the body goes on.

FTS5 makes its own snippets (``snippet()``); a store that searches with another index
(Tantivy) makes them here, from the article's stored text, so a snippet is always a
piece of the article and nothing else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from news.words import PLAIN_WORD  # letters and digits: the words an index splits out

SNIPPET_WORDS = 24  # as FTS5's snippet(..., 24) in storage/articles.py
LEAD = 3  # words kept before the window's first match, for context
ELLIPSIS = "…"


def snippet(body: str, is_match: Callable[[str], bool], *, words: int = SNIPPET_WORDS) -> str:
    """The ``words``-word stretch of ``body`` with the most distinct matching words (then
    the most matches, then the earliest). ``is_match`` says whether a word of the body
    (as written) is one searched for. With no match, the body's opening."""
    spans = [(m.start(), m.end()) for m in PLAIN_WORD.finditer(body)]
    if not spans:
        return ""
    seen: dict[str, bool] = {}
    hits: list[tuple[int, str]] = []  # (word number, the word folded) of every match
    for i, (start, end) in enumerate(spans):
        word = body[start:end].casefold()
        found = seen.get(word)
        if found is None:
            found = seen[word] = is_match(word)
        if found:
            hits.append((i, word))
    # One window per match, starting LEAD words before it; the starts only move right,
    # so the matches inside are kept with two pointers (linear in the matches, however
    # often a searched word recurs).
    first = 0
    best: tuple[int, int, int] = (0, 0, 0)
    inside: Counter[str] = Counter()
    lo = hi = 0
    for i, _ in hits:
        begin = max(0, min(i - LEAD, len(spans) - words))
        while hi < len(hits) and hits[hi][0] < begin + words:
            inside[hits[hi][1]] += 1
            hi += 1
        while hits[lo][0] < begin:
            inside[hits[lo][1]] -= 1
            if not inside[hits[lo][1]]:
                del inside[hits[lo][1]]
            lo += 1
        score = (len(inside), hi - lo, -begin)
        if score > best:
            best, first = score, begin
    last = min(first + words, len(spans)) - 1
    text = body[spans[first][0] : spans[last][1]]
    head = ELLIPSIS if first > 0 else ""
    tail = ELLIPSIS if last < len(spans) - 1 else ""
    return f"{head}{text}{tail}"
