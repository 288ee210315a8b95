"""Stories: grouping near-duplicate copies, incrementally across runs, with ids that survive rebuilds."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from tasks.store.lake import Stager, publish
from tasks.store.load import load_lake
from tasks.store.rebuild import rebuild_warehouse
from tasks.stories import stage
from tasks.stories.group import StoryIndex
from tasks.stories.sketch import digest_bytes, sketch, undump

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
VOCAB = [f"w{i}" for i in range(3000)] + ["minister", "election", "parliament", "vote", "budget", "talks"]


def paragraphs(seed: int, n: int = 8, words: int = 45) -> list[str]:
    """A synthetic article body: n paragraphs of random words (the subject words included)."""
    rng = random.Random(seed)
    return [" ".join(rng.choices(VOCAB, k=words)) + "." for _ in range(n)]


def edited(paras: list[str], seed: int) -> list[str]:
    """An agency copy as outlets run it: a local first paragraph, the rest kept, the end cut."""
    local = paragraphs(seed + 10_000, n=1)[0]
    return [local, *paras[1 : int(len(paras) * 0.75)]]


def lookalike(seed: int) -> list[str]:
    """Another article on the same subject: the subject's words, none of the sentences."""
    rng = random.Random(seed)
    subject = ["minister", "election", "parliament", "vote", "budget", "talks"]
    return [" ".join(rng.choices(VOCAB[:400] + subject * 20, k=45)) + "." for _ in range(8)]


def text(paras: list[str]) -> str:
    return "\n".join(paras)


def test_copies_join_and_a_lookalike_does_not() -> None:
    index = StoryIndex()
    original = paragraphs(1)
    first = index.assign("orig", T0, sketch(text(original)))
    assert first.story_id == "orig" and first.matched_id is None
    verbatim = index.assign("copy", T0 + timedelta(hours=2), sketch(text(original)))
    edit = index.assign("edit", T0 + timedelta(hours=5), sketch(text(edited(original, 1))))
    other = index.assign("other", T0 + timedelta(hours=1), sketch(text(lookalike(1))))
    assert verbatim.story_id == edit.story_id == "orig"
    assert verbatim.similarity == 1.0 and edit.similarity is not None and 0.3 <= edit.similarity < 1.0
    assert other.story_id == "other"


def test_a_copy_outside_the_window_starts_a_new_story() -> None:
    index = StoryIndex()
    body = text(paragraphs(2))
    index.assign("early", T0, sketch(body))
    late = index.assign("late", T0 + timedelta(days=8), sketch(body))
    inside = index.assign("inside", T0 + timedelta(days=6), sketch(body))
    assert late.story_id == "late"
    assert inside.story_id == "early"  # the best match wins: early and late are equally close; early is older


def test_short_bodies_are_never_grouped() -> None:
    index = StoryIndex()
    assert sketch("Subscribe to read this article.") is None
    a = index.assign("a", T0, sketch("Subscribe to read this article."))
    b = index.assign("b", T0, sketch("Subscribe to read this article."))
    assert (a.story_id, b.story_id) == ("a", "b")


def article_row(article_id: str, source: str, body: str, when: datetime, agencies: list[str] | None = None) -> dict:
    return {"article_id": article_id, "source_id": source, "run_id": "r", "url": f"https://{source}.test/{article_id}",
            "canonical_url": f"https://{source}.test/{article_id}", "title": f"Title {article_id}", "text": body,
            "description": None, "published_at": when, "authors": [], "agencies": agencies or [],
            "language": "en", "word_count": len(body.split()), "content_hash": article_id, "fetched_at": when}


def run(data: Path, run_id: str, day: str, rows: list[dict]) -> None:
    """What finish_run does with a run's staged articles: group, publish, commit the sketches."""
    staging = data / "staging" / run_id
    stager = Stager(staging, "pages")
    for row in rows:
        stager.add("articles", {**row, "run_id": run_id})
    stager.close()
    stage.group_staged(staging, data)
    stage.commit_sketches(staging, data, run_id)
    publish(staging, data, day, run_id)


def stories(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("select article_id, story_id from article_stories").fetchall())


