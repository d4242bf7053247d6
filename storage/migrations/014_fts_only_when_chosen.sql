-- FTS5 is filled only while the store searches with it. With Tantivy chosen, FTS5 was
-- kept in step for '/news search' alone, and its triggers were 0.30 of the 0.52 ms an
-- imported article cost the bot's process (bench/README.md, issue 24). '/news search'
-- now reads whichever index the store chose, so FTS5 is emptied when Tantivy is chosen
-- and refilled ('rebuild') when FTS5 is chosen again (storage/search_index.py, use).
DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles
    WHEN (SELECT kind FROM search_index WHERE id = 1) = 'fts5' BEGIN
    INSERT INTO articles_fts (rowid, title, body, scope)
        VALUES (new.id, new.title, new.body, new.scope);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles
    WHEN (SELECT kind FROM search_index WHERE id = 1) = 'fts5' BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body, scope)
        VALUES ('delete', old.id, old.title, old.body, old.scope);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body, guild_id ON articles
    WHEN (SELECT kind FROM search_index WHERE id = 1) = 'fts5' BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body, scope)
        VALUES ('delete', old.id, old.title, old.body, old.scope);
    INSERT INTO articles_fts (rowid, title, body, scope)
        VALUES (new.id, new.title, new.body, new.scope);
END;

-- Whether an operator chose the index (`newsbot index use`). A store nobody chose for
-- takes the default when it is opened empty: Tantivy where it is installed
-- (storage/search_index.py, attach).
ALTER TABLE search_index ADD COLUMN chosen INTEGER NOT NULL DEFAULT 0;

-- A store already on Tantivy lets FTS5 go now (an external-content table: the text
-- stays in 'articles'; only FTS5's own postings are dropped).
INSERT INTO articles_fts (articles_fts)
    SELECT 'delete-all' WHERE (SELECT kind FROM search_index WHERE id = 1) = 'tantivy';
