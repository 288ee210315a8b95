-- An article already loaded (same canonical URL) keeps its first copy, and its number.
insert into articles by name
select
    f.*,
    (select coalesce(max(article_no), 0) from articles) + row_number() over () as article_no
from read_parquet($path, hive_partitioning = false) as f
on conflict do nothing;