@pytest.mark.parametrize("warm", [True, False])
def test_joins_across_runs_and_ids_survive_rebuilds(tmp_path: Path, warm: bool) -> None:
    data, db = tmp_path / "data", tmp_path / "data" / "warehouse.duckdb"
    original = paragraphs(3)
    run(data, "r1", "2026-11-02", [article_row("wire1", "ap", text(original), T0, ["AP"]),
                                   article_row("solo", "ap", text(paragraphs(4)), T0)])
    if not warm:  # a new process: the window is read back from the side index
        stage._WINDOWS.clear()
    run(data, "r2", "2026-11-03", [
        article_row("copy1", "daily", text(original), T0 + timedelta(hours=20)),
        article_row("edit1", "herald", text(edited(original, 3)), T0 + timedelta(days=1)),
        article_row("look1", "herald", text(lookalike(3)), T0 + timedelta(days=1)),
        article_row("wire1", "ap", text(original), T0),  # the same article fetched again at another URL
    ])
    load_lake(data, db)
    got = stories(db)
    assert got == {"wire1": "wire1", "solo": "solo", "copy1": "wire1", "edit1": "wire1", "look1": "look1"}
    rebuild_warehouse(data, db)
    assert stories(db) == got
    # --retag rewrites the tag tables only; the stories are a lake table of their own
    for old in (data / "lake" / "article_countries").glob("date=*/*.parquet"):
        old.unlink()
    rebuild_warehouse(data, db)
    assert stories(db) == got


def test_the_window_follows_the_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    body = text(paragraphs(5))
    run(data, "r1", "2026-11-02", [article_row("old", "a", body, T0)])
    run(data, "r2", "2026-11-20", [article_row("new", "b", body, T0 + timedelta(days=18))])
    window = stage._WINDOWS[data]
    assert "old" not in window.index and "new" in window.index
    assert stories_in_lake(data) == {"old": "old", "new": "new"}


def test_a_new_process_reads_only_the_window_s_days_of_the_side_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    body = text(paragraphs(6))
    run(data, "r1", "2024-01-02", [article_row("years-ago", "a", body, T0 - timedelta(days=1000))])
    run(data, "r2", "2026-11-02", [article_row("recent", "b", text(paragraphs(7)), T0)])
    side = data / "stories" / "sketches"
    (side / "day=not-a-day").mkdir()
    (side / "day=2026-11-03").write_text("a stray file, not a day folder")
    stage._WINDOWS.clear()  # a new process: the window is read back from the side index
    window = stage.Window(data)
    window.cover(T0.date(), T0.date() + timedelta(days=1))
    assert "recent" in window.index and "years-ago" not in window.index
    assert set(window.files) == {T0.date()}


def stories_in_lake(data: Path) -> dict[str, str]:
    with duckdb.connect() as con:  # its own connection: the module's default one is shared with other tests
        rows = con.execute("select article_id, story_id from read_parquet(?)",
                           [str(data / "lake" / "article_stories" / "*" / "*.parquet")])
        return dict(rows.fetchall())


def test_a_lost_side_index_is_rebuilt_from_the_lake(tmp_path: Path) -> None:
    data = tmp_path / "data"
    original = paragraphs(6)
    run(data, "r1", "2026-11-02", [article_row("wire1", "ap", text(original), T0),
                                   article_row("old", "ap", text(paragraphs(7)), T0 - timedelta(days=30))])
    stage._WINDOWS.clear()
    shutil.rmtree(data / "stories")
    run(data, "r2", "2026-11-03", [article_row("edit1", "herald", text(edited(original, 6)), T0 + timedelta(days=1))])
    assert stories_in_lake(data)["edit1"] == "wire1"
    rebuilt = {p.parent.name for p in (data / "stories" / "sketches").glob("*/rebuilt.parquet")}
    assert rebuilt == {"day=2026-11-02"}  # the article of October is outside the window: not read back


def test_a_run_that_died_before_publishing_is_grouped_the_same_next_time(tmp_path: Path) -> None:
    data = tmp_path / "data"
    original = paragraphs(8)
    run(data, "r1", "2026-11-02", [article_row("wire1", "ap", text(original), T0)])
    staging = data / "staging" / "r2"
    stager = Stager(staging, "pages")
    stager.add("articles", article_row("copy1", "daily", text(original), T0 + timedelta(hours=3)))
    stager.close()
    stage.group_staged(staging, data)
    stage.commit_sketches(staging, data, "r2")  # ...and the run dies before publishing its lake files
    shutil.rmtree(staging)
    stage._WINDOWS.clear()
    run(data, "r3", "2026-11-03", [article_row("copy1", "daily", text(original), T0 + timedelta(hours=3))])
    assert stories_in_lake(data) == {"wire1": "wire1", "copy1": "wire1"}


