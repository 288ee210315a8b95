-- Country x top-level topic: focus articles mentioning the country and listing the topic, for the
-- given countries (second-level topics left out: they would repeat their parents); country_articles (the country's focus articles) lets callers turn counts into shares.
with country_totals as (
    select
        country_code,
        count(*) as country_articles
    from report_mentions
    where focus and list_contains($codes, country_code)
    group by country_code
)

select
    m.country_code,
    tp.topic_code,
    coalesce(any_value(t.label), tp.topic_code) as topic,
    count(*) as articles,
    any_value(ct.country_articles) as country_articles
from report_mentions as m
inner join report_topic_mentions as tp on tp.article_id = m.article_id
inner join country_totals as ct on ct.country_code = m.country_code
left join topics as t on t.code = tp.topic_code
where m.focus and t.parent is null
group by m.country_code, tp.topic_code
order by m.country_code, tp.topic_code;
