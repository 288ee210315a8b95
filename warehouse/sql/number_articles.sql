-- Number the articles that have none (loads number theirs as they insert them; this catches rows
-- from before the numbers existed), after the highest one, then copy the numbers onto the tag rows
-- that have none (rows loaded since, or before their article). Every load runs this once after its
-- files, so an interrupted load is numbered by the next one; with nothing new it finds nothing to do.
update articles as a
set article_no = n.top + n.position
from (
    select
        article_id,
        (select coalesce(max(article_no), 0) from articles) as top,
        row_number() over (order by rowid) as position
    from articles
    where article_no is null
) as n
where a.article_id = n.article_id;

update article_countries as t
set article_no = a.article_no
from articles as a
where t.article_no is null and a.article_id = t.article_id;

update article_topics as t
set article_no = a.article_no
from articles as a
where t.article_no is null and a.article_id = t.article_id;
