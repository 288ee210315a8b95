-- Stories: one row per grouped article; story_id is the article_id of the story's first article
-- (tasks/stories). matched_id is the article it was found similar to, null when it started the story.
create table if not exists article_stories (
    article_id  varchar primary key,
    story_id    varchar not null,
    matched_id  varchar,
    similarity  real
);
