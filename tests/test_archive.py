"""WarcSink writes WARCs that warcio (and so Common Crawl tooling) reads back record by record."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tasks.models import Page
from tasks.store.archive import WarcSink, iter_warc


def _page(n: int) -> Page:
    body = f"<html><body><p>Story {n}: é ü — {'word ' * 200}</p></body></html>".encode()
    return Page(url=f"https://news.example.org/{n}", final_url=f"https://news.example.org/{n}?x=1", status=200,
                fetched_at=datetime(2024, 5, 1, 9, n, tzinfo=UTC), content_type="text/html; charset=utf-8",
                headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, body=body)


def test_records_round_trip_with_bodies_and_headers(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path / "raw" / "run.warc.gz", "newsflow-test")
    pages = [_page(n) for n in range(3)]
    for page in pages:
        sink.write(page)
    path = sink.close()
    assert path == tmp_path / "raw" / "run.warc.gz" and path.exists()
    assert [p.name for p in path.parent.iterdir()] == ["run.warc.gz"]  # no temporary file left
    read = list(iter_warc(path))
    assert [r.url for r in read] == [p.final_url for p in pages]
    assert [r.body for r in read] == [p.body for p in pages]
    assert {r.status for r in read} == {200}
    assert read[1].fetched_at == datetime(2024, 5, 1, 9, 1, tzinfo=UTC)
    assert read[0].content_type == "text/html; charset=utf-8"


def test_lengths_and_digests_match_what_is_stored(tmp_path: Path) -> None:
    """Every record's Content-Length and SHA-1 digests agree with its bytes, empty bodies included."""
    sink = WarcSink(tmp_path / "run.warc.gz", "newsflow-test")
    sink.write(_page(1), {"source-id": "s1", "listed-url": "https://news.example.org/feed"})
    empty = Page(url="https://news.example.org/empty", final_url="https://news.example.org/empty", status=200,
                 fetched_at=datetime(2024, 5, 1, 10, tzinfo=UTC), body=b"")
    sink.write(empty)
    sink.write(_page(2))
    path = sink.close()
    assert path is not None
    checked = []
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh, check_digests=True):
            body = record.content_stream().read()
            if record.rec_type == "response":
                assert record.digest_checker.passed is True, record.digest_checker.problems
                checked.append(len(body))
            assert record.digest_checker.problems == []
    assert checked == [len(_page(1).body), 0, len(_page(2).body)]


def test_every_record_is_its_own_gzip_member(tmp_path: Path) -> None:
    """Readers seek to one record by offset (CDX indexes): each must decompress on its own."""
    sink = WarcSink(tmp_path / "run.warc.gz", "newsflow-test")
    for n in range(3):
        sink.write(_page(n))
    path = sink.close()
    assert path is not None
    data = path.read_bytes()
    offsets = []
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            offsets.append((records.get_record_offset(), record.rec_type))
    assert [kind for _, kind in offsets] == ["warcinfo", "response", "response", "response"]
    starts = [offset for offset, _ in offsets] + [len(data)]
    for start, end in zip(starts, starts[1:], strict=False):
        member = zlib.decompress(data[start:end], zlib.MAX_WBITS + 16)
        assert member.startswith(b"WARC/1.")
    # Content-Encoding is dropped: bodies are stored decoded
    assert b"Content-Encoding" not in zlib.decompress(data[starts[1]:starts[2]], zlib.MAX_WBITS + 16)


def test_empty_and_discarded_archives_leave_nothing(tmp_path: Path) -> None:
    empty = WarcSink(tmp_path / "empty.warc.gz", "newsflow-test")
    assert empty.close() is None
    dropped = WarcSink(tmp_path / "dropped.warc.gz", "newsflow-test")
    dropped.write(_page(1))
    dropped.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_file_cut_inside_a_record_keeps_the_records_before_and_says_so(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path / "run.warc.gz", "newsflow-test")
    pages = [_page(n) for n in range(3)]
    for page in pages:
        sink.write(page)
    path = sink.close()
    assert path is not None
    # Uncompressed, so that the cut falls inside the last body: warcio hands a short body back as if whole.
    plain = tmp_path / "plain.warc"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    cut = tmp_path / "cut.warc"
    cut.write_bytes(plain.read_bytes()[:-400])
    damage: list[Exception] = []
    read = list(iter_warc(cut, on_damage=damage.append))
    assert [r.body for r in read] == [p.body for p in pages[:2]]
    assert len(damage) == 1 and "ends inside a record" in str(damage[0])
    assert [r.body for r in iter_warc(plain, on_damage=damage.append)] == [p.body for p in pages]
    assert len(damage) == 1
