-- Articles one ingestion run added to the warehouse.
select count(*) as articles
from articles
where run_id = $run_id;
