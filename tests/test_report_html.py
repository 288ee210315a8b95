"""The HTML report read at a glance: world map, time steps by period length, topic levels, stories."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from flows.cli import main
from tests.coverage_warehouse import build
from warehouse.db import connect, number_articles
from warehouse.report import Period, build_report
from warehouse.report_map import colour, shapes

ELECTION, ECONOMY_2 = "medtop:20000574", "medtop:20000344"  # second-level: politics, economy


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The coverage and spike articles, a1 and b2 also listing election, a3 economy (2nd level)."""
    data = tmp_path_factory.mktemp("report_html")
    build(data / "warehouse.duckdb", coverage=True, spikes=True)
    with connect(data / "warehouse.duckdb") as con:
        con.executemany(
            "insert into article_topics (article_id, topic_code, score, rank) values (?, ?, 0.5, 9)",
            [("a1", ELECTION), ("b2", ELECTION), ("a3", ECONOMY_2)],
        )
        number_articles(con)  # as a load does
    return data


def html(data_dir: Path, tmp_path: Path, *argv: str) -> str:
    """The HTML report written by `newsflow report --html` with the given options."""
    out = tmp_path / "report.html"
    assert main(["report", "--data-dir", str(data_dir), "--html", str(out), *argv]) == 0
    return out.read_text(encoding="utf-8")


def section(page: str, title: str) -> str:
    """The <section> whose heading starts with title."""
    found = re.search(rf"<section[^>]*><h2>{re.escape(title)}.*?</section>", page, re.S)
    assert found, title
    return found.group(0)


def map_titles(page: str) -> dict[str, tuple[str, str]]:
    """Covered countries on the map: code -> (fill, tooltip)."""
    rows = re.findall(
        r'<(?:path|circle) class="country covered"[^>]*?fill="(#\w+)"[^>]*?data-code="(\w\w)"'
        r"[^>]*><title>([^<]*)</title>",
        page,
    )
    return {code: (fill, tip) for fill, code, tip in rows}


def test_map_has_a_shaded_path_per_covered_country(data_dir: Path, tmp_path: Path) -> None:
    page = html(data_dir, tmp_path)  # the week of the coverage articles: US 5, MX 4, CN 2, FR 1 of 8
    covered = map_titles(section(page, "Where the news is"))
    assert set(covered) == {"US", "MX", "CN", "FR"}
    assert covered["US"] == (colour(0.625), "United States (US): 62.5 % of articles · 5 articles, 4 stories")
    assert covered["FR"][1].startswith("France (FR): 12.5 % of articles · 1 articles")
    assert colour(0.625) != colour(0.125)
    # every other country with a shape is drawn too, greyed, and says it had no articles
    others = re.findall(r'<path class="country" [^>]*data-code="(\w\w)"><title>[^<]*no articles', page)
    assert len(others) == len(shapes()["countries"]) - 4
    assert "Not on the map" not in page  # all four have shapes


def test_map_with_a_country_filter_marks_the_filter(data_dir: Path, tmp_path: Path) -> None:
    page = html(data_dir, tmp_path, "--country", "MX")
    covered = map_titles(page)
    # a1, b2, b3 of the 4 MX articles mention the US; MX itself is the filter, not a share
    assert covered["US"][1].startswith("United States (US): 75.0 % of the articles mentioning MX")
    assert "MX" not in covered and 'data-code="MX"><title>Mexico (MX): the filter country' in page


def test_small_states_are_dots_and_unknown_codes_listed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    build(data / "warehouse.duckdb", coverage=True)
    with connect(data / "warehouse.duckdb") as con:
        con.execute("update article_countries set country_code = 'SG' where country_code = 'FR'")
        con.execute(
            "insert into article_countries (article_id, country_code, mentions, is_focus) "
            "values ('a2', 'QZ', 1, false)"
        )
        number_articles(con)
    page = html(data, tmp_path)
    covered = map_titles(page)
    assert "SG" in covered and '<circle class="country covered"' in page  # too small for 1:110m
    assert re.search(r"Not on the map: QZ \(QZ\) 12\.5 %", page)


