-- What members asked and how they rated the answers (issue 23), per guild. No member id
-- is stored: a vote keeps a hash of the member salted with its guild's own salt, enough
-- to keep one vote per member per answer and nothing to name them by. Both tables are
-- emptied of rows older than NEWSBOT_INSIGHTS_DAYS on a schedule.
CREATE TABLE asked_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    asked_at    TEXT NOT NULL,              -- UTC
    question    TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('answered', 'passages', 'not_found')),
    answer      TEXT,
    evidence    TEXT,
    article_id  INTEGER,                    -- the story it was answered from (no key: an
                                            -- article may go before its questions do)
    confidence  REAL NOT NULL DEFAULT 0,
    reader      TEXT NOT NULL
);
CREATE INDEX asked_guild_time ON asked_questions (guild_id, asked_at);
CREATE INDEX asked_time ON asked_questions (asked_at);

-- One vote per member per answer; voting again changes it.
CREATE TABLE answer_votes (
    question_id INTEGER NOT NULL REFERENCES asked_questions (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    member_hash TEXT NOT NULL,
    vote        INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at    TEXT NOT NULL,              -- UTC
    PRIMARY KEY (question_id, member_hash)
);
CREATE INDEX answer_votes_guild_time ON answer_votes (guild_id, voted_at);
CREATE INDEX answer_votes_time ON answer_votes (voted_at);

-- Each guild's salt for its members' hashes (random, made on its first vote).
CREATE TABLE insight_salts (
    guild_id    INTEGER PRIMARY KEY,
    salt        TEXT NOT NULL
);
