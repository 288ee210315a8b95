-- One row per article with the calendar day it belongs to (its publish date, falling back to its
-- fetch date, as a UTC date whatever the session's time zone) and its language ('und', ISO 639's
-- "undetermined", when it could not be told). Epoch arithmetic is UTC by definition and several
-- times faster than timezone('UTC', ...), which matters at a million rows.
-- article_no is the article's number (schema/005), what tag rows are joined on.
-- The other views build on this one; create_views runs the files in name order, so any view that
-- uses it must sort after "article_days".
create or replace view article_days as
with stamped as (
    select
        article_id,
        article_no,
        source_id,
        coalesce(language, 'und') as language,
        epoch_us(coalesce(published_at, fetched_at)) as stamp_us
    from articles
)

select
    article_id,
    article_no,
    source_id,
    language,
    date '1970-01-01' + cast(floor(stamp_us / 86400000000) as integer) as day
from stamped
where stamp_us is not null;
