-- What each digest actually put in its channel, one row per article, written as soon as
-- Discord accepts the message that holds it. A digest that stops part-way (a transient
-- error on message 2, a restart while posting) leaves its first messages recorded here,
-- so the next run posts the rest and only the rest.
--
-- A run's articles are excluded from later digests until a digest is posted in full
-- (digest_runs.status = 'posted'): the window then starts after it. Rows are kept as the
-- record of what was posted.
CREATE TABLE digest_posted (
    run_id      INTEGER NOT NULL REFERENCES digest_runs (id),
    guild_id    INTEGER NOT NULL,
    article_id  INTEGER NOT NULL,
    posted_at   TEXT NOT NULL,                 -- UTC, when Discord accepted the message
    PRIMARY KEY (run_id, article_id)
);

CREATE INDEX digest_posted_guild_run ON digest_posted (guild_id, run_id);
