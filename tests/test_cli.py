"""The command line: clear one-line errors, exit codes, extract and tag."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]


def newsflow(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None,
             timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the CLI in a real subprocess, as a user would."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, env=full_env, timeout=timeout)


def one_source(folder: Path, feed: str) -> Path:
    """A sources file with one outlet reading one feed."""
    path = folder / "s.toml"
    path.write_text(f'[[sources]]\nid = "x"\nname = "X"\ncountry = "US"\nlanguage = "en"\nfeeds = ["{feed}"]\n')
    return path


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("newsflow: error:")]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle in errors[0]


def test_the_command_exits_with_mains_code_and_leaves_its_objects_out_of_the_last_collections(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import cli

    frozen: list[bool] = []
    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(cli.gc, "freeze", lambda: frozen.append(True))
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert exited.value.code == 3 and frozen == [True]


def test_bad_sources_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('[[sources]]\nid = "x"\nname = "X"\ncountry = "ZZ"\nlanguage = "en"\nfeeds = ["https://x.org/f"]\n')
    proc = newsflow("ingest", "--sources", str(bad), "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert_one_line_error(proc, 2, "'x'", "country")


def test_missing_sources_file(tmp_path: Path) -> None:
    proc = newsflow("ingest", "--sources", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert_one_line_error(proc, 2, "cannot read sources file")


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    proc = newsflow("ingest", "--data-dir", str(tmp_path / "f"), cwd=tmp_path)
    assert_one_line_error(proc, 2, "is a file")


@pytest.mark.slow
def test_nothing_reachable_exits_3_with_reason(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on stands in for "no network"
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sources = one_source(tmp_path, f"http://127.0.0.1:{port}/feed.xml")
    env = {"NEWSFLOW_ALLOWED_NETWORKS": "127.0.0.1/32", "NEWSFLOW_HOST_DELAY": "0",
           "PREFECT_HOME": str(tmp_path / "prefect")}
    proc = newsflow("ingest", "--sources", str(sources), "--data-dir", str(tmp_path / "d"), cwd=tmp_path, env=env)
    assert_one_line_error(proc, 3, "nothing could be fetched")
    # With no Prefect API configured the run started its own, and stopped it on the way out.
    assert (tmp_path / "prefect" / "run-api.log").exists()
    assert not run_api_servers(tmp_path)


def run_api_servers(cwd: Path) -> list[psutil.Process]:
    """Run-scoped Prefect API processes started from cwd that are still alive."""
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        if proc.info["cwd"] == str(cwd) and any("prefect_server:api_app" in a for a in proc.info["cmdline"] or ()):
            found.append(proc)
    return found


@pytest.mark.slow
def test_prefect_api_that_cannot_start_is_one_line(tmp_path: Path) -> None:
    sources = one_source(tmp_path, "http://127.0.0.1:9/feed.xml")
    env = {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": "",
           # a database in a folder that does not exist: the API exits while starting
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path}/missing/prefect.db"}
    proc = newsflow("ingest", "--sources", str(sources), "--data-dir", str(tmp_path / "d"), cwd=tmp_path, env=env)
    assert_one_line_error(proc, 1, "could not start a Prefect API", "exited with code")
    assert not run_api_servers(tmp_path)


@pytest.mark.parametrize(("command", "message"), [(("maintenance",), "nothing to maintain"),
                                                   (("rebuild",), "nothing to rebuild from"),
                                                   (("rebuild", "--retag"), "nothing to rebuild from")])
def test_maintenance_or_rebuild_of_nothing_is_one_line_and_creates_nothing(tmp_path: Path, command: tuple[str, ...],
                                                                           message: str) -> None:
    proc = newsflow(*command, "--data-dir", str(tmp_path / "typo"), cwd=tmp_path)
    assert_one_line_error(proc, 2, str(tmp_path / "typo"), message)
    assert not (tmp_path / "typo").exists()


def test_extract_html_and_warc(tmp_path: Path, corpus_dir: Path) -> None:
    warc = corpus_dir / "warc" / "l3s_gn1_repacked.warc.gz"
    proc = newsflow("extract", str(warc), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) >= 30
    assert all(r["title"] and r["text"] and r["url"].startswith("http") for r in records)
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Hi</title></head><body><p>too short</p></body></html>")
    proc = newsflow("extract", str(page), "--url", "https://example.org/x", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "" and "skipped" in proc.stderr


def test_extract_truncated_warc_reports_and_keeps_good_records(tmp_path: Path, corpus_dir: Path) -> None:
    data = (corpus_dir / "warc" / "l3s_gn1_repacked.warc.gz").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) // 2])
    proc = newsflow("extract", str(cut), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) >= 5
    assert "stopped reading at a damaged record" in proc.stderr and proc.stderr.rstrip().endswith(", 1 damaged")
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"not an archive\n")
    proc = newsflow("extract", str(junk), cwd=tmp_path)  # nothing readable in it: a failure, said as such
    assert proc.returncode == 1 and proc.stdout == "" and "0 articles" in proc.stderr and "1 damaged" in proc.stderr


def test_tag_streams_json_lines_in_order(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "title": "Talks in Mexico City", "text": "Mexican and US officials met."})
             for i in range(3)]
    proc = newsflow("tag", cwd=tmp_path, stdin="\n".join(lines[:2]) + "\nnot json\n" + lines[2] + "\n")
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == [0, 1, 2]
    assert all("MX" in {c["code"] for c in o["countries"]} and "topics" in o for o in out)
    assert "line 3" in proc.stderr and proc.returncode == 1


def test_tag_reads_the_language_as_iso_639_1_or_skips_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.output import tag_stream

    text = "Der FC Bayern München hat das Spiel in der Bundesliga gegen Dortmund gewonnen."
    languages = ["de", "DE", "de-AT", "pt_BR", None, "", "english", 5]
    lines = [json.dumps({"id": i, "title": "Bundesliga", "text": text, "language": lang})
             for i, lang in enumerate(languages)]
    out = io.StringIO()
    assert tag_stream(io.StringIO("\n".join(lines)), out) == 1
    tagged = {o["id"]: o for o in map(json.loads, out.getvalue().splitlines())}
    assert sorted(tagged) == [0, 1, 2, 3, 4, 5]
    assert tagged[1]["topics"] == tagged[2]["topics"] == tagged[0]["topics"] != []
    assert tagged[1]["language"] == "DE"  # the line is given back as it came, with tags added
    err = capsys.readouterr().err.splitlines()
    assert err == ['newsflow: line 7: skipped, "language" is "english", not an ISO 639-1 code such as "de"',
                   'newsflow: line 8: skipped, "language" is 5, not an ISO 639-1 code such as "de"']


def test_malloc_tuned_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.malloc import THRESHOLD, tune_malloc

    for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "ARROW_DEFAULT_MEMORY_POOL"):
        monkeypatch.delenv(name, raising=False)  # (and restored after the test)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "999")
    tune_malloc()
    # inherited by the workers and the API server
    assert os.environ["MALLOC_ARENA_MAX"] == "2"
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(THRESHOLD)
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "999"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    tune_malloc()
    assert os.environ["MALLOC_ARENA_MAX"] == "8"


def test_pyarrow_allocates_with_glibc_in_newsflow_processes(tmp_path: Path) -> None:
    """The command sets the pool before pyarrow loads (pyarrow reads it once), unless the user chose one."""
    probe = ("import sys; from flows.cli import prefect_env; from pathlib import Path; "
             "prefect_env(Path(sys.argv[1])); import pyarrow; print(pyarrow.default_memory_pool().backend_name)")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    ran = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], env=env, capture_output=True,
                         text=True, check=True, cwd=ROOT)
    assert ran.stdout.strip() == "system"
    ran = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={**env, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"})
    assert ran.stdout.strip() == "mimalloc"


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_dashboard_port_out_of_range_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["dashboard", "--port", port])
    assert caught.value.code == 2 and f"'{port}' is not a port (1-65535)" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["extract", "tag"])
def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path, corpus_dir: Path, command: str) -> None:
    # `newsflow extract crawl.warc.gz | head -1`: the closed pipe is neither a file that cannot be read nor a traceback
    if command == "extract":
        given = corpus_dir / "warc" / "l3s_gn1_repacked.warc.gz"
    else:
        given = tmp_path / "many.jsonl"
        given.write_text("".join(json.dumps({"id": i, "title": "Talks in Mexico", "text": "Officials met."}) + "\n"
                                 for i in range(3000)))
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", command, str(given)], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline())["countries"] is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0 and err == "", err


def test_version_names_the_taggers_and_libraries(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main
    from tasks.worker import tagger_versions

    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    out = capsys.readouterr().out
    assert caught.value.code == 0 and out.startswith("newsflow ") and out.count("\n") == 1
    assert all(tagger in out for tagger in tagger_versions()) and "duckdb " in out and "prefect " in out


def test_the_run_summary_names_the_lake_rows_as_figures(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    from flows.output import print_summary
    from tasks.run import RunSummary

    at = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    print_summary(RunSummary("r1", at, at, [], lake_rows={"articles": 1234, "fetches": 2}))
    assert "lake rows written: articles 1,234, fetches 2" in capsys.readouterr().err
    print_summary(RunSummary("r2", at, at, []))
    assert "lake rows written: none" in capsys.readouterr().err
