"""Source health end to end: local outlets that vanish, move or fall silent, over several ingest runs."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.health_site import Outlet, Site

pytestmark = pytest.mark.slow

# The controlled clock: publish times are set relative to T, and health is judged at T.
T = (datetime.now(UTC) - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


def daily(first: int, last: int) -> list[datetime]:
    """Noon-ish publish times from T - first days to T - last days, one a day."""
    return [T - timedelta(days=d) for d in range(first, last - 1, -1)]


@pytest.fixture(scope="module")
def runs(prefect_harness, tmp_path_factory, fast_fetch_env):
    """Five runs: 'gone' vanishes after the first, 'steady' gains articles, 'quiet' gains none."""
    from flows.ingest import ingest

    steady, quiet = Outlet("steady", daily(12, 1)), Outlet("quiet", daily(25, 10))
    moved, gone = Outlet("moved", daily(12, 1), moved=True), Outlet("gone", daily(12, 1))
    root = tmp_path_factory.mktemp("health")
    data, sources = root / "data", root / "sources.toml"
    with Site([steady, quiet, moved]) as site:
        lost = Site([gone])
        sources.write_text(site.sources_toml() + "\n" + lost.sources_toml())
        summaries = [ingest(sources_file=str(sources), data_dir=str(data))]
        lost.stop()
        for extra in (T - timedelta(hours=18), T - timedelta(hours=2), None, None):
            if extra is not None:
                steady.published.append(extra)
            summaries.append(ingest(sources_file=str(sources), data_dir=str(data)))
            if len(summaries) == 3:
                health_after_3 = sources_json(data, T)
    return {"data": data, "summaries": summaries, "after3": health_after_3}


def sources_json(data, now: datetime) -> dict[str, dict]:
    """`newsflow sources --format json --now ...`, one object per source."""
    import contextlib
    import io

    from flows.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sources", "--data-dir", str(data), "--format", "json", "--now", now.isoformat()]) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    return {row["source_id"]: row for row in rows}


def test_a_vanished_outlet_is_failing_with_its_count_and_the_others_ok(runs) -> None:
    health = runs["after3"]
    assert health["gone"]["status"] == "failing"
    assert health["gone"]["consecutive_failures"] == 2
    assert health["gone"]["last_success_at"] is not None and health["gone"]["last_error"]
    assert health["steady"]["status"] == "ok" and health["steady"]["consecutive_failures"] == 0
    assert health["moved"]["status"] == "ok"
    assert list(health)[0] == "gone", "problems come first"


def test_a_permanent_redirect_suggests_the_new_feed_url(runs) -> None:
    moved = runs["after3"]["moved"]
    assert moved["suggested_url"].endswith("/moved/new-rss.xml")
    assert moved["moved_listing"].endswith("/moved/rss.xml")
    assert runs["after3"]["steady"]["suggested_url"] is None


def test_an_outlet_that_stopped_publishing_is_silent_by_the_clock(runs) -> None:
    assert runs["after3"]["quiet"]["status"] == "silent"
    assert runs["after3"]["steady"]["new_7d"] >= 7
    earlier = sources_json(runs["data"], T - timedelta(days=9))  # a day after its last article
    assert earlier["quiet"]["status"] == "ok"


def test_backoff_skips_a_source_that_keeps_failing_and_says_when_it_is_due(runs) -> None:
    fourth, fifth = runs["summaries"][3], runs["summaries"][4]
    assert "gone" in {r.source_id for r in fourth.sources}, "three failures in a row: tried once more"
    assert [d.source_id for d in fifth.backed_off] == ["gone"]
    assert "gone" not in {r.source_id for r in fifth.sources}
    due = fifth.backed_off[0].next_due
    assert timedelta(minutes=50) < due - fifth.started_at < timedelta(minutes=61)
    assert fifth.backed_off[0].failures == 3


def test_status_changes_are_in_the_summary_and_emitted_as_events(runs) -> None:
    third = runs["summaries"][2]
    changed = {c.source_id: (c.before, c.after) for c in third.health_changes}
    assert changed["gone"] == ("new", "failing")
    assert changed["quiet"] == ("new", "silent")
    events = read_events("newsflow.source.")
    names = {(e["event"], e["resource"]["prefect.resource.id"]) for e in events}
    assert ("newsflow.source.failing", "newsflow.source.gone") in names
    assert ("newsflow.source.silent", "newsflow.source.quiet") in names
    failing = next(e for e in events if e["event"] == "newsflow.source.failing")
    assert failing["payload"]["consecutive_failures"] == 2 and failing["payload"]["last_error"]


def test_a_recovery_is_emitted_too(runs) -> None:
    from flows.events import announce
    from tasks.health import StatusChange

    assert announce([StatusChange("gone", "failing", "ok"), StatusChange("steady", "new", "ok")]) == 1
    names = [e["event"] for e in read_events("newsflow.source.recovered")]
    assert names == ["newsflow.source.recovered"]


def read_events(prefix: str) -> list[dict]:
    """Events whose names start with prefix, read back from the Prefect API."""
    from prefect.client.orchestration import get_client

    from flows.prefect_server import flush_to_api

    flush_to_api()

    async def fetch() -> list[dict]:
        async with get_client() as client:
            for _ in range(50):  # the server persists events in batches
                response = await client._client.post(
                    "/events/filter", json={"filter": {"event": {"prefix": [prefix]}}, "limit": 50})
                response.raise_for_status()
                found = response.json()["events"]
                if found:
                    return found
                await asyncio.sleep(0.2)
        return []

    return asyncio.run(fetch())


def test_the_report_shows_the_sources_that_need_attention(runs, tmp_path) -> None:
    import contextlib
    import io

    from flows.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", "--data-dir", str(runs["data"]), "--days", "30"]) == 0
    text = out.getvalue()
    section = text[text.index("Sources that need attention"):]
    assert "gone" in section and "failing" in section and "quiet" in section and "silent" in section
    assert "new-rss.xml" in section, "the moved feed's new URL is suggested"
    # (at the real clock, two days after T, 'steady' has fallen silent too: not checked here)
    page = tmp_path / "report.html"
    assert main(["report", "--data-dir", str(runs["data"]), "--days", "30", "--html", str(page)]) == 0
    html = page.read_text()
    assert "Sources that need attention" in html and "<td>gone</td>" in html
