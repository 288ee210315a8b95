-- Countries per language over the whole warehouse: articles in each language mentioning each
-- country, and their share of that language's articles (what each language's press covers).
create or replace view country_language as
with language_totals as (
    select
        language,
        count(*) as total
    from article_days
    group by language
),

country_counts as (
    select
        d.language,
        ac.country_code,
        count(*) as articles
    from article_countries as ac
    inner join article_days as d on d.article_no = ac.article_no
    group by d.language, ac.country_code
)

select
    c.language,
    c.country_code,
    c.articles,
    c.articles / t.total as share
from country_counts as c
inner join language_totals as t on t.language = c.language;
