-- Delivery the way servers want it (issue 21); the same columns and tables as SQLite's
-- 011_feed_delivery.sql, so `newsbot db copy` moves them as they are.
ALTER TABLE feeds ADD COLUMN style TEXT NOT NULL DEFAULT 'card';
ALTER TABLE feeds ADD COLUMN template TEXT;
ALTER TABLE feeds ADD COLUMN ping_role BIGINT;
ALTER TABLE feeds ADD COLUMN ping_keywords TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN deliver TEXT NOT NULL DEFAULT 'channel';
ALTER TABLE feeds ADD COLUMN forum_tag BIGINT;
ALTER TABLE feeds ADD COLUMN publish INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN include_regex TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN exclude_regex TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN summary INTEGER NOT NULL DEFAULT 1;
ALTER TABLE feeds ADD COLUMN delivery_note TEXT;

CREATE TABLE feed_rule_counts (
    feed_id  BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    rule     TEXT NOT NULL,
    left_out INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (feed_id, rule)
);

CREATE TABLE feed_stories (
    guild_id    BIGINT NOT NULL,
    article_id  BIGINT NOT NULL,
    feed_id     BIGINT,
    source      TEXT NOT NULL,
    link        TEXT,
    opening     TEXT NOT NULL,
    posted_at   TEXT COLLATE "C" NOT NULL,
    channel_id  BIGINT,
    message_id  BIGINT,
    thread_id   BIGINT,
    content     TEXT,
    PRIMARY KEY (guild_id, article_id)
);
CREATE INDEX feed_stories_recent ON feed_stories (guild_id, posted_at);
CREATE INDEX feed_stories_thread ON feed_stories (thread_id);

-- A digest's style: card (the embeds, as before), compact or text.
ALTER TABLE digest_schedules ADD COLUMN style TEXT NOT NULL DEFAULT 'card';
