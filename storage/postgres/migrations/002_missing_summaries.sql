-- The summary backfill asks for "summary IS NULL ORDER BY id LIMIT 500" at every start
-- (SQLite's migration 009 says why). The planner would walk the primary key and filter
-- every row; this partial index holds only the articles still without a summary.
CREATE INDEX articles_no_summary ON articles (id) WHERE summary IS NULL;
