-- Country mentions of the report's articles, one row per article and country.
create or replace temp table report_mentions as
select
    a.article_id,
    a.source_id,
    a.day,
    a.focus,
    a.story_id,
    ac.country_code
from report_articles as a
inner join article_countries as ac on ac.article_id = a.article_id;
