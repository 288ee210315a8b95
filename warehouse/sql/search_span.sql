-- The first and last day of the articles: a search by period without --since or --until spans them.
select min(day) as first, max(day) as last
from article_days
