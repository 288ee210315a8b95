-- The newest matching articles.
select
    scoped.article_id,
    scoped.day,
    scoped.source_id as outlet,
    articles.title,
    articles.url
from scoped
inner join articles using (article_id)
where scoped.matched
order by coalesce(articles.published_at, articles.fetched_at) desc, scoped.article_id
limit $limit
