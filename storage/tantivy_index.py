"""The articles' full text in Tantivy: a folder of derived data beside the SQLite file.

Only what the staged search needs is kept: the article id (indexed and a fast field), its
scope (``s0`` for the global articles, ``s<guild>`` for a guild's, as FTS5's scope
column; the guild again as a fast field, for :meth:`TantivyIndex.search`), its content
hash (stored: ``newsbot index check`` compares it with the database), and the title and
body as terms with positions (for phrases) in one field (:data:`TITLE_REPEAT` says
why), never the text itself. Words go through one analyzer,
close to FTS5's ``porter unicode61 remove_diacritics 2``: split on anything not a letter
or digit, lower case, accents folded, English stems.

Every call here blocks (Tantivy's work runs in Rust, outside the GIL): the caller runs
it off the event loop. Whoever keeps the index current is :mod:`storage.search_index`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

from storage.articles import fts_query, phrase_queries, query_terms

ANALYZER = "newsbot_en"
# Memory for the writer's buffer (Tantivy asks 15 MB per thread at least). One thread: the
# import's cleaning already keeps both cores busy, and the buffer counts towards RSS.
WRITER_HEAP = 48_000_000
WRITER_THREADS = 1
# A rebuild (`newsbot index rebuild`, or the first open after `index use tantivy`) is a
# one-off bulk load: a bigger buffer flushes fewer segments to merge later.
BULK_HEAP = 192_000_000
BULK_THREADS = 2
# The title goes into the one text field this many times before the body: FTS5's bm25
# with column weights (2, 1) weighs a title word's frequency twice and saturates title
# and body together, with one idf per word; so does a single field holding the title
# twice. Two fields with Tantivy's boost would score each apart and add the scores, and
# the re-ranking's fitted mix (bm25 relative to the best candidate) lost 0.066 of
# recall@1 on the dev set that way (bench/README.md). news.search.ASK_TITLE_WEIGHT.
TITLE_REPEAT = 2
# A search first reads this many times the hits asked for without the scope filter
# (TantivyIndex.search); 4 keeps a server with a quarter of the matching articles on
# the fast path.
OVERFETCH = 4
# The shape of the index this module writes; a folder stamped otherwise is built again.
SCHEMA = (
    "newsbot-tantivy-2: id scope guild(fast) hash text(title x2, body);"
    " simple lowercase asciifold en-stem"
)
SCHEMA_FILE = "newsbot-schema.txt"


@dataclass(frozen=True)
class IndexHit:
    """One candidate (news.search.Hit): the article and its BM25 score."""

    article_id: int
    score: float


@dataclass(frozen=True)
class IndexedDoc:
    """What the index holds of one article."""

    id: int
    guild_id: int | None
    title: str
    body: str
    content_hash: str


def scope_term(guild_id: int | None) -> str:
    return f"s{int(guild_id or 0)}"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("scope", stored=True, tokenizer_name="raw")
    # The scope again as a fast field (0: global), read for the hits of an unfiltered
    # search (TantivyIndex.search says why).
    builder.add_integer_field("guild", stored=False, indexed=False, fast=True)
    builder.add_text_field("hash", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("text", stored=False, tokenizer_name=ANALYZER)
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


class IndexBusy(Exception):
    """Another writer (this process or another) holds the index's lock."""


