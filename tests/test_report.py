"""`newsflow report` on a hand-built warehouse: terminal tables, HTML, Chromium rendering it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from flows.cli import main
from tests.browser import CHROMIUM_FLAGS
from tests.coverage_warehouse import build
from warehouse.db import connect, create_views, migrate
from warehouse.report_text import headline_markdown, sparkline

CHARTS = ("map", "countries", "daily", "heatmap", "topics", "outlets")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose warehouse holds the coverage and the spike articles."""
    data = tmp_path_factory.mktemp("report")
    build(data / "warehouse.duckdb", coverage=True, spikes=True)
    return data


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of one `newsflow` command."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_terminal_report_of_the_last_week(data_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "report", "--data-dir", str(data_dir))
    assert code == 0
    # newest article day 2024-03-03 is older than today, so the week ends there
    assert "2024-02-26 to 2024-03-03 (7 days, UTC): 8 articles (7 stories) from 3 outlets" in " ".join(
        out.split()
    )
    for expected in (
        "United States",
        "62.5 %",
        "Mexico",
        "50.0 %",
        "China",
        "25.0 %",  # countries
        "politics",
        "37.5 %",
        "conflict, war and peace",  # topics
        "Diario MX",
        "US Wire",
        "100.0 %",
        "66.7 %",  # outlets: home and foreign shares
        "none in this period",
    ):  # the spikes were in January
        assert expected in out, expected


def test_until_ends_the_period_on_a_past_day(data_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "report", "--data-dir", str(data_dir), "--until", "2024-03-02", "--days", "1")
    assert code == 0 and "2024-03-02 to 2024-03-02 (1 day, UTC): 7 articles" in " ".join(out.split())
    assert run(capsys, "report", "--data-dir", str(data_dir), "--until", "2030-01-01")[1] == \
        run(capsys, "report", "--data-dir", str(data_dir))[1]  # after the newest article day: as without
    code, out, _ = run(capsys, "report", "--data-dir", str(data_dir), "--until", "2020-01-01")
    assert code == 0 and "no articles in this period; the warehouse's are from 2024-01-01 to 2024-03-03" in out
    assert "warehouse's are from" not in run(capsys, "report", "--data-dir", str(data_dir))[1]
    with pytest.raises(SystemExit):
        main(["report", "--data-dir", str(data_dir), "--until", "March"])


def test_terminal_report_languages_per_outlet(data_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "report", "--data-dir", str(data_dir))
    assert code == 0 and "Languages (share of each outlet's articles)" in out
    # the week's 8 articles: a3, b1-b3 in English, a1, a2, a4 in Spanish, c1 unknown
    assert re.search(r"all outlets .* 8 .* en 50\.0 % · es 37\.5 % · und 12\.5 %", out)
    assert re.search(r"Diario MX .* 4 .* es 75\.0 % · en 25\.0 %", out)
    assert re.search(r"US Wire .* 3 .* en 100\.0 %", out)


def test_terminal_report_with_spikes_and_outlet_filter(data_dir: Path, capsys) -> None:
    code, out, _ = run(
        capsys, "report", "--data-dir", str(data_dir), "--days", "45", "--source", "de-post"
    )
    assert code == 0
    assert "(outlet de-post)" in out and "Diario MX" not in out
    assert re.search(r"2024-01-21 .*Germany .* 8 .* 2 .* 4\.0x", out)
    assert re.search(r"2024-01-21 .*Japan .* 5 .* 0 .* 5\.0x", out)


def test_terminal_report_focused_on_a_country(data_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "report", "--data-dir", str(data_dir), "--country", "mx")
    assert code == 0
    assert "4 mention MX (50.0 %)" in " ".join(out.split())
    assert "Countries mentioned with MX" in out
    assert re.search(r"United States .* 3 .* 75\.0 %", out)  # a1, b2, b3 of the 4 MX articles
    assert "MX share" in out and "66.7 %" in out  # us-wire: b2 and b3 of its 3 articles


def test_terminal_report_says_when_a_table_is_empty(data_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "report", "--data-dir", str(data_dir), "--country", "ZW")
    assert code == 0 and "0 mention ZW" in out
    countries, topics = out.split("Countries mentioned with ZW")[1].split("Topics of articles mentioning ZW")
    assert "none in this period" in countries and "none in this period" in topics.split("Outlets")[0]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--source", "nope"], 2, "unknown outlet 'nope'"),
        (["--days", "0"], None, None),
        (["--country", "XX"], None, None),
        (["--country", "USA"], None, None),
    ],
)
def test_report_refuses_bad_options(
    data_dir: Path, capsys, argv: list[str], code: int | None, message: str | None
) -> None:
    if code is None:
        with pytest.raises(SystemExit):
            main(["report", "--data-dir", str(data_dir), *argv])
        return
    got, out, err = run(capsys, "report", "--data-dir", str(data_dir), *argv)
    assert got == code and message in err and len(err.strip().splitlines()) == 1


