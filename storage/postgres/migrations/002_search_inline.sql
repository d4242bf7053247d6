-- The search vector is kept in the article's row (compressed there if it must be)
-- rather than in the TOAST table. Ranking reads every candidate's tsvector; from the
-- TOAST table each read is an index look-up and a few chunk reads, and at 100k
-- articles ranking the rows of one common word took about three times as long
-- (bench/README.md). The body, which only the page shown reads, stays out of line.
ALTER TABLE articles ALTER COLUMN search SET STORAGE MAIN;

-- Storage applies to rows written from now on: rewrite the stored ones once (an
-- update recomputes the generated column, which then lands in the row).
UPDATE articles SET title = title;
