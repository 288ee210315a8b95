-- The common case: no row of the file is loaded yet (load.py falls back to load_article_countries.sql).
insert into article_countries by name
select * from read_parquet($path, hive_partitioning = false);
