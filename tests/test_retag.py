"""`newsflow rebuild --retag`: every article re-tagged by the current taggers, nothing else changed."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.process import tag_batch, tag_rows
from tasks.store import retag
from tasks.store.lake import RETAG_JOURNALS, SCHEMAS, lake_file, write_atomic
from tasks.store.load import load_lake
from tasks.store.rebuild import rebuild_warehouse
from tasks.tag import countries, topics
from tasks.worker import tagger_versions
from tests.local_env import cli_env
from warehouse import db as db_module

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
PLACES = ["France and Germany", "Japan", "Brazil and Argentina", "Kenya", "India and Pakistan", "Canada"]
TEXT = ("Ministers from {p} met on Wednesday to discuss tariffs, exports and the outlook for the economy, "
        "officials said. The government said inflation and interest rates would also be on the agenda, "
        "and companies welcomed the talks on trade between {p}.")
# (day, run, articles, how its tag files were written)
RUNS = [("2026-03-01", "r1", 4, "no-column"), ("2026-03-01", "r2", 3, "null"), ("2026-03-02", "r3", 5, "null")]
CORE = ("articles", "fetches", "sources", "runs")


class Crash(BaseException):
    """Stands in for the process dying at a given step."""


def _articles(run: str, n: int) -> list[dict[str, Any]]:
    return [{"article_id": f"{run}-{i}", "source_id": "s", "run_id": run, "url": f"https://x.test/{run}/{i}",
             "canonical_url": f"https://x.test/{run}/{i}", "title": f"Talks with {PLACES[i % 6]}",
             "text": TEXT.format(p=PLACES[i % 6]), "language": "en", "fetched_at": T0} for i in range(n)]


def _write_old_tags(data: Path, day: str, run: str, articles: list[dict[str, Any]], how: str) -> None:
    """Tag files as an earlier version wrote them: tagger null, or no tagger column at all."""
    tagged = tag_batch([(a["article_id"], a["title"], a["text"], None) for a in articles])
    for table, index in (("article_countries", 0), ("article_topics", 1)):
        rows = [row | {"tagger": None} for aid, t in tagged for row in tag_rows(aid, t)[index]]
        path = lake_file(data, table, day, run)
        if how == "null":
            write_atomic(path, table, rows)
            continue
        schema = pa.schema([f for f in SCHEMAS[table] if f.name != "tagger"])
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist([{k: v for k, v in r.items() if k != "tagger"} for r in rows],
                                            schema=schema), path)


def build_lake(data: Path) -> Path:
    """Three runs over two days with old (unversioned) tags, loaded into a warehouse."""
    for day, run, n, how in RUNS:
        articles = _articles(run, n)
        write_atomic(lake_file(data, "articles", day, run), "articles", articles)
        _write_old_tags(data, day, run, articles, how)
        write_atomic(lake_file(data, "fetches", day, run), "fetches", [
            {"run_id": run, "source_id": "s", "kind": "page", "url": a["url"], "url_key": a["article_id"],
             "status": 200, "outcome": "article", "fetched_at": T0, "article_id": a["article_id"]}
            for a in articles])
        write_atomic(lake_file(data, "runs", day, run), "runs",
                     [{"run_id": run, "started_at": T0, "status": "completed"}])
        write_atomic(lake_file(data, "sources", day, run), "sources",
                     [{"source_id": "s", "name": "S", "run_id": run}])
    db = data / "warehouse.duckdb"
    load_lake(data, db)
    return db


def dump(db: Path, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}


def tags(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "countries": con.execute("select article_id, country_code, mentions, tagger from article_countries "
                                     "order by all").fetchall(),
            "topics": con.execute("select article_id, topic_code, tagger from article_topics order by all").fetchall(),
        }


def lake_state(data: Path) -> dict[str, bytes]:
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in sorted((data / "lake").rglob("*")) if p.is_file()}


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The lake with old tags, then version 2 of both taggers; countries/2 counts every mention
    twice, so its output differs."""
    data = tmp_path / "data"
    db = build_lake(data)
    original = countries.tag_countries

    def doubled(title: str, text: str, **kwargs: Any) -> list[dict]:
        return [c | {"mentions": c["mentions"] * 2} for c in original(title, text)]

    monkeypatch.setattr(countries, "VERSION", "2")
    monkeypatch.setattr(topics, "VERSION", "2")
    monkeypatch.setattr(countries, "tag_countries", doubled)
    return data, db


