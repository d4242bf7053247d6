"""The running total beside a count: "...will bring the total number of inmates freed
to 1,200", shown under a committed count as a labelled line,
``Running total: 1,200 (inmates freed)``.

A total is shown only when it is plainly about what was asked, since a number printed
under an answer reads as part of it:

- it comes from the evidence sentence or a sentence right next to it in the same
  article (further away, the story has moved on: a casualty figure is not a count of
  prisoners);
- every content word of the question, its count frame aside ("number", "total"), is
  found in the total's clause near the word "total", by matching key (stem and
  synonym group);
- the figure and the words that say what it counts are the stored sentence's own
  text; only the label is ours.

Otherwise there is no line at all.
"""

from __future__ import annotations

from news.answer.choose import TOTAL_REACH
from news.answer.lexicon import CURRENCY, SCALE_WORDS, match_key
from news.answer.question import QuestionInfo
from news.answer.sentences import Scored
from news.answer.tokens import Sentence, Tok, article_sentences
from news.words import wordset

# The fixed text before the figure: the one part of the line that is not the article's.
TOTAL_LABEL = "Running total:"
# Words that frame a count rather than say what is counted: a question need not find
# them in the total's clause ("what is the number of ...").
_FRAME = frozenset(
    match_key(w) for w in ("number", "total", "amount", "count", "figure", "tally", "sum")
)
# Words before the figure that belong to it ("more than 5,000", "about 1,200").
_FIGURE_QUALIFIERS = wordset(
    "more less fewer than under over about around nearly almost approximately roughly "
    "some least most just only estimated"
)
# How far past the figure the clause is read for the question's words, and how many
# tokens after it may say what is counted ("a total of 100,000 casualties").
_AFTER_REACH = 6
# A description longer than this many tokens is a clause, not a name for the count.
_ABOUT_TOKENS = 8


def running_total(info: QuestionInfo, evidence: Scored, answer: str) -> str | None:
    """The labelled running-total line for a count answered from ``evidence``, or None.

    ``answer`` is the committed text: a total that is the answer itself is not repeated.
    """
    if info.qtype != "count" or match_key("total") in info.terms:
        return None  # not a count, or the question asks for the total itself
    asked = frozenset(t for t in info.terms if t not in _FRAME)
    if not asked:
        return None
    passage = evidence.passage
    text = passage.text if isinstance(passage.text, str) else ""
    sents = article_sentences(int(passage.article_id), hash(text), text)
    at = evidence.position
    if not (0 <= at < len(sents) and sents[at].text == evidence.sentence.text):
        at = next((k for k, s in enumerate(sents) if s.text == evidence.sentence.text), -1)
        if at < 0:
            return None
    for k in (at, at - 1, at + 1):
        if 0 <= k < len(sents):
            line = _total_line(sents[k], asked, answer)
            if line is not None:
                return line
    return None


def _total_line(sent: Sentence, asked: frozenset[str], answer: str) -> str | None:
    toks = sent.toks
    for i, tok in enumerate(toks):
        if tok.low != "total":
            continue
        reach = range(i + 1, min(len(toks), i + 1 + TOTAL_REACH))
        j = next((k for k in reach if toks[k].num and not toks[k].time), None)
        if j is None or any(toks[k].strong for k in range(i + 1, j)):
            continue
        first, last = j, j
        while first > 0 and (
            toks[first - 1].low in _FIGURE_QUALIFIERS or toks[first - 1].text in CURRENCY
        ):
            first -= 1
        while last + 1 < len(toks) and (toks[last + 1].num or toks[last + 1].low in SCALE_WORDS):
            last += 1
        figure = sent.text[toks[first].start : toks[last].end]
        if toks[j].text in answer.split():
            continue  # the answer is the total: nothing to add
        lo, hi = _clause(sent, i, last)
        found = {t.key for t in toks[lo:hi] if not t.punct}
        if not asked <= found:
            continue  # a total of something else
        about = _about(sent, asked, (lo, i, first, last, hi))
        if about is not None:
            return f"{TOTAL_LABEL} {figure} ({about})"
    return None


def _clause(sent: Sentence, total: int, last: int) -> tuple[int, int]:
    """The tokens around "total" ... figure read for the question's words: back to
    TOTAL_REACH tokens and on to _AFTER_REACH, never across strong punctuation."""
    toks = sent.toks
    lo = total
    while lo > 0 and total - lo < TOTAL_REACH and not toks[lo - 1].strong:
        lo -= 1
    hi = last + 1
    while hi < len(toks) and hi - last <= _AFTER_REACH and not toks[hi].strong:
        hi += 1
    return lo, hi


def _about(
    sent: Sentence, asked: frozenset[str], marks: tuple[int, int, int, int, int]
) -> str | None:
    """What the total counts, as a slice of the sentence that ends on a question word:
    between "total" and the figure ("the total number of [inmates freed] by the
    council to 1,200"), else right after the figure ("a total of 100,000
    [casualties]"), else before "total" ("[inmates were freed], bringing the total to
    1,200")."""
    lo, total, first, last, hi = marks
    toks = sent.toks
    spans = (
        (total + 1, first),  # "total number of X to N"
        (last + 1, hi),  # "a total of N X"
        (lo, total),  # "X, bringing the total to N"
    )
    for n, (start, end) in enumerate(spans):
        hits = [k for k in range(start, end) if toks[k].key in asked]
        if not hits:
            continue
        if n == 0:  # from the first word past "number of"
            span = range(start, hits[0])
            head = next((k for k in span if _content(toks[k])), hits[0])
        elif n == 1:  # the counted thing follows the figure at once, or not at all
            if not _content(toks[start]):
                continue
            head = start
        else:
            head = hits[0]
        if hits[-1] - head + 1 <= _ABOUT_TOKENS:
            return sent.text[toks[head].start : toks[hits[-1]].end]
    return None


def _content(tok: Tok) -> bool:
    return not tok.punct and not tok.stop and tok.key not in _FRAME
