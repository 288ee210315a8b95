-- Country mentions of the report's articles, one row per article (row_key) and country; abroad:
-- the country is not the outlet's own (null when the outlet's country is unknown).
-- Joined on the article's number: an integer join, and the 32-character ids are not even read.
create or replace temp table report_mentions as
select
    a.row_key,
    a.source_id,
    a.day,
    a.focus,
    a.shared_story,
    ac.country_code,
    ac.country_code <> a.home as abroad
from report_articles as a
inner join article_countries as ac
    on ac.article_no = a.row_key;
