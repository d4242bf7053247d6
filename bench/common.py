"""Shared pieces of the scale, load and crash benchmarks.

Machine description, plain-text tables, percentiles, and the BBC corpus multiplied
into N distinct articles.  The corpus is read at run time from the shared folder
(``--shared``); nothing from it is stored in the repository.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = Path("corpus") / "bbc-news.jsonl"
CACHE = Path(__file__).resolve().parent / ".cache"


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


def variants(corpus: Sequence[dict[str, str]], n: int) -> Iterator[dict[str, str]]:
    """``n`` distinct articles: copy k of the corpus carries a marker and its own URL.

    Copy 0 is the corpus as is.  Later copies get a copy word in the title and a
    closing sentence in the body, so neither the URL nor the body hash deduplicates
    them; the marker sits at the end so the lead (what summaries pick) is unchanged.
    """
    for i in range(n):
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
