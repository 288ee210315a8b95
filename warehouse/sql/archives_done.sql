-- Archive files (WARC paths or URLs) a backfill read to their end and published.
select distinct url
from fetches
where kind = 'archive' and outcome = 'ok';
