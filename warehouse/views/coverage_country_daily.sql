-- Per outlet and day: articles mentioning each country, and their share of the outlet's articles
-- that day (raw counts mislead when outlets publish at different rates), and the stories among
-- them (copies of one story count once).
-- stories = articles minus the repeats, counted only over article_shared_stories (the articles that
-- can share a story): a distinct count over every row cost more than the rest of the view.
-- Joins on the article's number (article_no): an integer join reads no 32-character id.
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
        count(*) as articles
    from article_countries as ac
    inner join article_days as d
        on d.article_no = ac.article_no
    group by d.day, d.source_id, ac.country_code
),

repeats as (
    select
        d.day,
        d.source_id,
        ac.country_code,
        count(*) - count(distinct sh.story_id) as repeats
    from article_shared_stories as sh
    inner join article_countries as ac on ac.article_id = sh.article_id
    inner join article_days as d on d.article_id = sh.article_id
    group by d.day, d.source_id, ac.country_code
)

select
    c.day,
    c.source_id,
    c.country_code,
    c.articles,
    c.articles / o.total as share,
    c.articles - coalesce(r.repeats, 0) as stories
from country_days as c
inner join outlet_days as o on o.day = c.day and o.source_id = c.source_id
left join repeats as r
    on r.day = c.day and r.source_id = c.source_id and r.country_code = c.country_code;
