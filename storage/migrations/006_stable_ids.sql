-- Article ids are never reused. With a plain INTEGER PRIMARY KEY, SQLite gives a new row
-- the largest id + 1, so after the newest article was removed the next one got its
-- number, and a digest, a "See also" or a member's message naming #N pointed to another
-- story. AUTOINCREMENT keeps the largest id ever handed out (in sqlite_sequence).
--
-- SQLite adds AUTOINCREMENT only by rebuilding the table. Every row keeps its id, so the
-- full-text index (whose rowids are the ids) stays valid as it is and anything that names
-- an article by id still names the same one. DROP TABLE fires no triggers, and the copy
-- has none yet, so the index is neither emptied nor filled twice.
CREATE TABLE articles_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
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
    content_hash TEXT NOT NULL,
    summary      TEXT,              -- JSON list of sentences
    scope        TEXT GENERATED ALWAYS AS ('s' || ifnull(guild_id, 0)) VIRTUAL
);

INSERT INTO articles_new (id, guild_id, url, url_norm, title, source, author, published,
                          added_at, added_by, body, content_hash, summary)
    SELECT id, guild_id, url, url_norm, title, source, author, published,
           added_at, added_by, body, content_hash, summary
    FROM articles ORDER BY id;

DROP TABLE articles;
ALTER TABLE articles_new RENAME TO articles;

-- The same normalised URL or the same body is stored once per scope.
CREATE UNIQUE INDEX articles_scope_url ON articles (ifnull(guild_id, 0), url_norm)
    WHERE url_norm IS NOT NULL;
CREATE UNIQUE INDEX articles_scope_hash ON articles (ifnull(guild_id, 0), content_hash);

-- Newest first within one scope (guild_id = g, or IS NULL for the global articles), in
-- the exact order of pages and autocomplete: (added_at, id). The title makes the index
-- cover autocomplete's title filter, which then never reads an article row.
CREATE INDEX articles_scope_newest ON articles (guild_id, added_at, id, title);
-- Newest first over every scope (the command line's list).
CREATE INDEX articles_newest ON articles (added_at, id);

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
