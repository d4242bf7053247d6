"""What a SQLite store's full-text index holds, whichever index the store chose (FTS5 in
the file, or Tantivy beside it): the load and crash harnesses check it against the
articles after their writers are done."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FullText:
    kind: str
    check: str  # "ok", or what the index's own check found
    documents: int  # documents the index holds (an article indexed twice counts twice)
    council: frozenset[int]  # articles a search for the word 'council' finds, every scope


def full_text(path: Path) -> FullText:
    conn = sqlite3.connect(path)
    try:
        kind = conn.execute("SELECT kind FROM search_index WHERE id = 1").fetchone()[0]
        if kind == "fts5":
            try:
                conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
                check = "ok"
            except sqlite3.DatabaseError as err:
                check = str(err)
            documents = conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
            council = conn.execute(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'council'"
            ).fetchall()
            return FullText(kind, check, documents, frozenset(r[0] for r in council))
        stored = dict(conn.execute("SELECT id, content_hash FROM articles").fetchall())
    finally:
        conn.close()
    return _tantivy(path, stored)


def _tantivy(path: Path, stored: dict[int, str]) -> FullText:
    from storage.search_index import index_folder
    from storage.tantivy_index import TantivyIndex

    if not TantivyIndex.is_built(index_folder(path)):
        # Not opened: TantivyIndex would take it for a build cut short and remove it.
        return FullText("tantivy", "no finished index beside the file", 0, frozenset())
    index = TantivyIndex(index_folder(path))
    docs = index.contents()
    seen = Counter(article_id for article_id, _, _ in docs)
    wrong = sorted(i for i, _, digest in docs if stored.get(i) != digest)
    missing = sorted(set(stored) - set(seen))
    doubled = sorted(i for i, n in seen.items() if n > 1)
    check = "ok"
    if wrong or missing or doubled:
        check = f"stale or extra {wrong[:5]}, missing {missing[:5]}, doubled {doubled[:5]}"
    searcher = index.index.searcher()
    query = index.index.parse_query('"council"', ["text"])
    hits = searcher.search(query, max(len(docs), 1), count=False).hits
    ids = searcher.fast_field_values("id", [address for _, address in hits])
    return FullText("tantivy", check, len(docs), frozenset(int(i) for i in ids if i is not None))
