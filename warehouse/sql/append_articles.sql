-- The common case: no row of the file is loaded yet (load.py falls back to load_articles.sql).
-- New articles are numbered here, after the highest number (sql/number_articles.sql numbers any other).
insert into articles by name
select
    f.*,
    (select coalesce(max(article_no), 0) from articles) + row_number() over () as article_no
from read_parquet($path, hive_partitioning = false) as f;
