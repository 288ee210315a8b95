-- Topics of the report's articles, one row per article and topic (every topic listed).
create or replace temp table report_topic_mentions as
select
    a.article_id,
    a.source_id,
    a.day,
    a.focus,
    a.story_id,
    tp.topic_code
from report_articles as a
inner join article_topics as tp on tp.article_id = a.article_id;
