-- Per-guild settings: the role whose members count as moderators.
CREATE TABLE guild_settings (
    guild_id      INTEGER PRIMARY KEY,
    mod_role_id   INTEGER,
    updated_at    TEXT NOT NULL
);
