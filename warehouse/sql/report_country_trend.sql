-- Daily share of the focus articles mentioning each of the given countries, zero-filled, so
-- every country gets one value per day of the period (a day without articles gets 0).
with days as (
    select cast(range as date) as day
    from range($first_day, $last_day + interval 1 day, interval 1 day)
),

day_totals as (
    select
        day,
        count(*) as total
    from report_articles
    where focus
    group by day
),

country_days as (
    select
        day,
        country_code,
        count(*) as articles
    from report_mentions
    where focus and list_contains($codes, country_code)
    group by day, country_code
)

select
    codes.country_code,
    d.day,
    coalesce(cd.articles, 0) as articles,
    coalesce(cd.articles / t.total, 0) as share
from days as d
cross join (select unnest($codes) as country_code) as codes
left join day_totals as t on t.day = d.day
left join country_days as cd on cd.day = d.day and cd.country_code = codes.country_code
order by codes.country_code, d.day;
