-- Rows already loaded keep their first copy; each carries its article's number (null while the
-- article is not loaded).
insert into article_topics by name
select
    f.*,
    a.article_no
from read_parquet($path, hive_partitioning = false) as f
left join articles as a on a.article_id = f.article_id
on conflict do nothing;
