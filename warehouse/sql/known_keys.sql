-- Which of the candidate URL keys were already fetched to a final outcome or are known articles.
with candidates as (
    select unnest($keys::varchar[]) as url_key
)
select c.url_key
from candidates c
where exists (
        select 1 from fetches f
        where f.url_key = c.url_key and f.outcome in ('article', 'duplicate', 'skipped')
    )
    or exists (select 1 from articles a where a.article_id = c.url_key);
