-- Topics of the report's articles, one row per article (row_key) and topic (every topic listed),
-- with what report_top_topics and report_heatmap read.
-- Joined on the article's number: an integer join, and the 32-character ids are not even read.
create or replace temp table report_topic_mentions as
select
    a.row_key,
    a.focus,
    a.shared_story,
    tp.topic_code
from report_articles as a
inner join article_topics as tp
    on tp.article_no = a.row_key;
