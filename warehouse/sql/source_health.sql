-- Every source's health at $as_of, problems first.
select *
from source_health_at($as_of::timestamptz)
order by
    case status when 'failing' then 0 when 'silent' then 1 when 'new' then 2 else 3 end,
    consecutive_failures desc,
    source_id;
