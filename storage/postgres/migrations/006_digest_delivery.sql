-- Where a digest lands (issue 21); the same columns as SQLite's 013_digest_delivery.sql,
-- so `newsbot db copy` moves them as they are.
ALTER TABLE digest_schedules ADD COLUMN deliver TEXT NOT NULL DEFAULT 'channel';
ALTER TABLE digest_schedules ADD COLUMN forum_tag BIGINT;
ALTER TABLE digest_schedules ADD COLUMN publish INTEGER NOT NULL DEFAULT 0;
ALTER TABLE digest_schedules ADD COLUMN delivery_note TEXT;
