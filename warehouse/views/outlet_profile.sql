-- Home versus foreign coverage per outlet, over all its dated articles. home_share: fraction of
-- the outlet's articles mentioning its own country (sources.country); foreign_share: fraction
-- mentioning at least one other country. An article can count for both, or neither (no country
-- found), so the two need not add up to 1. Both are null when the outlet's country is unknown.
-- syndicated_share: fraction of its articles that joined a story first seen in another outlet.
-- dated is article_days' articles (a publish or fetch time); mentions and topics are joined to them
-- on the article's number (article_no), an integer join that reads no 32-character id.
create or replace view outlet_profile as
with dated as (
    select
        article_no,
        source_id
    from articles
    where epoch_us(coalesce(published_at, fetched_at)) is not null
),

outlet_articles as (
    select
        d.source_id,
        s.country as home,
        count(*) as articles
    from dated as d
    left join sources as s on s.source_id = d.source_id
    group by d.source_id, s.country
),

mentions as (
    select
        d.source_id,
        d.article_no,
        ac.country_code
    from article_countries as ac
    inner join dated as d on d.article_no = ac.article_no
),

foreign_counts as (
    -- articles naming a country other than home: an article names a country once, so a distinct
    -- count of the non-home mentions' articles, far cheaper than grouping every mention by article
    select
        m.source_id,
        count(distinct m.article_no) as foreign_articles
    from mentions as m
    inner join outlet_articles as o on o.source_id = m.source_id
    where m.country_code <> o.home
    group by m.source_id
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
    -- an article names each country once, so the home country's mentions are its home articles
    select
        c.source_id,
        count(*) as countries_covered,
        sum(c.articles) filter (where c.country_code = o.home) as home_articles,
        list(c.country_code order by c.articles desc, c.country_code)[1:5] as top_countries
    from country_counts as c
    inner join outlet_articles as o on o.source_id = c.source_id
    group by c.source_id
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
        inner join dated as d on d.article_no = tp.article_no
        group by d.source_id, tp.topic_code
    )
    group by source_id
)

select
    o.source_id,
    o.articles,
    coalesce(c.countries_covered, 0) as countries_covered,
    case when o.home is not null then coalesce(c.home_articles, 0) / o.articles end as home_share,
    case when o.home is not null then coalesce(f.foreign_articles, 0) / o.articles end as foreign_share,
    coalesce(c.top_countries, []) as top_countries,
    coalesce(t.top_topics, []) as top_topics,
    coalesce(y.syndicated_share, 0) as syndicated_share
from outlet_articles as o
left join foreign_counts as f on f.source_id = o.source_id
left join country_lists as c on c.source_id = o.source_id
left join topic_lists as t on t.source_id = o.source_id
left join syndication as y on y.source_id = o.source_id;
