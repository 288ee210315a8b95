-- Matches and all articles per day, week (from Monday) or month.
select
    cast(date_trunc($unit, day) as date) as period,
    count(*) filter (where matched) as matches,
    count(*) as total,
    round(count(*) filter (where matched) / count(*), 6) as share
from scoped
group by period
order by period
