-- Per outlet and day: articles mentioning each country, and their share of the outlet's articles
-- that day (raw counts mislead when outlets publish at different rates).
create or replace view coverage_country_daily as
with outlet_days as (
    select
        day,
        source_id,
        count(*) as total
    from article_days
    group by day, source_id
),

country_days as (
    select
        d.day,
        d.source_id,
        ac.country_code,
        count(*) as articles,
        count(distinct coalesce(st.story_id, ac.article_id)) as stories
    from article_countries as ac
    inner join article_days as d on d.article_id = ac.article_id
    left join article_stories as st on st.article_id = ac.article_id
    group by d.day, d.source_id, ac.country_code
)

select
    c.day,
    c.source_id,
    c.country_code,
    c.articles,
    c.articles / o.total as share,
    c.stories
from country_days as c
inner join outlet_days as o on o.day = c.day and o.source_id = c.source_id;
