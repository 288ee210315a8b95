-- The index on fetches.url_key served no query: the skip-known lookup (sql/known_keys.sql) joins its
-- candidate keys to fetches by hash, scanning the column either way. Keeping the index up to date cost
-- every load that appends fetches (at a million rows about 2 s of CPU per fresh load of the lake,
-- a third of appending the fetches); a single-key lookup reads the column in ~25 ms without it.
drop index if exists fetches_url_key;
