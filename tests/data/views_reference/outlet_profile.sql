-- Home versus foreign coverage per outlet, over all its dated articles. home_share: fraction of
-- the outlet's articles mentioning its own country (sources.country); foreign_share: fraction
-- mentioning at least one other country. An article can count for both, or neither (no country
-- found), so the two need not add up to 1. Both are null when the outlet's country is unknown.
-- syndicated_share: fraction of its articles that joined a story first seen in another outlet.
create or replace view outlet_profile as
with outlet_articles as (
    select
        d.source_id,
        s.country as home,
        count(*) as articles
    from article_days as d
    left join sources as s on s.source_id = d.source_id
    group by d.source_id, s.country
),

mentions as (
    select
        d.source_id,
        ac.article_id,
        ac.country_code
    from article_countries as ac
    inner join article_days as d on d.article_id = ac.article_id
),

reach as (
    -- per article: whether it mentions the home country, and whether it mentions another one
    select
        m.source_id,
        bool_or(m.country_code = o.home) as mentions_home,
        bool_or(m.country_code <> o.home) as mentions_foreign
    from mentions as m
    inner join outlet_articles as o on o.source_id = m.source_id
    group by m.source_id, m.article_id
),

reach_counts as (
    select
        source_id,
        count(*) filter (where mentions_home) as home_articles,
        count(*) filter (where mentions_foreign) as foreign_articles
    from reach
    group by source_id
),

country_counts as (
    select
        source_id,
        country_code,
        count(*) as articles
    from mentions
    group by source_id, country_code
),

country_lists as (
    select
        source_id,
        count(*) as countries_covered,
        list(country_code order by articles desc, country_code)[1:5] as top_countries
    from country_counts
    group by source_id
),

syndication as (
    select
        source_id,
        count(*) filter (where syndicated) / count(*) as syndicated_share
    from article_syndication
    group by source_id
),

topic_lists as (
    select
        source_id,
        list(topic_code order by articles desc, topic_code)[1:5] as top_topics
    from (
        select
            d.source_id,
            tp.topic_code,
            count(*) as articles
        from article_topics as tp
        inner join article_days as d on d.article_id = tp.article_id
        group by d.source_id, tp.topic_code
    )
    group by source_id
)

select
    o.source_id,
    o.articles,
    coalesce(c.countries_covered, 0) as countries_covered,
    case when o.home is not null then coalesce(r.home_articles, 0) / o.articles end as home_share,
    case when o.home is not null then coalesce(r.foreign_articles, 0) / o.articles end as foreign_share,
    coalesce(c.top_countries, []) as top_countries,
    coalesce(t.top_topics, []) as top_topics,
    coalesce(y.syndicated_share, 0) as syndicated_share
from outlet_articles as o
left join reach_counts as r on r.source_id = o.source_id
left join country_lists as c on c.source_id = o.source_id
left join topic_lists as t on t.source_id = o.source_id
left join syndication as y on y.source_id = o.source_id;
