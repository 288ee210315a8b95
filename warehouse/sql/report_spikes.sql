-- Attention spikes (all outlets) within the period, strongest first.
select
    s.day,
    s.country_code,
    coalesce(c.name, s.country_code) as country,
    s.articles,
    s.baseline,
    s.ratio
from attention_spikes_since(cast($first_day as date)) as s
left join countries as c on c.code = s.country_code
where
    s.day <= $last_day
    and ($country is null or s.country_code = $country)
order by s.ratio desc, s.articles desc, s.day desc, s.country_code
limit $top;
