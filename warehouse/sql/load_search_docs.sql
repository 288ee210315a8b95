-- As append_search_docs.sql for a file repeating loaded articles: the first copy stays, as in articles.
insert into search_docs
select article_id, any_value(hash(coalesce(title, ''), coalesce(text, ''))) as doc_key
from read_parquet($path, hive_partitioning = false)
where article_id not in (select article_id from search_docs)
group by article_id;
