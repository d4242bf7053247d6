-- Each article's extractive summary (a JSON list of sentences), computed when it is
-- stored. Rows stored before this migration have NULL and are filled at start-up.
ALTER TABLE articles ADD COLUMN summary TEXT;
