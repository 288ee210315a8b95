-- Daily share of the report's articles that are in focus (mention the filter country), zero-filled.
with days as (
    select cast(range as date) as day
    from range($first_day, $last_day + interval 1 day, interval 1 day)
),

day_counts as (
    select
        day,
        count(*) filter (where focus) / count(*) as share
    from report_articles
    group by day
)

select
    d.day,
    coalesce(c.share, 0) as share
from days as d
left join day_counts as c on c.day = d.day
order by d.day;
