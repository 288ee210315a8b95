-- The newest article day in the warehouse (null when it holds no article).
select max(day) as newest_day
from article_days;
