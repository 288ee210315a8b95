-- Topics most covered by one run's articles.
select
    tp.topic_code,
    coalesce(t.label, tp.topic_code) as topic,
    count(*) as articles
from article_topics tp
join articles a using (article_id)
left join topics t on t.code = tp.topic_code
where a.run_id = $run_id
group by all
order by articles desc, tp.topic_code
limit $n;