def test_grouping_and_a_rebuilt_window_never_load_pyarrow_dataset(tmp_path: Path) -> None:
    # pyarrow.dataset is ~15 MB of libraries: a run's main process groups stories with plain Parquet reads.
    script = f"""
import shutil, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tasks.store.lake import Stager, publish
from tasks.stories import stage
data, t0 = Path({str(tmp_path)!r}), datetime(2026, 11, 2, 9, tzinfo=UTC)
body = " ".join(f"word{{i}} filler{{i % 7}} text" for i in range(200))
for n, run_id in enumerate(("r1", "r2")):
    staging = data / "staging" / run_id
    stager = Stager(staging, "pages")
    stager.add("articles", {{"article_id": run_id, "source_id": "s", "run_id": run_id, "url": f"https://s.test/{{run_id}}",
        "canonical_url": f"https://s.test/{{run_id}}", "title": "T", "text": body, "description": None,
        "published_at": t0 + timedelta(hours=n), "authors": [], "agencies": [], "language": "en",
        "word_count": 600, "content_hash": run_id, "fetched_at": t0 + timedelta(hours=n)}})
    stager.close()
    stage.group_staged(staging, data)
    stage.commit_sketches(staging, data, run_id)
    publish(staging, data, "2026-11-02", run_id)
    if n == 0:
        shutil.rmtree(data / "stories")  # the second run rebuilds its window from the lake
        stage._WINDOWS.clear()
print("pyarrow.dataset" in sys.modules, sorted(p.name for p in (data / "stories").rglob("*.parquet")))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1]).stdout
    assert out.strip() == "False ['rebuilt.parquet', 'run-r2.parquet']"


def test_grouping_uses_the_sketch_a_worker_staged_and_makes_the_missing_ones(tmp_path: Path) -> None:
    data, staging = tmp_path / "data", tmp_path / "data" / "staging" / "r1"
    original = text(paragraphs(9))
    stager = Stager(staging, "pages")
    for article_id, body, when in (("first", original, T0), ("staged", text(paragraphs(10)), T0 + timedelta(hours=1)),
                                   ("unsketched", original, T0 + timedelta(hours=2))):
        stager.add("articles", article_row(article_id, "ap", body, when))
    # The worker's sketch wins over the text: "staged" carries the first article's digest.
    stager.add("article_sketches", {"article_id": "staged", "sketch": digest_bytes(original)})
    stager.add("article_sketches", {"article_id": "first", "sketch": digest_bytes(original)})
    stager.close()
    stage.group_staged(staging, data)
    stage.commit_sketches(staging, data, "r1")
    publish(staging, data, "2026-11-02", "r1")
    assert stories_in_lake(data) == {"first": "first", "staged": "first", "unsketched": "first"}
    assert not (data / "lake" / "article_sketches").exists()  # staged for the run's end, never published


def test_a_worker_hands_back_the_sketch_of_the_body_it_extracted() -> None:
    from tasks.worker import WARM_UP_PAGE, process_page

    result = process_page(WARM_UP_PAGE.encode(), "text/html; charset=utf-8", "https://news.example.org/a/1", None)
    assert result.article is not None
    assert result.sketch == digest_bytes(result.article["text"])
    long_page = WARM_UP_PAGE.replace("</article>", "".join(f"<p>{p}</p>" for p in paragraphs(11)) + "</article>")
    result = process_page(long_page.encode(), "text/html; charset=utf-8", "https://news.example.org/a/2", None)
    assert result.sketch and undump(result.sketch) is not None
    assert np.array_equal(undump(result.sketch), sketch(result.article["text"]))


def test_a_sketch_that_fails_in_the_worker_keeps_the_article(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks import worker

    def broken(text: str | None) -> bytes:
        raise RuntimeError("hashing failed")
    monkeypatch.setattr(worker, "digest_bytes", broken)
    result = worker.process_page(worker.WARM_UP_PAGE.encode(), "text/html", "https://news.example.org/a/3", None)
    assert result.article is not None and result.sketch is None and result.topics  # grouping sketches it later
