"""Back-off schedule, status changes and the source_health view over a hand-made warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from tasks.discover.sources import Source
from tasks.health import Backoff, StatusChange, health_markdown, plan_backoff, status_changes
from warehouse.db import create_views, migrate
from warehouse.health import health_rows

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def source(sid: str) -> Source:
    return Source(id=sid, name=sid, country="US", language="en", feeds=(f"https://{sid}.example/rss",))


def test_delay_doubles_from_the_third_failure_up_to_a_day() -> None:
    policy = Backoff()
    delays = [policy.delay(n) for n in range(0, 12)]
    assert delays[:3] == [None, None, None]
    assert [d.total_seconds() / 3600 for d in delays[3:9] if d] == [1, 2, 4, 8, 16, 24]
    assert all(d == timedelta(days=1) for d in delays[8:])


def test_backed_off_sources_wait_then_are_tried_again() -> None:
    sources = [source("fine"), source("broken"), source("fixed")]
    health = {
        "fine": {"consecutive_failures": 0, "last_tried_at": NOW - timedelta(minutes=30)},
        "broken": {"consecutive_failures": 5, "last_tried_at": NOW - timedelta(hours=3)},
        "fixed": {"consecutive_failures": 0, "last_tried_at": NOW - timedelta(minutes=1)},
    }
    due, deferred = plan_backoff(sources, health, NOW)
    assert [s.id for s in due] == ["fine", "fixed"]
    assert [(d.source_id, d.failures, d.next_due) for d in deferred] == [("broken", 5, NOW + timedelta(hours=1))]
    later, _ = plan_backoff(sources, health, NOW + timedelta(minutes=56))  # within the slack
    assert [s.id for s in later] == ["fine", "broken", "fixed"]


def test_a_day_is_the_longest_wait() -> None:
    health = {"broken": {"consecutive_failures": 40, "last_tried_at": NOW}}
    assert plan_backoff([source("broken")], health, NOW + timedelta(hours=23))[1]
    assert plan_backoff([source("broken")], health, NOW + timedelta(hours=24))[0]


def test_changes_name_the_event_worth_sending() -> None:
    before = {"a": {"status": "ok"}, "b": {"status": "failing"}, "c": {"status": "new"}}
    after = {"a": {"status": "failing", "consecutive_failures": 2, "last_error": "x: refused"},
             "b": {"status": "ok"}, "c": {"status": "ok"}, "d": {"status": "silent"}}
    changes = {c.source_id: c for c in status_changes(before, after)}
    assert {k: c.event for k, c in changes.items()} == {
        "a": "newsflow.source.failing", "b": "newsflow.source.recovered", "c": None, "d": "newsflow.source.silent"}
    assert "2 failed runs in a row" in changes["a"].describe()
    text = health_markdown(list(changes.values()), [])
    assert "b: failing -> ok" in text and "back-off" not in text
    assert StatusChange("x", "silent", "failing").event == "newsflow.source.failing"
    assert [c.source_id for c in status_changes(before, after, only=["b", "d"])] == ["b", "d"]


def _warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    create_views(con)
    for sid in ("flaky", "moved"):
        con.execute("insert into sources (source_id, name) values (?, ?)", [sid, sid])
    return con


def _try(con, run: str, at: datetime, sid: str, outcome: str, reason: str | None = None) -> None:
    con.execute("insert into runs (run_id, started_at) values (?, ?) on conflict do nothing", [run, at])
    con.execute("insert into fetches (run_id, source_id, kind, url, outcome, reason, fetched_at) "
                "values (?, ?, 'feed', ?, ?, ?, ?)", [run, sid, f"https://{sid}.example/rss", outcome, reason, at])


def test_a_success_ends_the_failure_streak(tmp_path) -> None:
    con = _warehouse(tmp_path)
    outcomes = ["ok", "failed", "failed", "failed", "not_modified", "failed"]
    for i, outcome in enumerate(outcomes):
        _try(con, f"r{i}", NOW - timedelta(hours=6 - i), "flaky", outcome, "refused" if outcome == "failed" else None)
        _try(con, f"r{i}", NOW - timedelta(hours=6 - i), "moved", "ok", "moved permanently to https://new.example/rss")
    rows = {r["source_id"]: r for r in health_rows(con, NOW)}
    assert rows["flaky"]["consecutive_failures"] == 1 and rows["flaky"]["status"] == "ok"
    assert rows["flaky"]["last_success_at"] == NOW - timedelta(hours=2)
    assert rows["flaky"]["last_error"] == "https://flaky.example/rss: refused"
    assert rows["moved"]["suggested_url"] == "https://new.example/rss"
    _try(con, "r6", NOW - timedelta(minutes=10), "flaky", "failed", "timeout")
    assert health_rows(con, NOW)[0]["source_id"] == "flaky"
    assert health_rows(con, NOW)[0]["status"] == "failing"