def test_report_without_warehouse_or_articles(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "report", "--data-dir", str(tmp_path))
    assert code == 2 and "no warehouse at" in err and "newsflow ingest" in err
    with connect(tmp_path / "warehouse.duckdb") as con:
        migrate(con)
        create_views(con)
    code, _, err = run(capsys, "report", "--data-dir", str(tmp_path))
    assert code == 3 and "no articles yet" in err


def test_headline_markdown(data_dir: Path) -> None:
    text = headline_markdown(data_dir / "warehouse.duckdb", run_id="run-1")
    assert text.startswith("# newsflow coverage, last 7 days")
    assert "| United States (US) | 5 | 4 | 62.5 % |" in text
    assert "added **" in text and "| politics | 3 | 3 | 37.5 % |" in text
    assert "unavailable" in headline_markdown(data_dir / "missing.duckdb")


def test_sparkline() -> None:
    assert sparkline([0, 2, 4, 8, 14]) == "▁▂▃▅█"
    assert sparkline([0, 0]) == "▁▁"
    assert len(sparkline([1.0] * 90, width=30)) == 30


@pytest.fixture(scope="module")
def html_file(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of the last 45 days (coverage and spikes)."""
    out = tmp_path_factory.mktemp("html") / "report.html"
    assert main(["report", "--data-dir", str(data_dir), "--days", "45", "--html", str(out)]) == 0
    return out


def test_html_report_is_self_contained(html_file: Path) -> None:
    page = html_file.read_text(encoding="utf-8")
    for chart in CHARTS:
        assert f'data-chart="{chart}"' in page, chart
    assert "<script" not in page.lower()
    # nothing to fetch: the only URL is the SVG namespace, which browsers never load
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert "Germany" in page and "4.0×" in page
    assert "<h2>Languages</h2>" in page and "es 75.0 % · en 25.0 %" in page
    assert len(page) < 200_000


def _chromium() -> str:
    found = next(
        (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
    )
    if found is None:
        pytest.skip(
            "headless Chromium not installed (CI installs the `chromium` package; "
            "locally: apt-get install -y chromium)"
        )
    return found


def _browse(html: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Load the page in headless Chromium with console messages logged to standard error."""
    flags = [
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run(
        [_chromium(), *flags, *extra, html.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_html_report_renders_in_chromium(html_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = _browse(
        html_file, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2000"
    )
    console = [
        line for line in result.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line
    ]
    assert console == [], console
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 30_000  # a blank page of this size is ~12 KB
    dom = _browse(html_file, tmp_path / "profile2", "--dump-dom").stdout
    for chart in CHARTS:
        assert f'data-chart="{chart}"' in dom, chart
    assert dom.count('class="cell"') >= 6  # heatmap cells: countries x topics
    # the map: every country of the 45 days shaded, with its share in its tooltip
    covered = re.findall(r'class="country covered"[^>]*data-code="(\w\w)"><title>[^<]* (\d+\.\d) %', dom)
    assert {code for code, _ in covered} == {"US", "MX", "CN", "FR", "DE", "JP"}
    assert dom.count('class="country"') > 150  # the uncovered ones, greyed


def test_terminal_report_counts_stories_beside_articles(data_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "report", "--data-dir", str(data_dir))
    assert code == 0
    cells: dict[str, list[str]] = {}
    for line in out.splitlines():  # the first table naming a row wins (outlets come before languages)
        if line.count("│") > 3:
            cells.setdefault(line.split("│")[1].strip(), [c.strip() for c in line.split("│")[2:]])
    # US: a1, a3, b1, b2, b3 mention it, and b3 is a copy of a3's story
    assert cells["United States (US)"][:2] == ["5", "4"]
    # us-wire: 3 articles, 3 stories, b3 joined a story first seen at mx-daily
    assert cells["US Wire"][1:4] == ["3", "3", "33.3 %"]
    assert cells["Diario MX"][1:4] == ["4", "4", "0.0 %"]


def test_a_warehouse_loaded_before_article_numbers_is_brought_up_to_date_once(tmp_path: Path, capsys) -> None:
    build(tmp_path / "warehouse.duckdb", coverage=True)
    code, expected, _ = run(capsys, "report", "--data-dir", str(tmp_path))
    assert code == 0
    with connect(tmp_path / "warehouse.duckdb") as con:  # article_days as an older load created it
        con.execute("create or replace view article_days as select article_id, source_id, language, "
                    "cast(coalesce(published_at, fetched_at) as date) as day from articles")
    code, out, err = run(capsys, "report", "--data-dir", str(tmp_path))
    assert code == 0 and "older newsflow" in err
    assert out == expected  # the same report once the views are today's
    code, out, err = run(capsys, "report", "--data-dir", str(tmp_path))
    assert code == 0 and out == expected and "older newsflow" not in err  # once only
