-- An integer number per article, copied onto its country and topic rows at load, so that the views
-- and the report join tag rows to articles on an integer rather than the 32-character article id
-- (at a million articles the id's scan and hashing were most of every such join). Warehouse-only:
-- derived at load, not in the lake. Tag rows whose article is not loaded have none.
alter table articles add column if not exists article_no bigint;
alter table article_countries add column if not exists article_no bigint;
alter table article_topics add column if not exists article_no bigint;

-- Articles loaded before the column existed.
update articles set article_no = rowid + 1 where article_no is null;
-- Their tag rows are numbered by the load (sql/number_tags.sql), which runs after every migration.
