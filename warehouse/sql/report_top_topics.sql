-- Topics most listed by the focus articles, with their share of those articles: the top ones of
-- each level (top-level IPTC topics have no parent; second-level ones name theirs).
with focus_total as (
    select count(*) as total
    from report_articles
    where focus
),

counted as (
    select
        m.topic_code,
        coalesce(any_value(t.label), m.topic_code) as topic,
        count(*) as articles,
        count(*) / any_value(f.total) as share,
        count(*) - count(m.shared_story) + count(distinct m.shared_story) as stories,
        any_value(t.parent) as parent_code,
        any_value(p.label) as parent
    from report_topic_mentions as m
    cross join focus_total as f
    left join topics as t on t.code = m.topic_code
    left join topics as p on p.code = t.parent
    where m.focus
    group by m.topic_code
)

select
    topic_code,
    topic,
    articles,
    share,
    stories,
    parent_code,
    parent
from counted
qualify row_number() over (partition by parent_code is null order by articles desc, topic_code) <= $top
order by parent_code is not null, articles desc, topic_code;
