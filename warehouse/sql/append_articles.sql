-- The common case: no row of the file is loaded yet (load.py falls back to load_articles.sql).
insert into articles by name
select * from read_parquet($path, hive_partitioning = false);
