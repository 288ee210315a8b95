-- One row per article with its story (tasks/stories groups near-duplicate and syndicated copies; an
-- article without a row in article_stories is a story of its own) and whether it is syndicated:
-- it belongs to a story first seen in another outlet. A story is first seen at the earliest publish
-- time of its articles (fetch time when missing), ties broken by article id; first_source_id is that
-- article's outlet. Sorts after article_days and before the views that use it.
create or replace view article_syndication as
with members as (
    select
        a.article_id,
        a.source_id,
        coalesce(s.story_id, a.article_id) as story_id,
        coalesce(a.published_at, a.fetched_at) as seen_at
    from articles as a
    left join article_stories as s on s.article_id = a.article_id
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
    m.article_id,
    m.source_id,
    m.story_id,
    m.seen_at,
    f.first_seen,
    f.first_source_id,
    m.source_id <> f.first_source_id as syndicated
from members as m
inner join firsts as f on f.story_id = m.story_id;
