-- Co-coverage network: articles mentioning both countries, each pair once (country_a < country_b).
-- Counts every tagged article; no join to articles, which would double the cost for no change, and
-- joined on the article's number (article_no), an integer (tags of an article not loaded have none).
create or replace view country_pairs as
select
    a.country_code as country_a,
    b.country_code as country_b,
    count(*) as articles
from article_countries as a
inner join article_countries as b
    on b.article_no = a.article_no and a.country_code < b.country_code
group by a.country_code, b.country_code;
