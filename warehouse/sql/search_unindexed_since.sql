-- As search_unindexed.sql, reading only the articles from row $since on (the rows added by loads
-- since the index last read the table); the key is computed as the load computes search_docs'.
with added as (
    select
        rowid as position,
        hash(coalesce(title, ''), coalesce(text, '')) as doc_key,
        title,
        text
    from articles
    where rowid >= $since
)

select
    doc_key,
    title,
    text
from added
where doc_key not in (select doc_key from search_indexed)
qualify row_number() over (partition by doc_key order by position) = 1
