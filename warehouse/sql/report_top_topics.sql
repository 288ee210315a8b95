-- Topics most listed by the focus articles, with their share of those articles.
with focus_total as (
    select count(*) as total
    from report_articles
    where focus
)

select
    m.topic_code,
    coalesce(any_value(t.label), m.topic_code) as topic,
    count(*) as articles,
    count(*) / any_value(f.total) as share,
    count(distinct m.story_id) as stories
from report_topic_mentions as m
cross join focus_total as f
left join topics as t on t.code = m.topic_code
where m.focus
group by m.topic_code
order by articles desc, m.topic_code
limit $top;
