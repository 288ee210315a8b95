-- Headline counts of the report's period; stories: articles minus the repeats among shared stories.
select
    count(*) as articles,
    count(*) filter (where focus) as focus_articles,
    count(distinct source_id) as outlets,
    count(*) - count(shared_story) + count(distinct shared_story) as stories
from report_articles;
