-- Topics of the report's articles, one row per article (row_key) and topic (every topic listed),
-- with what report_top_topics and report_heatmap read.
-- Joined on hash(article_id) beside article_id: an integer first makes the join cheaper.
create or replace temp table report_topic_mentions as
select
    a.row_key,
    a.focus,
    a.shared_story,
    tp.topic_code
from report_articles as a
inner join article_topics as tp
    on hash(tp.article_id) = hash(a.article_id) and tp.article_id = a.article_id;
