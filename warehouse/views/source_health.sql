-- One row per source: is it working, and is it still publishing? Derived from what is loaded
-- (fetches, runs, articles), so it survives rebuilds. source_health_at(as_of) evaluates it at a
-- given time (tests pass a controlled clock); the view source_health evaluates it now.
--
-- A source counts as tried in a run when the run has fetch rows for it (a source skipped for
-- back-off has none). A try failed when none of its feeds or sitemaps answered, or, for a
-- source without listings, when every page fetch failed. status, first match wins:
--   failing  its last 2 or more tries all failed
--   new      fewer than 3 tries: too little history to judge
--   silent   its listings answer, but its newest article is older than its own usual quiet
--            spell allows: twice the longest gap between its articles over the 90 days
--            before that article, and at least a day (needs 5 articles in that window)
--   ok       otherwise
-- An article's time is its publish time, never later than when newsflow fetched it.
create or replace macro source_health_at(as_of) as table
with tries as (
    select
        f.source_id,
        f.run_id,
        coalesce(any_value(r.started_at), min(f.fetched_at)) as tried_at,
        count(*) filter (where f.kind <> 'page') as listings,
        count(*) filter (where f.kind <> 'page' and f.outcome in ('ok', 'not_modified')) as listings_ok,
        count(*) filter (where f.kind = 'page' and f.outcome <> 'failed') as pages_ok
    from fetches as f
    left join runs as r on r.run_id = f.run_id
    where f.source_id is not null
    group by f.source_id, f.run_id
),

judged as (
    select
        source_id,
        run_id,
        tried_at,
        case when listings > 0 then listings_ok = 0 else pages_ok = 0 end as failed
    from tries
),

try_stats as (
    select
        source_id,
        count(*) as tries,
        max(tried_at) as last_tried_at,
        max(tried_at) filter (where not failed) as last_success_at
    from judged
    group by source_id
),

streaks as (
    select
        j.source_id,
        count(*) filter (
            where j.failed and j.tried_at > coalesce(s.last_success_at, '-infinity'::timestamptz)
        ) as consecutive_failures
    from judged as j
    inner join try_stats as s on s.source_id = j.source_id
    group by j.source_id
),

errors as (
    select
        source_id,
        arg_max(url || ': ' || coalesce(reason, 'HTTP ' || status::varchar, 'failed'), fetched_at) as last_error,
        max(fetched_at) as last_error_at
    from fetches
    where outcome = 'failed' and source_id is not null
    group by source_id
),

moves as (
    -- the latest try's listings that answered through permanent redirects only
    select
        f.source_id,
        min(f.url) as moved_listing,
        arg_min(substr(f.reason, length('moved permanently to ') + 1), f.url) as suggested_url
    from fetches as f
    inner join judged as j on j.source_id = f.source_id and j.run_id = f.run_id
    inner join try_stats as s on s.source_id = j.source_id and s.last_tried_at = j.tried_at
    where f.kind <> 'page' and f.reason like 'moved permanently to %'
    group by f.source_id
),

stamped as (
    select
        source_id,
        least(coalesce(published_at, fetched_at), fetched_at) as stamp
    from articles
    where coalesce(published_at, fetched_at) is not null
),

newest as (
    select
        source_id,
        max(stamp) filter (where stamp <= as_of::timestamptz) as last_article_at,
        min(stamp) as first_article_at,
        count(*) filter (where stamp > as_of::timestamptz - interval 1 day and stamp <= as_of::timestamptz) as new_1d,
        count(*) filter (where stamp > as_of::timestamptz - interval 7 day and stamp <= as_of::timestamptz) as new_7d,
        count(*) filter (where stamp > as_of::timestamptz - interval 28 day and stamp <= as_of::timestamptz) as new_28d,
        count(*) filter (
            where stamp > as_of::timestamptz - interval 29 day and stamp <= as_of::timestamptz - interval 1 day
        ) as before_today
    from stamped
    group by source_id
),

gaps as (
    -- gaps between consecutive articles in the 90 days up to the source's newest one, in microseconds:
    -- interval arithmetic on a quarter of a million rows cost more than the window itself
    select
        s.source_id,
        epoch_us(s.stamp) - lag(epoch_us(s.stamp)) over (partition by s.source_id order by s.stamp) as gap_us
    from stamped as s
    inner join newest as n on n.source_id = s.source_id
    where s.stamp <= n.last_article_at and s.stamp >= n.last_article_at - interval 90 day
),

quiet as (
    select
        source_id,
        count(*) + 1 as recent_articles,
        -- the longest gap back as the interval a subtraction of times gives (days and a time of day):
        -- greatest() compares intervals field by field, so its form matters
        greatest(
            interval 1 day, (to_timestamp(0) + to_microseconds(max(gap_us)) - to_timestamp(0)) * 2
        ) as silent_after
    from gaps
    where gap_us is not null
    group by source_id
),

typical as (
    -- articles per day over the 28 days before the last 24 hours, over the days it has existed
    select
        source_id,
        before_today / greatest(1, least(28, date_diff(
            'day', first_article_at, as_of::timestamptz - interval 1 day
        ))) as typical_per_day
    from newest
)

select
    src.source_id,
    case
        when coalesce(k.consecutive_failures, 0) >= 2 then 'failing'
        when coalesce(t.tries, 0) < 3 then 'new'
        when coalesce(k.consecutive_failures, 0) = 0 and q.recent_articles >= 5
            and as_of::timestamptz - n.last_article_at > q.silent_after then 'silent'
        else 'ok'
    end as status,
    coalesce(k.consecutive_failures, 0) as consecutive_failures,
    coalesce(t.tries, 0) as tries,
    t.last_tried_at,
    t.last_success_at,
    n.last_article_at,
    coalesce(n.new_1d, 0) as new_1d,
    coalesce(n.new_7d, 0) as new_7d,
    coalesce(n.new_28d, 0) as new_28d,
    round(coalesce(ty.typical_per_day, 0), 2) as typical_per_day,
    round(epoch(q.silent_after) / 3600, 1) as silent_after_hours,
    e.last_error,
    e.last_error_at,
    m.moved_listing,
    m.suggested_url
from sources as src
left join try_stats as t on t.source_id = src.source_id
left join streaks as k on k.source_id = src.source_id
left join errors as e on e.source_id = src.source_id
left join moves as m on m.source_id = src.source_id
left join newest as n on n.source_id = src.source_id
left join quiet as q on q.source_id = src.source_id
left join typical as ty on ty.source_id = src.source_id;

create or replace view source_health as
select * from source_health_at(current_timestamp);
