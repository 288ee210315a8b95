-- One row per article with its story (tasks/stories groups near-duplicate and syndicated copies; an
-- article without a row in article_stories is a story of its own) and whether it is syndicated:
-- it belongs to a story first seen in another outlet. A story is first seen at the earliest publish
-- time of its articles (fetch time when missing), ties broken by article id; first_source_id is that
-- article's outlet. Sorts after article_days and before the views that use it.
-- Only the articles of article_shared_stories are grouped; every other one is a story of its own.
create or replace view article_syndication as
with members as (
    select
        a.article_id,
        a.source_id,
        sh.story_id,
        coalesce(a.published_at, a.fetched_at) as seen_at
    from article_shared_stories as sh
    inner join articles as a on a.article_id = sh.article_id
),

firsts as (
    select
        story_id,
        min(seen_at) as first_seen,
        first(source_id order by seen_at, article_id) as first_source_id
    from members
    group by story_id
)

select
    article_id,
    source_id,
    article_id as story_id,
    coalesce(published_at, fetched_at) as seen_at,
    coalesce(published_at, fetched_at) as first_seen,
    source_id as first_source_id,
    false as syndicated
from articles
where article_id not in (select article_id from article_shared_stories)
union all
select
    m.article_id,
    m.source_id,
    m.story_id,
    m.seen_at,
    f.first_seen,
    f.first_source_id,
    m.source_id <> f.first_source_id as syndicated
from members as m
inner join firsts as f on f.story_id = m.story_id;
