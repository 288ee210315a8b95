-- Per outlet and day: articles in each language ('und' when it could not be told) and their share
-- of the outlet's articles that day.
create or replace view coverage_language_daily as
with language_days as (
    select
        day,
        source_id,
        language,
        count(*) as articles
    from article_days
    group by day, source_id, language
)

select
    day,
    source_id,
    language,
    articles,
    articles / sum(articles) over (partition by day, source_id) as share
from language_days;
