-- The articles a search counts: its day range, outlets, country, topic and language, each with its
-- day (as article_days defines it) and whether its content is among the registered search_hits.
-- Every search_by_*.sql and search_list.sql file is appended to this one. Matching articles are
-- found from the (usually few) hits, so the million-row side of every join is only probed.
with matching as (
    select article_id
    from search_docs
    where doc_key in (select doc_key from search_hits)
),

scoped as (
    select
        article_id,
        source_id,
        day,
        article_id in (select article_id from matching) as matched
    from article_days
    where
        ($since is null or day >= $since)
        and ($until is null or day <= $until)
        and (len($sources) = 0 or list_contains($sources, source_id))
        and ($country is null or article_id in (
            select article_id from article_countries where country_code = $country))
        and ($topic is null or article_id in (
            select article_id from article_topics where topic_code = $topic))
        and ($language is null or article_id in (
            select article_id from articles where language = $language))
)
