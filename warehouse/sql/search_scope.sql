-- The articles a search counts: its day range, outlets, country, topic and language, each with its
-- day (as article_days defines it) and whether its content is among the registered search_hits.
-- Every search_by_*.sql and search_list.sql file is appended to this one.
with hits as (
    select distinct doc_key from search_hits
),

scoped as (
    select
        article_days.article_id,
        article_days.source_id,
        article_days.day,
        hits.doc_key is not null as matched
    from article_days
    inner join search_docs using (article_id)
    left join hits using (doc_key)
    where
        ($since is null or article_days.day >= $since)
        and ($until is null or article_days.day <= $until)
        and (len($sources) = 0 or list_contains($sources, article_days.source_id))
        and ($country is null or article_days.article_id in (
            select article_id from article_countries where country_code = $country))
        and ($topic is null or article_days.article_id in (
            select article_id from article_topics where topic_code = $topic))
        and ($language is null or article_days.article_id in (
            select article_id from articles where language = $language))
)
