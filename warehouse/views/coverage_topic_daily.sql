-- Per outlet and day: articles listing each topic (every topic listed, not only the best one),
-- their share of the outlet's articles that day,
-- and the stories among them (copies of one story count once).
-- Counted as in coverage_country_daily: stories = articles minus the repeats among
-- article_shared_stories, joins on the article's number (article_no).
create or replace view coverage_topic_daily as
with outlet_days as (
    select
        day,
        source_id,
        count(*) as total
    from article_days
    group by day, source_id
),

topic_days as (
    select
        d.day,
        d.source_id,
        tp.topic_code,
        count(*) as articles
    from article_topics as tp
    inner join article_days as d
        on d.article_no = tp.article_no
    group by d.day, d.source_id, tp.topic_code
),

repeats as (
    select
        d.day,
        d.source_id,
        tp.topic_code,
        count(*) - count(distinct sh.story_id) as repeats
    from article_shared_stories as sh
    inner join article_topics as tp on tp.article_id = sh.article_id
    inner join article_days as d on d.article_id = sh.article_id
    group by d.day, d.source_id, tp.topic_code
)

select
    t.day,
    t.source_id,
    t.topic_code,
    t.articles,
    t.articles / o.total as share,
    t.articles - coalesce(r.repeats, 0) as stories
from topic_days as t
inner join outlet_days as o on o.day = t.day and o.source_id = t.source_id
left join repeats as r
    on r.day = t.day and r.source_id = t.source_id and r.topic_code = t.topic_code;
