-- The same record as SQLite's migration 010, so `newsbot db copy` and `newsbot index`
-- find it on both backends. On PostgreSQL the staged search runs on the generated
-- tsvector and kind stays 'fts5' (its own full text): several processes share one
-- database there, and a per-process Tantivy index fed from a mark would need changes
-- numbered in commit order, which a sequence does not give (a row can commit after a
-- higher number has been read). No change rows are written.
CREATE TABLE search_index (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    kind  TEXT NOT NULL DEFAULT 'fts5' CHECK (kind IN ('fts5')),
    mark  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO search_index (id) VALUES (1);
