-- How many distinct contents the search index lacks (see search_unindexed.sql).
select count(distinct doc_key) as lacking
from search_docs
where doc_key not in (select doc_key from search_indexed)
