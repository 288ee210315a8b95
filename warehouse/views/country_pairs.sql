-- Co-coverage network: articles mentioning both countries, each pair once (country_a < country_b).
-- Counts every tagged article; no join to articles, which would double the cost for no change.
create or replace view country_pairs as
select
    a.country_code as country_a,
    b.country_code as country_b,
    count(*) as articles
from article_countries as a
inner join article_countries as b
    on b.article_id = a.article_id and a.country_code < b.country_code
group by a.country_code, b.country_code;
