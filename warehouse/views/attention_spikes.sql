-- Days when a country's coverage (articles from all outlets mentioning it) jumps against its
-- trailing 28-day median. The baseline counts only days on which the warehouse holds any article
-- at all (a day without any is a collection gap, not a lack of attention) and counts a covered
-- day without that country as 0.
-- A spike needs: at least 7 such days of history in the window, at least 5 articles, and
-- articles >= 3 x max(baseline, 1); ratio = articles / max(baseline, 1) (the floor of 1 keeps
-- the ratio finite for a country that was not covered before).
-- The table macro attention_spikes_since(first_day) gives the spikes from first_day on while
-- reading only the 28 days before it as history (the report uses it: a window cannot be filtered
-- from outside without computing it over everything); the view is the macro over all days.
create or replace macro attention_spikes_since(first_day) as table
with country_days as (
    select
        d.day,
        ac.country_code,
        count(*) as articles
    from article_countries as ac
    inner join article_days as d on d.article_no = ac.article_no
    where first_day is null or d.day >= first_day - interval 28 days
    group by d.day, ac.country_code
),

data_days as (
    select distinct day
    from article_days
    where first_day is null or day >= first_day - interval 28 days
),

covered_countries as (
    select distinct country_code
    from country_days
),

grid as (
    select
        dd.day,
        cc.country_code,
        coalesce(cd.articles, 0) as articles
    from data_days as dd
    cross join covered_countries as cc
    left join country_days as cd on cd.day = dd.day and cd.country_code = cc.country_code
),

baselines as (
    select
        day,
        country_code,
        articles,
        median(articles) over last_4_weeks as baseline,
        count(*) over last_4_weeks as history_days
    from grid
    window last_4_weeks as (
        partition by country_code
        order by day
        range between interval 28 days preceding and interval 1 day preceding
    )
)

select
    day,
    country_code,
    articles,
    baseline,
    articles / greatest(baseline, 1) as ratio
from baselines
where
    history_days >= 7
    and articles >= 5
    and articles >= 3 * greatest(baseline, 1)
    and (first_day is null or day >= first_day);

create or replace view attention_spikes as
select *
from attention_spikes_since(cast(null as date));
