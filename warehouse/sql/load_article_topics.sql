insert into article_topics by name
select * from read_parquet($path, hive_partitioning = false)
on conflict do nothing;
