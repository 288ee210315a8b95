-- One row per distinct content (doc_key) the search index lacks, with the title and text to index.
with missing as (
    select article_id, doc_key
    from search_docs
    where doc_key not in (select doc_key from search_indexed)
    qualify row_number() over (partition by doc_key order by article_id) = 1
)

select
    missing.doc_key,
    articles.title,
    articles.text
from missing
inner join articles using (article_id)
