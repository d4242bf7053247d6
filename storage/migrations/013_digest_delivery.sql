-- Where a digest lands (issue 21), as a feed's stories do: in its channel (as before), in
-- the channel with a thread opened on it, as a forum post (with an optional tag), and
-- published to following servers from an announcement channel; a publishing problem that
-- does not stop posting is a note /digest show gives.
ALTER TABLE digest_schedules ADD COLUMN deliver TEXT NOT NULL DEFAULT 'channel'; -- channel, thread, forum
ALTER TABLE digest_schedules ADD COLUMN forum_tag INTEGER;
ALTER TABLE digest_schedules ADD COLUMN publish INTEGER NOT NULL DEFAULT 0;
ALTER TABLE digest_schedules ADD COLUMN delivery_note TEXT;
