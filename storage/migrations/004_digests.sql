-- Digest schedules (one per guild) and the log of every digest slot.
--
-- digest_runs is UNIQUE on (guild_id, slot) for scheduled slots: a slot is claimed by
-- inserting its row *before* anything is posted, so a restart, a reconnect or two
-- overlapping triggers can never post the same scheduled digest twice. Manual runs
-- (/digest now) are logged too but never collide with a scheduled slot.
CREATE TABLE digest_schedules (
    guild_id      INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL,
    time_of_day   TEXT NOT NULL,               -- wall-clock "HH:MM" (or "HH:MM:SS") in timezone
    timezone      TEXT NOT NULL,               -- IANA name, e.g. Europe/London
    days          TEXT NOT NULL,               -- canonical "mon,tue,...", in week order
    max_articles  INTEGER NOT NULL DEFAULT 10 CHECK (max_articles BETWEEN 1 AND 50),
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'off')),
    pause_reason  TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,  -- delivery failures in a row
    active_since  TEXT NOT NULL,               -- UTC; slots before it are not owed
    updated_at    TEXT NOT NULL,
    updated_by    INTEGER
);

CREATE TABLE digest_runs (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    slot          TEXT NOT NULL,               -- UTC instant of the scheduled time (or of /digest now)
    kind          TEXT NOT NULL CHECK (kind IN ('scheduled', 'catch-up', 'manual')),
    status        TEXT NOT NULL CHECK (status IN
                    ('claimed', 'posted', 'empty', 'missed', 'failed', 'interrupted')),
    channel_id    INTEGER,
    articles      INTEGER NOT NULL DEFAULT 0,
    covers_until  TEXT,                        -- UTC; a posted digest holds articles added up to here
    detail        TEXT,
    claimed_at    TEXT NOT NULL,
    finished_at   TEXT
);

CREATE UNIQUE INDEX digest_runs_one_per_slot ON digest_runs (guild_id, slot)
    WHERE kind != 'manual';

CREATE INDEX digest_runs_guild_claimed ON digest_runs (guild_id, claimed_at);
