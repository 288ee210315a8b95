-- The report's articles: those of the period and outlet, flagged as "focus" when they mention the
-- country asked for (every article is in focus without a country filter). Kept as a temporary
-- table so the report's other queries read a few thousand rows instead of the whole warehouse.
-- shared_story: the article's story (tasks/stories) for the articles of article_shared_stories,
-- null for every other one, a story of its own: stories are counted as articles minus the repeats
-- among shared_story, which costs far less than a distinct count over every article.
-- home is the outlet's country (sources.country), which report_mentions compares each country with.
-- syndicated: the article joined a story first seen in another outlet (article_syndication).
-- row_key is the article's number (schema/005), so the mention tables join and carry an integer
-- instead of the article id; the id itself is not kept (a million 32-character strings to copy).
-- shared repeats the article_shared_stories view, so a warehouse whose views predate it still reports.
create or replace temp table report_articles as
with shared as (
    select
        article_id,
        story_id
    from article_stories
    union all
    select distinct
        story_id as article_id,
        story_id
    from article_stories
    where story_id not in (select article_id from article_stories)
)

select
    d.article_no as row_key,
    d.source_id,
    d.day,
    d.language,
    s.country as home,
    sh.story_id as shared_story,
    d.article_id in (
        select article_id
        from article_syndication
        where syndicated
    ) as syndicated,
    $country is null
    or d.article_id in (
        select article_id
        from article_countries
        where country_code = $country
    ) as focus
from article_days as d
left join shared as sh on sh.article_id = d.article_id
left join sources as s on s.source_id = d.source_id
where
    d.day between $first_day and $last_day
    and ($source is null or d.source_id = $source);
