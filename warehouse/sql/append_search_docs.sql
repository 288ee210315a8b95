-- The articles of one lake file, keyed for the search index (load.py falls back to load_search_docs.sql).
insert into search_docs
select article_id, hash(coalesce(title, ''), coalesce(text, '')) as doc_key
from read_parquet($path, hive_partitioning = false);
