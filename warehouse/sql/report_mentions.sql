-- Country mentions of the report's articles, one row per article (row_key) and country.
-- Joined on hash(article_id) beside article_id: an integer first makes the join cheaper.
create or replace temp table report_mentions as
select
    a.row_key,
    a.source_id,
    a.day,
    a.focus,
    a.shared_story,
    ac.country_code
from report_articles as a
inner join article_countries as ac
    on hash(ac.article_id) = hash(a.article_id) and ac.article_id = a.article_id;
