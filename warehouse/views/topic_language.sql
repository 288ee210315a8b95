-- Topics per language over the whole warehouse: articles in each language listing each topic, and
-- their share of that language's articles.
create or replace view topic_language as
with language_totals as (
    select
        language,
        count(*) as total
    from article_days
    group by language
),

topic_counts as (
    select
        d.language,
        tp.topic_code,
        count(*) as articles
    from article_topics as tp
    inner join article_days as d on d.article_no = tp.article_no
    group by d.language, tp.topic_code
)

select
    t.language,
    t.topic_code,
    t.articles,
    t.articles / l.total as share
from topic_counts as t
inner join language_totals as l on l.language = t.language;