def test_retag_replaces_every_articles_tags_and_nothing_else(lake: tuple[Path, Path]) -> None:
    data, db = lake
    before_core, before_tags = dump(db, CORE), tags(db)
    assert {row[-1] for rows in before_tags.values() for row in rows} == {None}

    report = retag.retag_lake(data, workers=1, progress=lambda _: None)
    rebuild_warehouse(data, db)

    assert report.articles == sum(n for _, _, n, _ in RUNS) and report.days == 2
    assert report.changes["article_countries: unversioned -> countries/2"] > 0
    assert report.changes["article_topics: unversioned -> topics/2"] == report.articles
    after_tags = tags(db)
    assert {row[-1] for row in after_tags["countries"]} == {"countries/2"}
    assert {row[-1] for row in after_tags["topics"]} == {"topics/2"}
    # The same countries and topics, countries/2 counting mentions twice: output changed, articles covered.
    assert [(a, c, m * 2) for a, c, m, _ in before_tags["countries"]] == [r[:3] for r in after_tags["countries"]]
    assert [r[:2] for r in before_tags["topics"]] == [r[:2] for r in after_tags["topics"]]
    assert dump(db, CORE) == before_core
    # The old tag files are kept aside, not deleted.
    assert len(list((data / "replaced").rglob("*.parquet"))) == 2 * len(RUNS)


def test_retag_again_is_a_no_op(lake: tuple[Path, Path]) -> None:
    data, db = lake
    retag.retag_lake(data, workers=1)
    rebuild_warehouse(data, db)
    files, warehouse = lake_state(data), dump(db, (*CORE, "article_countries", "article_topics"))
    report = retag.retag_lake(data, workers=1)
    rebuild_warehouse(data, db)
    assert (report.days, report.current, report.articles) == (0, 2, 0)
    assert lake_state(data) == files
    assert dump(db, (*CORE, "article_countries", "article_topics")) == warehouse


def test_a_day_without_any_tag_is_retagged_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setattr(countries, "VERSION", "2")
    monkeypatch.setattr(topics, "VERSION", "2")
    write_atomic(lake_file(data, "articles", "2026-03-03", "r9"), "articles",
                 [_articles("r9", 1)[0] | {"title": "Nothing", "text": ""}])
    assert retag.retag_lake(data, workers=1).articles == 1
    assert retag.day_versions(data, "2026-03-03") == {"countries/2", "topics/2"}  # empty files say so
    assert retag.retag_lake(data, workers=1).articles == 0


