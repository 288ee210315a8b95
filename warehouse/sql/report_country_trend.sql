-- Share of the focus articles mentioning each of the given countries per step of the period
-- ($bucket: day, week or month; weeks start on Monday), zero-filled, so every country gets one
-- value per step (a step without articles gets 0).
with buckets as (
    select distinct cast(date_trunc($bucket, cast(range as date)) as date) as bucket
    from range($first_day, $last_day + interval 1 day, interval 1 day)
),

bucket_totals as (
    select
        cast(date_trunc($bucket, day) as date) as bucket,
        count(*) as total
    from report_articles
    where focus
    group by all
),

country_buckets as (
    select
        cast(date_trunc($bucket, day) as date) as bucket,
        country_code,
        count(*) as articles
    from report_mentions
    where focus and list_contains($codes, country_code)
    group by all
)

select
    codes.country_code,
    b.bucket,
    coalesce(cb.articles, 0) as articles,
    coalesce(cb.articles / t.total, 0) as share
from buckets as b
cross join (select unnest($codes) as country_code) as codes
left join bucket_totals as t on t.bucket = b.bucket
left join country_buckets as cb on cb.bucket = b.bucket and cb.country_code = codes.country_code
order by codes.country_code, b.bucket;
