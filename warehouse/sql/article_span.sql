-- First and last article day: the span of a search by period without --since or --until, named by an empty report.
select min(day) as first, max(day) as last
from article_days
