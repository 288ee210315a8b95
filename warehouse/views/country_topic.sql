-- What each country is covered for: articles mentioning the country and listing the topic.
-- Counts every tagged article; no join to articles, which would double the cost for no change, and
-- joined on the article's number (article_no), an integer (tags of an article not loaded have none).
create or replace view country_topic as
select
    ac.country_code,
    tp.topic_code,
    count(*) as articles
from article_countries as ac
inner join article_topics as tp on tp.article_no = ac.article_no
group by ac.country_code, tp.topic_code;
