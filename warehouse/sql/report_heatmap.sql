-- Country x top-level topic: focus articles mentioning the country and listing the topic, for the
-- given countries (second-level topics left out: they would repeat their parents); country_articles (the country's focus articles) lets callers turn counts into shares.
-- Both sides are cut to focus rows (top countries, top-level topics) before they are paired.
with country_totals as (
    select
        country_code,
        count(*) as country_articles
    from report_mentions
    where focus and list_contains($codes, country_code)
    group by country_code
),

top_level as (
    select
        tp.row_key,
        tp.topic_code,
        t.label
    from report_topic_mentions as tp
    left join topics as t on t.code = tp.topic_code
    where tp.focus and t.parent is null
),

pairs as (
    select
        m.country_code,
        tl.topic_code,
        count(*) as articles,
        any_value(tl.label) as label
    from report_mentions as m
    inner join top_level as tl on tl.row_key = m.row_key
    where m.focus and list_contains($codes, m.country_code)
    group by m.country_code, tl.topic_code
)

select
    p.country_code,
    p.topic_code,
    coalesce(p.label, p.topic_code) as topic,
    p.articles,
    ct.country_articles
from pairs as p
inner join country_totals as ct on ct.country_code = p.country_code
order by p.country_code, p.topic_code;
