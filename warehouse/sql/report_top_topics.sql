-- Topics most listed by the focus articles, with their share of those articles: the top ones of
-- each level (top-level IPTC topics have no parent; second-level ones name theirs).
with focus_total as (
    select count(*) as total
    from report_articles
    where focus
),

counted as (
    -- grouped by code first, then labelled: a join to topics per row cost more than the count
    select
        m.topic_code,
        count(*) as articles,
        count(*) / any_value(f.total) as share,
        count(*) - count(m.shared_story) + count(distinct m.shared_story) as stories
    from report_topic_mentions as m
    cross join focus_total as f
    where m.focus
    group by m.topic_code
),

labelled as (
    select
        c.topic_code,
        coalesce(t.label, c.topic_code) as topic,
        c.articles,
        c.share,
        c.stories,
        t.parent as parent_code,
        p.label as parent
    from counted as c
    left join topics as t on t.code = c.topic_code
    left join topics as p on p.code = t.parent
)

select
    topic_code,
    topic,
    articles,
    share,
    stories,
    parent_code,
    parent
from labelled
qualify row_number() over (partition by parent_code is null order by articles desc, topic_code) <= $top
order by parent_code is not null, articles desc, topic_code;