class TantivyIndex:
    """One index folder, opened (or made) for searching and writing."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._stamp = folder / SCHEMA_FILE
        # The stamp is written once the index holds every article. Without it (a build
        # killed part-way), or made by another version of this module (other fields,
        # another analyzer), the folder is derived data to make again.
        self.fresh = not self.is_built(folder)
        if self.fresh:
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self.index = tantivy.Index(self.schema, path=str(folder), reuse=True)
        self.analyzer = _analyzer()
        self.index.register_tokenizer(ANALYZER, self.analyzer)

    @staticmethod
    def is_built(folder: Path) -> bool:
        """Whether ``folder`` holds a finished index of this module's version (opening
        any other folder removes it)."""
        stamp = folder / SCHEMA_FILE
        return stamp.exists() and stamp.read_text().strip() == SCHEMA

    def mark_built(self) -> None:
        """Stamp the folder: the index holds every article up to the database's mark."""
        self._stamp.write_text(SCHEMA + "\n")
        self.fresh = False

    @staticmethod
    def remove(folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    # -- writing (one writer at a time, across processes: Tantivy's lock file) ----------

    def writer(self, *, bulk: bool = False) -> Writer:
        """The index's writer; raises :class:`IndexBusy` if another holds it. ``bulk``
        (a rebuild): a larger buffer and a thread per core, for fewer, larger segments."""
        heap, threads = (BULK_HEAP, BULK_THREADS) if bulk else (WRITER_HEAP, WRITER_THREADS)
        try:
            return Writer(self, self.index.writer(heap, threads))
        except ValueError as err:
            if "LockBusy" in str(err):
                raise IndexBusy(f"another process is writing the index in {self.folder}") from None
            raise

    def try_writer(self) -> Writer | None:
        """The index's writer, or None while another holds it."""
        try:
            return self.writer()
        except IndexBusy:
            return None

    def document(self, doc: IndexedDoc) -> tantivy.Document:
        # Separate values of one field: a phrase never runs from one into the next.
        return tantivy.Document(
            id=doc.id,
            scope=scope_term(doc.guild_id),
            guild=int(doc.guild_id or 0),
            hash=doc.content_hash,
            text=[doc.title] * TITLE_REPEAT + [doc.body],
        )

    # -- reading ---------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        # Another process (the CLI beside the bot) may have committed: a reload costs
        # well under a millisecond when nothing changed.
        self.index.reload()
        return self.index.searcher()

    def search(
        self,
        terms: Sequence[str],
        guild_id: int | None,
        *,
        limit: int,
        title_weight: float,
        any_term: bool = False,
        phrases: Sequence[Sequence[str]] = (),
    ) -> list[IndexHit]:
        """Best BM25 matches in the scope holding every term (or any term or phrase),
        best first. Words reach the query parser only as quoted plain words. The title's
        weight is the one the index was built with (:data:`TITLE_REPEAT`); another
        ``title_weight`` is not honoured."""
        text = fts_query(terms, any_term=any_term)
        extra = phrase_queries(phrases)
        if text is not None and extra:
            text = (" OR " if any_term else " AND ").join([text, *extra])
        if text is None:
            return []
        query = self.index.parse_query(text, ["text"], conjunction_by_default=not any_term)
        allowed = {0} if guild_id is None else {0, int(guild_id)}
        searcher = self._searcher()
        # Block-max WAND skips the blocks of postings that cannot reach the top k, but
        # only over a bare union of terms: a required scope clause made Tantivy score
        # every posting (p95 9.7 -> 25.5 ms at 1M). So the bare query runs first for
        # OVERFETCH x limit hits; if enough are in scope, they are exactly the scoped
        # query's best (every article left out scores no higher than the last one read,
        # and the scope clause adds 0 to a score). Otherwise the scoped query runs.
        wide = limit * OVERFETCH
        found = searcher.search(query, wide, count=False).hits
        addresses = [address for _, address in found]
        guilds = searcher.fast_field_values("guild", addresses)
        kept = [
            (score, address)
            for (score, address), g in zip(found, guilds, strict=True)
            if g in allowed
        ]
        if len(kept) < limit and len(found) == wide:
            scoped = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query),
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.const_score_query(
                            tantivy.Query.term_set_query(
                                self.schema, "scope", [scope_term(g) for g in sorted(allowed)]
                            ),
                            0.0,
                        ),
                    ),
                ]
            )
            kept = searcher.search(scoped, limit, count=False).hits
        kept = kept[:limit]
        ids = searcher.fast_field_values("id", [address for _, address in kept])
        return [
            IndexHit(int(article_id), float(score))
            for (score, _), article_id in zip(kept, ids, strict=True)
            if article_id is not None
        ]

    def doc_counts(self, words: Sequence[str], cap: int) -> dict[str, int]:
        """Articles holding each word (documents deleted but not yet merged away still
        count, as they do in Tantivy's own idf), at most ``cap + 1``. Words that hold no
        letter or digit are left out."""
        searcher = self._searcher()
        out: dict[str, int] = {}
        for word in dict.fromkeys(words):
            tokens = self._stems(word)
            if not tokens:
                continue
            # A word the analyzer splits is as rare as its rarest part.
            out[word] = min(min(searcher.doc_freq("text", t) for t in tokens), cap + 1)
        return out

    def matcher(self, terms: Sequence[str]) -> Callable[[str], bool]:
        """Whether a word of an article is one of ``terms`` as this index reads them
        (same stems), for the snippets of ``/news search`` (news.snippet)."""
        wanted = {t for term in terms for t in self._stems(term)}
        return lambda word: any(t in wanted for t in self._stems(word))

    def _stems(self, text: str) -> list[str]:
        """The terms the index holds for ``text``'s words (the analyzer's output)."""
        return [t for part in query_terms(text) for t in self.analyzer.analyze(part)]

    def total(self) -> int:
        """Live documents (every scope)."""
        return int(self._searcher().num_docs)

    def contents(self) -> list[tuple[int, str, str]]:
        """Every live document's (article id, scope, content hash), for ``check``: an
        article indexed twice appears twice."""
        searcher = self._searcher()
        total = max(int(searcher.num_docs), 1)
        found = searcher.search(tantivy.Query.all_query(), total, count=False).hits
        out: list[tuple[int, str, str]] = []
        for _, address in found:
            doc = searcher.doc(address)
            out.append((int(doc["id"][0]), str(doc["scope"][0]), str(doc["hash"][0])))
        return out


class Writer:
    """The index's one writer, held for a ``with`` block (the lock is given up at its
    end, after the merges its commits started)."""

    def __init__(self, index: TantivyIndex, raw: tantivy.IndexWriter):
        self.index = index
        self.raw = raw
        self._pending = False

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pending:
            self.raw.rollback()
        self.raw.wait_merging_threads()

    def apply(self, changed: Iterable[int], current: Mapping[int, IndexedDoc]) -> None:
        """Make the index hold ``current`` for every id in ``changed``, and commit: each
        id's document is deleted, then added again if the article still exists. The same
        changes applied twice leave the same index."""
        for article_id in changed:
            self.raw.delete_documents_by_term("id", article_id)
            doc = current.get(article_id)
            if doc is not None:
                self.raw.add_document(self.index.document(doc))
            self._pending = True
        self.commit()

    def clear(self) -> None:
        self.raw.delete_all_documents()
        self._pending = True

    def add(self, doc: IndexedDoc) -> None:
        self.raw.add_document(self.index.document(doc))
        self._pending = True

    def commit(self) -> None:
        self.raw.commit()
        self._pending = False
        self.index.index.reload()
