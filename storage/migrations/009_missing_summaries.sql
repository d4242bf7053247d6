-- The summary backfill (`ArticleStore.missing_summaries`, run by every `NewsDesk.open`:
-- the bot's start and each CLI command) asks for "summary IS NULL ORDER BY id LIMIT 500".
-- No index served it, so each start read the whole table: at 1M articles, 750,000 pages
-- and 1.3 s before `newsbot show 5` printed anything. This partial index holds only the
-- articles still without a summary (none, once the backfill has run), so the question
-- costs one empty index read whatever the store's size.
CREATE INDEX articles_no_summary ON articles (id) WHERE summary IS NULL;
