-- Countries most covered by one run's articles.
select
    ac.country_code,
    coalesce(c.name, ac.country_code) as country,
    count(*) as articles
from article_countries ac
join articles a using (article_id)
left join countries c on c.code = ac.country_code
where a.run_id = $run_id
group by all
order by articles desc, ac.country_code
limit $n;
