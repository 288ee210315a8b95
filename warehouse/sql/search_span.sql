-- The first and last day a search by period covers: the days asked, else those of the articles.
select
    coalesce($since, (select min(day) from article_days)) as first,
    coalesce($until, (select max(day) from article_days)) as last
