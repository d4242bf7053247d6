-- Summaries are made the first time an article is shown, not by a backfill at start
-- (SQLite's migration 015 says why): migration 002's partial index goes.
DROP INDEX IF EXISTS articles_no_summary;
