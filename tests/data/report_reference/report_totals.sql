-- Headline counts of the report's period.
select
    count(*) as articles,
    count(*) filter (where focus) as focus_articles,
    count(distinct source_id) as outlets,
    count(distinct story_id) as stories
from report_articles;
