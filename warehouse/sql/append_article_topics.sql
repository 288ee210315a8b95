-- The common case: no row of the file is loaded yet (load.py falls back to load_article_topics.sql).
insert into article_topics by name
select * from read_parquet($path, hive_partitioning = false);
