-- Per outlet and day: articles listing each topic (every topic listed, not only the best one),
-- their share of the outlet's articles that day,
-- and the stories among them (copies of one story count once).
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
        count(*) as articles,
        count(distinct coalesce(st.story_id, tp.article_id)) as stories
    from article_topics as tp
    inner join article_days as d on d.article_id = tp.article_id
    left join article_stories as st on st.article_id = tp.article_id
    group by d.day, d.source_id, tp.topic_code
)

select
    t.day,
    t.source_id,
    t.topic_code,
    t.articles,
    t.articles / o.total as share,
    t.stories
from topic_days as t
inner join outlet_days as o on o.day = t.day and o.source_id = t.source_id;
