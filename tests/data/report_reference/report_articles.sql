-- The report's articles: those of the period and outlet, flagged as "focus" when they mention the
-- country asked for (every article is in focus without a country filter). Kept as a temporary
-- table so the report's other queries read a few thousand rows instead of the whole warehouse.
-- story_id: the article's story (tasks/stories), the article itself when it has none.
create or replace temp table report_articles as
select
    d.article_id,
    d.source_id,
    d.day,
    d.language,
    coalesce(st.story_id, d.article_id) as story_id,
    $country is null
    or d.article_id in (
        select article_id
        from article_countries
        where country_code = $country
    ) as focus
from article_days as d
left join article_stories as st on st.article_id = d.article_id
where
    d.day between $first_day and $last_day
    and ($source is null or d.source_id = $source);
