"""What the benchmarks share: the data they read and the metrics they score with.

The NewsQA dev set and its SQuAD-style scoring (exact match, token F1), the machine
description, plain-text tables, percentiles, and the BBC corpus multiplied into N
distinct articles. Every benchmark imports this module and none imports another's
data or metrics, so the benchmarks have no import circle (``tests/test_layers.py``).  The corpus is read at run time from the shared folder
(``--shared``); nothing from it is stored in the repository.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import sqlite3
import string
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = Path("corpus") / "bbc-news.jsonl"
# Built stores (bench.scale) and other cached results; NEWSBOT_BENCH_CACHE points another
# checkout (a worktree) at the stores one checkout already built.
CACHE = Path(os.environ.get("NEWSBOT_BENCH_CACHE") or Path(__file__).resolve().parent / ".cache")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> list[tuple[str, str]]:
    """What the numbers were measured on."""
    ram = "?"
    try:
        import psutil

        ram = f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except ImportError:
        pass
    return [
        ("CPU", cpu_model()),
        ("cores", f"{os.cpu_count()} logical (affinity {len(os.sched_getaffinity(0))})"),
        ("RAM", ram),
        ("OS", platform.platform()),
        ("Python", sys.version.split()[0]),
        ("SQLite", sqlite3.sqlite_version),
        ("load avg", " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (others share the box)"),
    ]


def print_table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[object]], note: str = ""
) -> None:
    """An aligned plain-text table; numbers right-aligned, text left-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    numeric = [
        all(_is_number(row[i]) for row in rows if i < len(row)) and bool(rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(widths[i]) if numeric[i] and i else v.ljust(widths[i])
            for i, v in enumerate(values)
        ]
        return "  ".join(parts).rstrip()

    print()
    print(title)
    print(line(list(headers)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
    if note:
        for text in note.splitlines():
            print(f"  {text}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def load_corpus(shared: Path) -> list[dict[str, str]]:
    path = shared / CORPUS
    if not path.exists():
        raise SystemExit(f"corpus not found: {path} (use --shared DIR)")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def variants(
    corpus: Sequence[dict[str, str]], n: int, *, start: int = 0
) -> Iterator[dict[str, str]]:
    """``n`` distinct articles: copy k of the corpus carries a marker and its own URL.

    Copy 0 is the corpus as is.  Later copies get a copy word in the title and a
    closing sentence in the body, so neither the URL nor the body hash deduplicates
    them; the marker sits at the end so the lead (what summaries pick) is unchanged.
    ``start`` skips that many: articles start .. start + n - 1 of the sequence, so a
    store of ``start`` articles gets ``n`` more that it does not hold.
    """
    for i in range(start, start + n):
        k, item = divmod(i, len(corpus))
        record = corpus[item]
        title, text = record["title"], record["text"]
        if k:
            # Not "copy": a question about copies sold would match every marker.
            title = f"{title} (edition {k})"
            text = f"{text}\n\nArchive edition {k}."
        yield {
            "title": title,
            "text": text,
            "url": f"https://bench.example/{record['id']}/{k}",
        }


# ------------------------------------------------------------------ SQuAD scoring


def normalize_answer(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def exact_match(pred: str | None, gold: str) -> float:
    return float(normalize_answer(pred or "") == normalize_answer(gold))


def token_f1(pred: str | None, gold: str) -> float:
    p = normalize_answer(pred or "").split()
    g = normalize_answer(gold).split()
    if not p or not g:
        return float(p == g)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Item:
    article_index: int
    question: str
    gold: str


def load(shared: Path, limit: int | None) -> tuple[list[str], list[Item]]:
    path = shared / "eval" / "newsqa-dev.jsonl"
    texts: list[str] = []
    items: list[Item] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.append(row["text"])
            for qa in row["qas"]:
                items.append(Item(len(texts) - 1, qa["question"], qa["answer"]))
    if limit is not None:
        items = items[:limit]
    return texts, items
