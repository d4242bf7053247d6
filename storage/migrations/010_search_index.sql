-- Which full-text index answers the staged search of this store, and, for an index kept
-- outside the database (Tantivy, in a folder beside this file), how far it has got.
--
-- The database stays the truth; the outside index is derived data. Every change to an
-- article that the index must see (a new article, a delete, a new title, body or scope)
-- leaves a row in index_changes, in commit order (one writer; AUTOINCREMENT never reuses
-- a number). The index applies them in that order and then stores, in one transaction,
-- the last number it holds (the high-water mark) and forgets the rows up to it. A process
-- killed between the index's commit and that transaction applies the same rows again at
-- its next start: each is "delete the article's document, then add it as it is now",
-- so nothing is lost and nothing is indexed twice.
--
-- FTS5 stays filled by its own triggers whatever the choice ('/news search' and its
-- snippets use it), so switching back is instant. The change rows are written only
-- while an outside index is chosen: with FTS5 alone nothing would ever read them.
CREATE TABLE search_index (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    kind  TEXT NOT NULL DEFAULT 'fts5' CHECK (kind IN ('fts5', 'tantivy')),
    mark  INTEGER NOT NULL DEFAULT 0   -- the last index_changes.seq the index holds
);
INSERT INTO search_index (id) VALUES (1);

CREATE TABLE index_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id  INTEGER NOT NULL
);

CREATE TRIGGER index_changes_insert AFTER INSERT ON articles
    WHEN (SELECT kind FROM search_index WHERE id = 1) != 'fts5' BEGIN
    INSERT INTO index_changes (article_id) VALUES (new.id);
END;
CREATE TRIGGER index_changes_delete AFTER DELETE ON articles
    WHEN (SELECT kind FROM search_index WHERE id = 1) != 'fts5' BEGIN
    INSERT INTO index_changes (article_id) VALUES (old.id);
END;
CREATE TRIGGER index_changes_update AFTER UPDATE OF title, body, guild_id ON articles
    WHEN (SELECT kind FROM search_index WHERE id = 1) != 'fts5' BEGIN
    INSERT INTO index_changes (article_id) VALUES (new.id);
END;