@pytest.mark.parametrize(
    ("days", "bucket"), [(1, "day"), (92, "day"), (93, "week"), (731, "week"), (732, "month")]
)
def test_period_bucket_follows_its_length(days: int, bucket: str) -> None:
    last = date(2024, 3, 3)
    period = Period(date.fromordinal(last.toordinal() - days + 1), last)
    assert period.bucket == bucket
    steps = period.buckets
    assert steps[0] == period.first and steps == sorted(set(steps))
    if bucket == "week":
        assert all(s.weekday() == 0 for s in steps[1:])
    if bucket == "month":
        assert all(s.day == 1 for s in steps[1:])
    assert len(steps) == {"day": days, "week": -(-(days + period.first.weekday()) // 7)}.get(
        bucket, len({(d.year, d.month) for d in period.days})
    )


def test_trends_are_shares_per_week_and_month(data_dir: Path) -> None:
    with connect(data_dir / "warehouse.duckdb", read_only=True) as con:
        weekly = build_report(con, days=200)
        monthly = build_report(con, days=1000)
    by_week = dict(zip(weekly.period.buckets, {c.code: c.trend for c in weekly.countries}["DE"], strict=True))
    # week of Monday 15 January: only the 20th and 21st have articles, DE 2 + 8 of 19 (JP 5, FR 4)
    assert by_week[date(2024, 1, 15)] == pytest.approx(10 / 19)
    assert by_week[date(2024, 2, 5)] == 0  # no article that week
    us = dict(zip(monthly.period.buckets, {c.code: c.trend for c in monthly.countries}["US"], strict=True))
    de = dict(zip(monthly.period.buckets, {c.code: c.trend for c in monthly.countries}["DE"], strict=True))
    assert len(us) == 34 and monthly.period.buckets[0] == date(2021, 6, 8)
    assert us[date(2024, 3, 1)] == pytest.approx(5 / 8) and us[date(2024, 1, 1)] == 0
    assert de[date(2024, 1, 1)] == pytest.approx(32 / 41)  # DE 32, JP 5, FR 4 in January


@pytest.mark.parametrize(("days", "name", "points"), [(45, "daily", 45), (200, "weekly", 29), (1000, "monthly", 34)])
def test_time_series_step_is_on_the_chart(
    data_dir: Path, tmp_path: Path, days: int, name: str, points: int
) -> None:
    part = section(html(data_dir, tmp_path, "--days", str(days)), "Coverage over time")
    assert f"Coverage over time ({name})" in part
    lines = re.findall(r'<polyline points="([^"]*)"', part)
    assert lines and all(len(line.split()) == points for line in lines)
    if name != "daily":
        assert f"{name.capitalize()} steps because the period is {days} days long" in part


def test_topic_levels_apart_with_story_counts(data_dir: Path, tmp_path: Path) -> None:
    page = html(data_dir, tmp_path)
    top = section(page, "Top-level topics")
    second = section(page, "Second-level topics")
    assert "politics" in top and "election" not in top
    # election: a1 and b2 of the week's 8 articles, two stories; within politics
    assert re.search(r"<td>election</td><td>politics</td><td class=n>25\.0 %</td><td class=n>2</td>"
                     r"<td class=n>2</td>", second)
    assert "<td>economy</td><td>economy, business and finance</td>" in second
    assert "politics" in top and "37.5 % · 3 (3 stories)" in top
    heat = section(page, "What countries are covered for")
    assert "election" not in heat and "politics" in heat  # the heatmap keeps top-level topics
    # the headline figures: 8 articles, 7 stories (b3 copies a3)
    assert "<b>8</b><span>articles</span>" in page and "<b>7</b><span>stories" in page
    assert "62.5 % · 5 (4 stories)" in section(page, "Country coverage")


def test_page_stays_small(data_dir: Path, tmp_path: Path) -> None:
    page = html(data_dir, tmp_path, "--days", "1000")
    assert "<script" not in page.lower() and len(page) < 150_000
