-- The common case: no row of the file is loaded yet (load.py falls back to load_article_stories.sql).
insert into article_stories by name
select * from read_parquet($path, hive_partitioning = false);
