-- The search vector is kept in the article's row rather than in the TOAST table.
-- Ranking reads every candidate's tsvector; from the TOAST table each read is an
-- index look-up and a few chunk reads, and at 100k articles ranking the rows of one
-- common word took about three times as long (bench/README.md).
ALTER TABLE articles ALTER COLUMN search SET STORAGE MAIN;

-- A row whose vector alone is over the 2 kB toasting threshold would otherwise have
-- every other text column moved out of line too, so the short ones stay in the row
-- as well (autocomplete reads 2,000 titles; out of line it took three times as long).
-- Only the body, which only the article shown reads, goes to the TOAST table.
ALTER TABLE articles
    ALTER COLUMN url SET STORAGE MAIN,
    ALTER COLUMN url_norm SET STORAGE MAIN,
    ALTER COLUMN title SET STORAGE MAIN,
    ALTER COLUMN source SET STORAGE MAIN,
    ALTER COLUMN author SET STORAGE MAIN,
    ALTER COLUMN published SET STORAGE MAIN,
    ALTER COLUMN added_at SET STORAGE MAIN,
    ALTER COLUMN content_hash SET STORAGE MAIN,
    ALTER COLUMN summary SET STORAGE MAIN;

-- Storage applies to rows written from now on: rewrite the stored ones once (an
-- update recomputes the generated column, and the row is laid out anew).
UPDATE articles SET title = title;
