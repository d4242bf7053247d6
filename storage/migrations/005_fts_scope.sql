-- The full-text index carries each article's scope ("s0" global, "s<guild id>"), so a
-- search is narrowed to a guild's and the global articles inside FTS5 itself: bm25 then
-- scores only articles in scope, and no row of `articles` is read per match.
DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;

ALTER TABLE articles ADD COLUMN scope TEXT GENERATED ALWAYS AS ('s' || ifnull(guild_id, 0)) VIRTUAL;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body, scope,
    content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, body, scope)
        VALUES (new.id, new.title, new.body, new.scope);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body, scope)
        VALUES ('delete', old.id, old.title, old.body, old.scope);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body, guild_id ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body, scope)
        VALUES ('delete', old.id, old.title, old.body, old.scope);
    INSERT INTO articles_fts (rowid, title, body, scope)
        VALUES (new.id, new.title, new.body, new.scope);
END;
