-- An article already loaded (same canonical URL) keeps its first copy.
insert into articles by name
select * from read_parquet($path, hive_partitioning = false)
on conflict do nothing;
