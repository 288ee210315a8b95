-- Countries most mentioned by the focus articles, with their share of those articles
-- (the filter country itself, at 100 %, is left out). Counted per code first, then named: a join
-- to countries per mention cost more than the count.
with focus_total as (
    select count(*) as total
    from report_articles
    where focus
),

counted as (
    select
        m.country_code,
        count(*) as articles,
        count(*) / any_value(f.total) as share,
        count(*) - count(m.shared_story) + count(distinct m.shared_story) as stories
    from report_mentions as m
    cross join focus_total as f
    where m.focus and m.country_code is distinct from $country
    group by m.country_code
)

select
    c.country_code,
    coalesce(n.name, c.country_code) as country,
    c.articles,
    c.share,
    c.stories
from counted as c
left join countries as n on n.code = c.country_code
order by c.articles desc, c.country_code
limit $top;
