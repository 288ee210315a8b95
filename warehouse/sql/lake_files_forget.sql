-- Drop the load records of lake files merged into a compacted file (same transaction as its record).
delete from lake_files
where list_contains($paths::varchar[], path);
