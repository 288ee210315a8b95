-- One row per story (a story of one article included): when and where it was first seen, how far it
-- spread (articles, outlets), the countries its articles mention (most-mentioned first), their
-- languages, and the title of its earliest article.
-- Stories of one article (any article not in article_shared_stories) are read row by row; only the
-- shared ones are grouped. A single article's countries are grouped and joined on the article's
-- number (article_no): integer keys cost far less than the 32-character id at a million rows.
-- stories_among(credited) gives every story, or with credited true only the stories that an
-- article credits to a news agency (articles.agencies), which story_agencies reads.
create or replace macro stories_among(credited) as table
with tagged as (
    -- the country rows to list: all, or (a branch pruned by the constant) those of credited articles
    select
        article_no,
        country_code
    from article_countries
    where not credited
    union all
    select
        article_no,
        country_code
    from article_countries
    where credited and article_no in (select article_no from articles where len(agencies) > 0)
),

single_countries as (
    -- one article's countries each count once, so they are listed by code; joined as text and split
    -- again (country codes hold no comma) because string_agg costs half of list at a million rows
    select
        article_no,
        string_agg(country_code, ',') as codes
    from tagged
    group by article_no
),

singles as (
    select
        a.article_id as story_id,
        coalesce(a.published_at, a.fetched_at) as first_seen,
        a.source_id as first_outlet,
        cast(1 as bigint) as articles,
        cast(1 as bigint) as outlets,
        coalesce(list_sort(string_split(c.codes, ',')), []) as countries,
        case when a.language is not null then [a.language] end as languages,
        a.title
    from articles as a
    left join single_countries as c on c.article_no = a.article_no
    where
        a.article_id not in (select article_id from article_shared_stories)
        and (not credited or len(a.agencies) > 0)
),

members as (
    select
        sh.story_id,
        a.article_id,
        a.source_id,
        coalesce(a.published_at, a.fetched_at) as seen_at,
        a.language,
        a.title,
        a.agencies
    from article_shared_stories as sh
    inner join articles as a on a.article_id = sh.article_id
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
),

shared as (
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
    group by m.story_id
    having bool_or(not credited or len(m.agencies) > 0)
)

select *
from singles
union all
select *
from shared;

create or replace view stories as
select *
from stories_among(false);
