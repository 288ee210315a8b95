-- Countries most mentioned by the focus articles, with their share of those articles
-- (the filter country itself, at 100 %, is left out).
with focus_total as (
    select count(*) as total
    from report_articles
    where focus
)

select
    m.country_code,
    coalesce(any_value(c.name), m.country_code) as country,
    count(*) as articles,
    count(*) / any_value(f.total) as share,
    count(*) - count(m.shared_story) + count(distinct m.shared_story) as stories
from report_mentions as m
cross join focus_total as f
left join countries as c on c.code = m.country_code
where m.focus and m.country_code is distinct from $country
group by m.country_code
order by articles desc, m.country_code
limit $top;