def test_a_crash_while_tagging_leaves_the_old_tags_and_the_next_retag_completes(
        lake: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    data, _ = lake
    day2 = {k: v for k, v in lake_state(data).items() if "date=2026-03-02" in k}
    tagger, calls = countries.tag_countries, []

    def dies_on_day_two(title: str, text: str, **kwargs: Any) -> list[dict]:
        calls.append(title)
        if len(calls) == 9:  # the second article of 2026-03-02 (seven on the first day)
            raise Crash
        return tagger(title, text)

    monkeypatch.setattr(countries, "tag_countries", dies_on_day_two)
    with pytest.raises(Crash):
        retag.retag_lake(data, workers=1)
    assert retag.day_versions(data, "2026-03-01") == {"countries/2", "topics/2"}
    assert {k: v for k, v in lake_state(data).items() if "date=2026-03-02" in k} == day2  # untouched
    assert not list(data.rglob(f"*{retag.HIDDEN}"))

    monkeypatch.setattr(countries, "tag_countries", tagger)
    report = retag.retag_lake(data, workers=1)
    assert (report.days, report.current, report.articles) == (1, 1, 5)
    assert retag.day_versions(data, "2026-03-02") == {"countries/2", "topics/2"}


def test_a_crash_after_the_commit_is_completed_by_the_next_retag(
        lake: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    data, db = lake
    apply = retag.apply_journal

    def dies_half_way(data_dir: Path, journal: Path) -> None:
        body = json.loads(journal.read_text())
        (data_dir / body["retire"][0]).unlink()  # one old file moved aside, then the process died
        raise Crash

    monkeypatch.setattr(retag, "apply_journal", dies_half_way)
    with pytest.raises(Crash):
        retag.retag_lake(data, workers=1)
    monkeypatch.setattr(retag, "apply_journal", apply)
    report = retag.retag_lake(data, workers=1)
    assert report.finished == ["2026-03-01"] and report.days == 1
    rebuild_warehouse(data, db)
    lake_rows = duckdb.execute("select count(*), count(distinct (article_id, topic_code)) from read_parquet($f)",
                               {"f": [str(p) for p in (data / "lake" / "article_topics").rglob("*.parquet")]})
    total, distinct = lake_rows.fetchone()  # type: ignore[misc]
    assert total == distinct  # each article's tags once: the old files are gone from the lake
    assert {row[-1] for row in tags(db)["topics"]} == {"topics/2"}


def test_a_warehouse_from_before_versions_is_migrated_and_loads_old_and_new_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:  # migrated up to 001 only
        con.execute("create table schema_migrations (name varchar primary key, applied_at timestamptz)")
        con.execute((Path(db_module.__file__).parent / "schema" / "001_core.sql").read_text())
        con.execute("insert into schema_migrations values ('001_core.sql', now())")
        con.execute("insert into article_topics values ('earlier', 'medtop:11000000', 0.5, 1)")
    db = build_lake(data)  # files with a null tagger, and one without the column
    files = [str(p) for p in (data / "lake" / "article_topics").rglob("*.parquet")]
    in_lake = duckdb.execute("select count(*) from read_parquet($f, union_by_name = true)", {"f": files}).fetchall()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*), count(tagger) from article_topics").fetchall() == [(in_lake[0][0] + 1, 0)]
    retag.retag_lake(data, workers=1)
    load_lake(data, db)  # the new files load into the migrated tables (duplicates keep the first copy)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(tagger) from article_topics").fetchone() == (0,)
    rebuild_warehouse(data, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) = count(tagger) from article_topics").fetchone() == (True,)


def test_pipeline_rows_carry_the_current_versions() -> None:
    (article_id, tagged), = tag_batch([("a", "Talks with Japan", TEXT.format(p="Japan"), "en")])
    country_rows, topic_rows = tag_rows(article_id, tagged)
    assert country_rows and topic_rows
    assert {r["tagger"] for r in country_rows} | {r["tagger"] for r in topic_rows} == set(tagger_versions())


def test_tag_stream_passes_the_language_to_taggers_that_take_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.output import tag_stream

    seen: list[str | None] = []

    def with_language(title: str, text: str, language: str | None = None) -> list[dict]:
        seen.append(language)
        return []

    monkeypatch.setattr(topics, "tag_topics", with_language)
    lines = io.StringIO('{"id": 1, "title": "Japan", "text": "Japan.", "language": "de"}\n'
                        '{"id": 2, "title": "Japan", "text": "Japan."}\n')
    out = io.StringIO()
    assert tag_stream(lines, out) == 0
    assert seen == ["de", None]  # countries (today without language=) is called without it
    items = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [i["language"] for i in items if "language" in i] == ["de"]
    assert all(i["countries"][0]["code"] == "JP" for i in items)


@pytest.mark.slow
def test_cli_rebuild_retag(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = build_lake(data)
    before = dump(db, CORE)
    run = lambda *a: subprocess.run([sys.executable, "-m", "flows.cli", "rebuild", *a, "--data-dir", str(data)],  # noqa: E731
                                    capture_output=True, text=True, timeout=120, env=cli_env())
    proc = run("--retag")
    assert proc.returncode == 0, proc.stderr
    assert "[2/2] date=2026-03-02: 5 articles re-tagged" in proc.stderr
    assert f"article_topics: unversioned -> {tagger_versions()[1]}: 12 articles" in proc.stderr
    assert {row[-1] for row in tags(db)["topics"]} == {tagger_versions()[1]}
    assert dump(db, CORE) == before
    assert "0 articles re-tagged in 0 days" in run("--retag").stderr
    assert run("--retag", "--from-raw").returncode == 2


@pytest.mark.slow
def test_cli_rebuild_completes_a_committed_retag_first(
        lake: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    data, db = lake

    def dies(data_dir: Path, journal: Path) -> None:
        raise Crash

    monkeypatch.setattr(retag, "apply_journal", dies)
    with pytest.raises(Crash):
        retag.retag_lake(data, workers=1)
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "rebuild", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=120, env=cli_env())
    assert proc.returncode == 0, proc.stderr
    assert "completed the interrupted retag of 1 days" in proc.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        by_day = con.execute("select a.run_id = 'r3', t.tagger, count(*) from article_topics as t join articles "
                             "as a using (article_id) group by all order by all").fetchall()
    assert [(later, tagger) for later, tagger, _ in by_day] == [(False, "topics/2"), (True, None)]


def rebuild_cli(data: Path, *args: str, crash_at: str | None = None) -> tuple[int, str]:
    """`newsflow rebuild` in a real process; output goes to a file, as worker processes orphaned by a
    SIGKILL may hold a pipe open for a while."""
    env = cli_env(**({"NEWSFLOW_CRASH_AT": crash_at} if crash_at else {}))
    log = data.parent / f"rebuild-{time.monotonic_ns()}.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "rebuild", *args, "--data-dir", str(data)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        code = proc.wait(timeout=180)
    return code, log.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("point", ["retag-write", "retag-apply"])
def test_killed_retag_keeps_every_articles_tags_and_the_next_one_completes(tmp_path: Path, point: str) -> None:
    data = tmp_path / "data"
    db = build_lake(data)
    before_core, before_tags = dump(db, CORE), lake_state(data)
    code, err = rebuild_cli(data, "--retag", crash_at=point)
    assert code == -signal.SIGKILL, err
    if point == "retag-write":  # killed before the commit: what loaders see of the lake is as it was
        assert {k: v for k, v in lake_state(data).items() if "/." not in k} == before_tags
    else:  # killed half-way through the swap: the journal says how to finish it
        assert list((data / RETAG_JOURNALS).glob("*.json"))
    assert tags(db)["topics"] and {row[-1] for row in tags(db)["topics"]} == {None}  # the warehouse is untouched
    code, err = rebuild_cli(data, "--retag")
    assert code == 0, err
    assert not list(data.rglob(f"*{retag.HIDDEN}")) and not list((data / RETAG_JOURNALS).glob("*"))
    files = [str(p) for p in (data / "lake" / "article_topics").rglob("*.parquet")]
    total, distinct = duckdb.execute("select count(*), count(distinct (article_id, topic_code)) from "
                                     "read_parquet($f, union_by_name = true)", {"f": files}).fetchall()[0]
    assert total == distinct  # no article has two sets of tags in the lake
    assert {row[-1] for row in tags(db)["topics"]} == {tagger_versions()[1]}
    with duckdb.connect(str(db), read_only=True) as con:
        untagged = con.execute("select count(*) from articles where article_id not in "
                               "(select article_id from article_topics)").fetchall()
    assert untagged == [(0,)]
    assert dump(db, CORE) == before_core
