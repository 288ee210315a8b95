-- Share of the report's articles that are in focus (mention the filter country) per step of the
-- period ($bucket: day, week or month), zero-filled.
with buckets as (
    select distinct cast(date_trunc($bucket, cast(range as date)) as date) as bucket
    from range($first_day, $last_day + interval 1 day, interval 1 day)
),

bucket_counts as (
    select
        cast(date_trunc($bucket, day) as date) as bucket,
        count(*) filter (where focus) / count(*) as share
    from report_articles
    group by all
)

select
    b.bucket,
    coalesce(c.share, 0) as share
from buckets as b
left join bucket_counts as c on c.bucket = b.bucket
order by b.bucket;
