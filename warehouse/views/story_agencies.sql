-- Wire credits per story: one row per story and agency credited by at least one of its articles
-- (articles.agencies), with how far that story spread. A copy that drops the credit still counts for
-- the story's spread, so an agency's reach shows even where outlets do not name it.
create or replace view story_agencies as
with credits as (
    select
        x.story_id,
        x.article_id,
        unnest(a.agencies) as agency
    from article_syndication as x
    inner join articles as a on a.article_id = x.article_id
    where len(a.agencies) > 0
),

story_credits as (
    select
        story_id,
        agency,
        count(distinct article_id) as credited_articles
    from credits
    group by story_id, agency
)

select
    c.agency,
    c.story_id,
    s.first_seen,
    s.first_outlet,
    s.title,
    c.credited_articles,
    s.articles,
    s.outlets,
    s.countries
from story_credits as c
inner join stories_among(true) as s on s.story_id = c.story_id;
