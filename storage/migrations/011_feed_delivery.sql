-- Delivery the way servers want it (issue 21): how a feed's stories look, where they
-- land, whom they ping and which rules filter them; how many stories each rule left
-- out; and the stories posted per guild, for "also reported by" and /ask in a thread.
ALTER TABLE feeds ADD COLUMN style TEXT NOT NULL DEFAULT 'card';      -- card, compact, text
ALTER TABLE feeds ADD COLUMN template TEXT;                           -- placeholders {title} ...
ALTER TABLE feeds ADD COLUMN ping_role INTEGER;                       -- the one role a post may mention
ALTER TABLE feeds ADD COLUMN ping_keywords TEXT NOT NULL DEFAULT '';  -- comma-separated; '' pings every story
ALTER TABLE feeds ADD COLUMN deliver TEXT NOT NULL DEFAULT 'channel'; -- channel, thread, forum
ALTER TABLE feeds ADD COLUMN forum_tag INTEGER;
ALTER TABLE feeds ADD COLUMN publish INTEGER NOT NULL DEFAULT 0;      -- crosspost in an announcement channel
ALTER TABLE feeds ADD COLUMN include_regex TEXT NOT NULL DEFAULT '';  -- one pattern a line
ALTER TABLE feeds ADD COLUMN exclude_regex TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN summary INTEGER NOT NULL DEFAULT 1;      -- the summary under the title
ALTER TABLE feeds ADD COLUMN delivery_note TEXT;                      -- a problem that does not stop posting

-- Stories each rule left out, keyed by the rule as /feed list shows it.
CREATE TABLE feed_rule_counts (
    feed_id  INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    rule     TEXT NOT NULL,
    left_out INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (feed_id, rule)
);

-- One row per story posted for a guild (0: global feeds), whichever feed brought it.
CREATE TABLE feed_stories (
    guild_id    INTEGER NOT NULL,
    article_id  INTEGER NOT NULL,
    feed_id     INTEGER,
    source      TEXT NOT NULL,
    link        TEXT,
    opening     TEXT NOT NULL,
    posted_at   TEXT NOT NULL,                  -- UTC
    channel_id  INTEGER,
    message_id  INTEGER,
    thread_id   INTEGER,                        -- the story's own thread or forum post
    content     TEXT,
    PRIMARY KEY (guild_id, article_id)
);
CREATE INDEX feed_stories_recent ON feed_stories (guild_id, posted_at);
CREATE INDEX feed_stories_thread ON feed_stories (thread_id);

-- A digest's style: card (the embeds, as before), compact or text.
ALTER TABLE digest_schedules ADD COLUMN style TEXT NOT NULL DEFAULT 'card';
