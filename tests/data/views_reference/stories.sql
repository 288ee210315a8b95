-- One row per story (a story of one article included): when and where it was first seen, how far it
-- spread (articles, outlets), the countries its articles mention (most-mentioned first), their
-- languages, and the title of its earliest article.
create or replace view stories as
with members as (
    select
        x.story_id,
        x.article_id,
        x.source_id,
        x.seen_at,
        a.language,
        a.title
    from article_syndication as x
    inner join articles as a on a.article_id = x.article_id
),

country_counts as (
    select
        m.story_id,
        ac.country_code,
        count(*) as articles
    from members as m
    inner join article_countries as ac on ac.article_id = m.article_id
    group by m.story_id, ac.country_code
),

country_lists as (
    select
        story_id,
        list(country_code order by articles desc, country_code) as countries
    from country_counts
    group by story_id
)

select
    m.story_id,
    min(m.seen_at) as first_seen,
    first(m.source_id order by m.seen_at, m.article_id) as first_outlet,
    count(*) as articles,
    count(distinct m.source_id) as outlets,
    coalesce(any_value(c.countries), []) as countries,
    list_sort(list(distinct m.language) filter (where m.language is not null)) as languages,
    first(m.title order by m.seen_at, m.article_id) as title
from members as m
left join country_lists as c on c.story_id = m.story_id
group by m.story_id;
