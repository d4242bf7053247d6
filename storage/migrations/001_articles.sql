-- Articles, scoped to a guild (guild_id NULL = global), with full-text search.
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER,
    url          TEXT,
    url_norm     TEXT,
    title        TEXT NOT NULL,
    source       TEXT,
    author       TEXT,
    published    TEXT,              -- ISO date (YYYY-MM-DD) or NULL
    added_at     TEXT NOT NULL,     -- ISO 8601, UTC
    added_by     INTEGER,           -- Discord user id, NULL from the CLI
    body         TEXT NOT NULL,
    content_hash TEXT NOT NULL
);

-- The same normalised URL or the same body is stored once per scope.
CREATE UNIQUE INDEX articles_scope_url ON articles (ifnull(guild_id, 0), url_norm)
    WHERE url_norm IS NOT NULL;
CREATE UNIQUE INDEX articles_scope_hash ON articles (ifnull(guild_id, 0), content_hash);
CREATE INDEX articles_guild_added ON articles (guild_id, added_at);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body,
    content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
