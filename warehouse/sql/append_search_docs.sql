-- The articles of one lake file, keyed for the search index (when the file repeats loaded articles,
-- load.py rolls back and runs load_articles.sql and load_search_docs.sql instead).
insert into search_docs
select article_id, hash(coalesce(title, ''), coalesce(text, '')) as doc_key
from read_parquet($path, hive_partitioning = false);
