-- Number the tag rows that have no article number yet: rows loaded before their article was, and
-- rows loaded before the numbers existed (schema/005_article_numbers.sql). Each load runs this; it
-- finds nothing to do unless such rows exist.
update article_countries as t
set article_no = a.article_no
from articles as a
where t.article_no is null and a.article_id = t.article_id;

update article_topics as t
set article_no = a.article_no
from articles as a
where t.article_no is null and a.article_id = t.article_id;
