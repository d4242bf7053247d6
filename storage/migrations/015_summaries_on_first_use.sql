-- Summaries are made the first time an article is shown (bot.app.articles, summary), not
-- by a backfill at every start: `newsbot import` stores articles without one, because
-- summarizing was half of an article's import. Nothing asks for "summary IS NULL" any
-- more, and migration 009's partial index would now hold every imported article and cost
-- each import an extra index write: it goes.
DROP INDEX IF EXISTS articles_no_summary;
