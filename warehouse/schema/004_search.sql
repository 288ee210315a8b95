-- The search index's key per article: a 64-bit hash of its title and text, so articles with the same
-- content share one document in the index beside the warehouse (warehouse/search_index.py). The load
-- writes one row per article with the article itself; no primary key, as keeping one costs the load
-- more than hashing every text does (the load adds a row for each article it adds, and only then).
create table if not exists search_docs (
    article_id  varchar not null,
    doc_key     ubigint not null
);

-- Articles loaded before this table existed.
insert into search_docs
select article_id, hash(coalesce(title, ''), coalesce(text, '')) as doc_key
from articles;
