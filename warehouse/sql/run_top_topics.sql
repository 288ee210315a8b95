-- Topics most covered by one run's articles.
select
    at.topic_code,
    coalesce(t.label, at.topic_code) as topic,
    count(*) as articles
from article_topics at
join articles a using (article_id)
left join topics t on t.code = at.topic_code
where a.run_id = $run_id
group by all
order by articles desc, at.topic_code
limit $n;
