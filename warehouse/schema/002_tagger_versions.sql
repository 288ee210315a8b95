-- The tagger version that wrote each tag row ("countries/2", "topics/3"); null for rows loaded
-- from lake files written before versions were recorded.
alter table article_countries add column if not exists tagger varchar;
alter table article_topics add column if not exists tagger varchar;
