-- Feed subscriptions, the items each feed has already handed over, and what was posted
-- to each channel.
--
-- A feed belongs to a guild, or is global (guild_id NULL, added from the command line).
-- One scope follows one normalised URL once.
CREATE TABLE feeds (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id         INTEGER,
    url              TEXT NOT NULL,
    url_norm         TEXT NOT NULL,
    title            TEXT,
    site_url         TEXT,
    channel_id       INTEGER,                   -- where new items are posted; NULL: store only
    include_words    TEXT NOT NULL DEFAULT '',  -- comma-separated
    exclude_words    TEXT NOT NULL DEFAULT '',
    interval_minutes INTEGER NOT NULL DEFAULT 15 CHECK (interval_minutes >= 5),
    server_minutes   INTEGER,                   -- the feed's ttl or Cache-Control max-age
    etag             TEXT,
    last_modified    TEXT,
    added_at         TEXT NOT NULL,             -- UTC
    added_by         INTEGER,
    primed_at        TEXT,                      -- UTC of the first poll that stored items
    last_polled      TEXT,
    next_poll        TEXT NOT NULL,             -- UTC; the poller takes feeds due by now
    last_status      TEXT,                      -- ok, not_modified, failed, ...
    last_detail      TEXT,
    failures         INTEGER NOT NULL DEFAULT 0, -- failed polls in a row
    paused           INTEGER NOT NULL DEFAULT 0,
    pause_reason     TEXT,
    posting_paused   TEXT                       -- why the channel gets nothing (deleted, no permission)
);

CREATE UNIQUE INDEX feeds_scope_url ON feeds (ifnull(guild_id, 0), url_norm);
CREATE INDEX feeds_due ON feeds (paused, next_poll);

-- An item is handed over once per feed: each item leaves one row per key (its guid
-- and its normalised link), so a changed guid or a changed link alone is still known.
CREATE TABLE feed_seen (
    feed_id     INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    item_key    TEXT NOT NULL,
    article_id  INTEGER,                        -- NULL: the item could not be stored
    detail      TEXT,                           -- why not, or where its text came from
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (feed_id, item_key)
);

-- One story is posted once per channel, whichever of the guild's feeds brought it.
-- The row is written before the message is sent and removed if sending fails.
CREATE TABLE feed_posted (
    channel_id  INTEGER NOT NULL,
    article_id  INTEGER NOT NULL,
    feed_id     INTEGER,
    posted_at   TEXT NOT NULL,
    PRIMARY KEY (channel_id, article_id)
);
