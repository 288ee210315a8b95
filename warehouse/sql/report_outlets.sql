-- Per outlet over the period: articles, focus share (articles mentioning the filter country),
-- home and foreign shares as in the outlet_profile view, countries covered and the top five,
-- stories, and the share of syndicated articles (joined a story first seen in another outlet).
-- Stories are articles minus the repeats among shared stories; only articles of shared stories can
-- be syndicated. An article names a country once, so home_articles counts mention rows.
with outlet_articles as (
    select
        a.source_id,
        any_value(a.home) as home,
        count(*) as articles,
        count(*) filter (where a.focus) as focus_articles,
        count(*) - count(a.shared_story) + count(distinct a.shared_story) as stories,
        count(*) filter (where a.syndicated) as syndicated
    from report_articles as a
    group by a.source_id
),

reach as (
    -- articles naming a country other than home: each names a country once, so a distinct count of
    -- its non-home mentions, far cheaper than grouping the mentions by article
    select
        source_id,
        count(distinct row_key) as foreign_articles
    from report_mentions
    where abroad
    group by source_id
),

country_counts as (
    select
        source_id,
        country_code,
        count(*) as articles
    from report_mentions
    group by source_id, country_code
),

top_countries as (
    select
        c.source_id,
        count(*) as countries_covered,
        sum(c.articles) filter (where c.country_code = o.home) as home_articles,
        list(c.country_code order by c.articles desc, c.country_code)[1:5] as top_countries
    from country_counts as c
    inner join outlet_articles as o on o.source_id = c.source_id
    group by c.source_id
)

select
    o.source_id,
    coalesce(s.name, o.source_id) as name,
    o.home,
    o.articles,
    o.focus_articles / o.articles as focus_share,
    case when o.home is not null then coalesce(t.home_articles, 0) / o.articles end as home_share,
    case when o.home is not null then coalesce(r.foreign_articles, 0) / o.articles end as foreign_share,
    coalesce(t.countries_covered, 0) as countries_covered,
    coalesce(t.top_countries, []) as top_countries,
    o.stories,
    o.syndicated / o.articles as syndicated_share
from outlet_articles as o
left join sources as s on s.source_id = o.source_id
left join reach as r on r.source_id = o.source_id
left join top_countries as t on t.source_id = o.source_id
order by o.articles desc, o.source_id;
