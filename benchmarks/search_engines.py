"""The search engines considered, on one warehouse: DuckDB scans, a DuckDB token table, tantivy.

    python -m benchmarks.search_engines --data DIR [--sample N]

DIR is a data directory whose warehouse and search index exist (benchmarks.search leaves one).
For N distinct contents of its articles (all of them by default) it builds a DuckDB table of
(doc_key, position, word) rows, the token table a DuckDB-only engine would keep, and times the
same matching questions on it and on the tantivy index: a word, a phrase, a prefix. Prints the
build cost per content and per million, the table's rows and size, and the query times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.search_index import search_keys
from warehouse.search_query import document_line, parse

QUESTIONS = {  # the same question to both engines
    "word": ("president", "select distinct doc_key from tokens where word = 'president'"),
    "phrase": ('"climate change"', "select distinct a.doc_key from tokens as a join tokens as b "
               "on b.doc_key = a.doc_key and b.position = a.position + 1 "
               "where a.word = 'climate' and b.word = 'change'"),
    "prefix": ("econom*", "select distinct doc_key from tokens where word like 'econom%'"),
}


def _contents(db: Path, sample: int | None) -> pa.Table:
    with duckdb.connect(str(db), read_only=True) as con:
        limit = f"limit {int(sample)}" if sample else ""
        return con.sql("select doc_key, any_value(article_id) as article_id from search_docs group by doc_key "
                       f"order by doc_key {limit}").to_arrow_table().join(
            con.sql("select article_id, title, text from articles").to_arrow_table(), "article_id")


def build_tokens(contents: pa.Table, target: Path) -> dict[str, Any]:
    """The token table of the contents, written into a DuckDB file; build time and size."""
    started = time.process_time()
    keys, positions, words = [], [], []
    for key, title, text in zip(*(contents[c].to_pylist() for c in ("doc_key", "title", "text")), strict=True):
        doc = document_line(title, text).split()
        keys.append(np.full(len(doc), key, dtype=np.uint64))
        positions.append(np.arange(len(doc), dtype=np.int32))
        words.extend(doc)
    rows = pa.table({"doc_key": np.concatenate(keys), "position": np.concatenate(positions), "word": words})
    python_s = time.process_time() - started
    with duckdb.connect(str(target)) as con:
        wall = time.perf_counter()
        con.execute("create table tokens as select * from rows order by word, doc_key, position")
        con.execute("checkpoint")
        insert_s = time.perf_counter() - wall
    return {"contents": contents.num_rows, "rows": rows.num_rows, "python_cpu_s": python_s, "insert_s": insert_s,
            "bytes": target.stat().st_size}


def time_questions(db: Path, tokens: Path) -> dict[str, Any]:
    """Seconds per question (median of 3) on the token table and on tantivy, with the match counts."""
    out = {}
    with duckdb.connect(str(tokens), read_only=True) as con:
        for name, (query, sql) in QUESTIONS.items():
            duck, tan = [], []
            for _ in range(3):
                started = time.perf_counter()
                duck_n = len(con.execute(sql).fetchall())
                duck.append(time.perf_counter() - started)
                started = time.perf_counter()
                tan_n = len(search_keys(db, parse(query))[0])
                tan.append(time.perf_counter() - started)
            out[name] = {"query": query, "token_table_s": sorted(duck)[1], "tantivy_s": sorted(tan)[1],
                         "token_table_matches": duck_n, "tantivy_matches": tan_n}
    return out


def main(argv: list[str] | None = None) -> int:
    """Build, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--sample", type=int, help="distinct contents to use (default: all)")
    args = parser.parse_args(argv)
    db = args.data / "warehouse.duckdb"
    contents = _contents(db, args.sample)
    with tempfile.TemporaryDirectory() as tmp:
        built = build_tokens(contents, Path(tmp) / "tokens.duckdb")
        timed = time_questions(db, Path(tmp) / "tokens.duckdb")
    per = built["python_cpu_s"] / built["contents"]
    print(f"token table: {built['contents']:,} contents -> {built['rows']:,} rows, {built['bytes'] / 1e6:.0f} MB; "
          f"words {per * 1e6:.0f} us CPU per content, insert {built['insert_s']:.1f} s; per million contents: "
          f"{built['rows'] / built['contents']:.0f}M rows, ~{built['bytes'] / built['contents'] / 1e3:.1f} GB")
    for name, t in timed.items():
        print(f"{name:6} {t['query']!r:20} token table {t['token_table_s']:.3f} s ({t['token_table_matches']:,}), "
              f"tantivy {t['tantivy_s']:.3f} s ({t['tantivy_matches']:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
