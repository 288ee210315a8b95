-- Per outlet over the period, and for all outlets together (source_id null): articles per language
-- and their share of the outlet's articles; outlets in the order of the outlets table.
with counted as (
    select
        source_id,
        language,
        count(*) as articles
    from report_articles
    group by grouping sets ((source_id, language), (language))
),

shared as (
    select
        source_id,
        language,
        articles,
        articles / sum(articles) over (partition by source_id) as share,
        sum(articles) over (partition by source_id) as outlet_articles
    from counted
)

select
    c.source_id,
    coalesce(s.name, c.source_id, 'all outlets') as name,
    c.language,
    c.articles,
    c.share
from shared as c
left join sources as s on s.source_id = c.source_id
order by c.source_id is not null, c.outlet_articles desc, c.source_id, c.articles desc, c.language;
