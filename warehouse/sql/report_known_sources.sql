-- Outlet ids the warehouse knows, from the sources table and from articles.
select source_id
from sources
union
select distinct source_id
from articles
order by source_id;
