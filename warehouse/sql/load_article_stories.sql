-- An article keeps the story it was first given.
insert into article_stories by name
select * from read_parquet($path, hive_partitioning = false)
on conflict do nothing;
