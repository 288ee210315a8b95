-- Wire credits per story: one row per story and agency credited by at least one of its articles
-- (articles.agencies), with how far that story spread. A copy that drops the credit still counts for
-- the story's spread, so an agency's reach shows even where outlets do not name it.
-- Only the shared stories (article_shared_stories) are grouped to count their credited articles; a
-- story of one article credits each of its agencies once (an article may repeat a credit), read row
-- by row from articles: going through article_syndication joined every article to articles again on
-- its id and counted distinct ids per credit, most of this view's time at a million articles.
create or replace view story_agencies as
with shared_credits as (
    select
        sh.story_id,
        sh.article_id,
        unnest(a.agencies) as agency
    from article_shared_stories as sh
    inner join articles as a on a.article_id = sh.article_id
    where len(a.agencies) > 0
),

single_credits as (
    select distinct
        article_id as story_id,
        unnest(agencies) as agency
    from articles
    where
        len(agencies) > 0
        and article_id not in (select article_id from article_shared_stories)
),

story_credits as (
    select
        story_id,
        agency,
        count(distinct article_id) as credited_articles
    from shared_credits
    group by story_id, agency
    union all
    select
        story_id,
        agency,
        cast(1 as bigint) as credited_articles
    from single_credits
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
