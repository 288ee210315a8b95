-- Matches and all articles per outlet, most matches first.
select
    source_id as outlet,
    count(*) filter (where matched) as matches,
    count(*) as total,
    round(count(*) filter (where matched) / count(*), 6) as share
from scoped
group by outlet
order by matches desc, total desc, outlet
