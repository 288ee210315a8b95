-- Core tables. Every table except the dimensions is derived from the Parquet lake.
create table if not exists lake_files (
    path        varchar primary key,   -- relative to the data directory
    lake_table  varchar not null,
    rows        bigint not null,
    loaded_at   timestamptz not null default current_timestamp
);

create table if not exists sources (
    source_id   varchar primary key,
    name        varchar not null,
    country     varchar,
    language    varchar,
    feeds       varchar[],
    sitemaps    varchar[],
    urls        varchar[],
    run_id      varchar,
    updated_at  timestamptz
);

create table if not exists runs (
    run_id        varchar primary key,
    started_at    timestamptz,
    finished_at   timestamptz,
    sources       integer,
    discovered    integer,
    fetched       integer,
    new_articles  integer,
    skipped       integer,
    failed        integer,
    status        varchar
);

create table if not exists articles (
    article_id     varchar primary key,  -- stable hash of the canonical URL
    source_id      varchar not null,
    run_id         varchar not null,
    url            varchar not null,
    canonical_url  varchar not null,
    title          varchar,
    text           varchar,
    description    varchar,
    published_at   timestamptz,
    authors        varchar[],
    agencies       varchar[],
    language       varchar,
    word_count     integer,
    content_hash   varchar,
    fetched_at     timestamptz
);

create table if not exists fetches (
    run_id        varchar not null,
    source_id     varchar,
    kind          varchar not null,   -- feed | sitemap | page
    url           varchar not null,
    url_key       varchar,
    final_url     varchar,
    status        integer,
    outcome       varchar not null,   -- article | duplicate | skipped | failed | not_modified | ok
    reason        varchar,
    bytes         bigint,
    elapsed_ms    integer,
    fetched_at    timestamptz,
    etag          varchar,
    last_modified varchar,
    article_id    varchar
);
create index if not exists fetches_url_key on fetches (url_key);

-- Conditional-GET validators per feed or sitemap URL, kept from the latest successful fetch.
create table if not exists feed_state (
    url           varchar primary key,
    etag          varchar,
    last_modified varchar,
    checked_at    timestamptz
);

create table if not exists article_countries (
    article_id    varchar not null,
    country_code  varchar not null,
    mentions      integer not null,
    is_focus      boolean not null,
    primary key (article_id, country_code)
);

create table if not exists article_topics (
    article_id  varchar not null,
    topic_code  varchar not null,
    score       real not null,
    rank        smallint not null,
    primary key (article_id, topic_code)
);

create table if not exists countries (
    code       varchar primary key,
    alpha3     varchar,
    name       varchar not null,
    region     varchar,
    subregion  varchar
);

create table if not exists topics (
    code    varchar primary key,
    label   varchar not null,
    parent  varchar
);
