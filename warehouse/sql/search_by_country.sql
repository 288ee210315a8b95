-- Matches and all articles per country the articles are tagged with (an article counts for each).
select
    article_countries.country_code as country,
    count(*) filter (where scoped.matched) as matches,
    count(*) as total,
    round(count(*) filter (where scoped.matched) / count(*), 6) as share
from scoped
inner join article_countries using (article_id)
group by country
order by matches desc, total desc, country
