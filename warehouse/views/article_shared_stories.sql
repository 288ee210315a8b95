-- The articles that can share a story with another article, with their story: every article listed in
-- article_stories, and each story's first article when it has no row there itself. Any other article
-- is a story of its own (story_id = article_id), so the story views group only these rows and answer
-- the rest row by row: grouping all of a million articles by story cost most of those views' time.
-- Sorts after article_days and before article_syndication, which uses it.
create or replace view article_shared_stories as
select
    article_id,
    story_id
from article_stories
union all
select distinct
    story_id as article_id,
    story_id
from article_stories
where story_id not in (select article_id from article_stories);
