-- Keep the validators of the latest successful fetch of each feed or sitemap.
with latest as (
    select url, etag, last_modified, fetched_at
    from read_parquet($path, hive_partitioning = false)
    where kind in ('feed', 'sitemap') and outcome = 'ok' and (etag is not null or last_modified is not null)
    qualify row_number() over (partition by url order by fetched_at desc) = 1
)
insert or replace into feed_state
select url, etag, last_modified, fetched_at from latest;
