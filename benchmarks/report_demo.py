"""A warehouse to look at the HTML report with: the synthetic year of benchmarks.warehouse, made
three years long, with second-level topics and stories (which that benchmark does not generate).

    python -m benchmarks.warehouse --articles 20000 --keep /tmp/report/wh
    python -m benchmarks.report_demo /tmp/report/wh /tmp/report/wh3
    newsflow report --data-dir /tmp/report/wh3 --days 1095 --html /tmp/report/r3.html

The copies of earlier years keep a shrinking random part of the articles (a growing collection);
each article's topics gain one second-level child of a top-level topic with probability 0.7; and
articles of one day, first country and first topic are grouped into stories of 1-4 articles.
These are display data, not measurements.
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import connect

YEARS = ((365, 0.8), (730, 0.6))  # days back, part of the articles copied

COPY_YEAR = """
create temp table picked as
select article_id from articles where hash(article_id || $salt) % 1000 < $keep * 1000;
insert into articles by name
select * replace (
    article_id || $salt as article_id,
    url || '?y=' || $salt as url,
    canonical_url || '?y=' || $salt as canonical_url,
    published_at - to_days($back) as published_at,
    fetched_at - to_days($back) as fetched_at)
from articles where article_id in (from picked);
insert into article_countries by name
select * replace (article_id || $salt as article_id)
from article_countries where article_id in (from picked);
insert into article_topics by name
select * replace (article_id || $salt as article_id)
from article_topics where article_id in (from picked);
drop table picked;
"""

SUBTOPICS = """
insert into article_topics by name
select
    tp.article_id,
    list_sort(list(c.code))[cast(1 + hash(tp.article_id) % count(*) as bigint)] as topic_code,
    tp.score * 0.8 as score,
    tp.rank + 10 as rank
from article_topics as tp
inner join topics as c on c.parent = tp.topic_code
where hash(tp.article_id || tp.topic_code) % 10 < 7
group by tp.article_id, tp.topic_code, tp.score, tp.rank;
"""

STORIES = """
delete from article_stories;
insert into article_stories
with keyed as (
    select
        a.article_id,
        d.day,
        (select min(country_code) from article_countries as c where c.article_id = a.article_id) as cc,
        (select min(topic_code) from article_topics as t where t.article_id = a.article_id) as tc,
        hash(a.article_id) as h
    from articles as a inner join article_days as d on d.article_id = a.article_id
),
grouped as (
    select article_id, day, cc, tc,
        (row_number() over (partition by day, cc, tc order by h) - 1) // (1 + h % 4) as chunk
    from keyed
)
select
    article_id,
    first(article_id order by article_id) over (partition by day, cc, tc, chunk) as story_id,
    null, null
from grouped;
"""


def run(con: duckdb.DuckDBPyConnection, script: str, values: dict[str, Any] | None = None) -> None:
    """Each statement of the script with the values it names."""
    for statement in filter(str.strip, script.split(";")):
        used = set(re.findall(r"\$(\w+)", statement))
        con.execute(statement, {k: v for k, v in (values or {}).items() if k in used})


def main() -> None:
    """Copy the warehouse and add the years, subtopics and stories."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a data directory from benchmarks.warehouse --keep")
    parser.add_argument("target", type=Path, help="the new data directory (its warehouse only)")
    args = parser.parse_args()
    args.target.mkdir(parents=True, exist_ok=False)
    shutil.copy(args.source / "warehouse.duckdb", args.target / "warehouse.duckdb")
    with connect(args.target / "warehouse.duckdb") as con:
        for back, keep in YEARS:
            run(con, COPY_YEAR, {"salt": f"y{back}", "back": back, "keep": keep})
        run(con, SUBTOPICS)
        run(con, STORIES)
        counts = con.execute(
            "select (select count(*) from articles), (select count(distinct story_id) from "
            "article_stories), (select count(*) from article_topics)"
        ).fetchone()
    print(f"{args.target}: articles, stories, topic rows = {counts}")


if __name__ == "__main__":
    main()
