-- An integer number per article, copied onto its country and topic rows, so that the views and the
-- report join tag rows to articles on an integer rather than the 32-character article id (at a
-- million articles the id's scan and hashing were most of every such join). Warehouse-only: every
-- load numbers what it added (sql/number_articles.sql), so nothing of it is in the lake.
alter table articles add column if not exists article_no bigint;
alter table article_countries add column if not exists article_no bigint;
alter table article_topics add column if not exists article_no bigint;
