"""The search index: a tantivy index of the warehouse's distinct article contents, kept beside it.

Articles with the same title and text (wire copy, re-published pages) share one index document,
keyed by `search_docs.doc_key` (a 64-bit hash of title and text, written by the load in the
same transaction as the article). The index holds the folded words of search_query.words with
positions, so phrases and prefixes are answered by tantivy itself. It lives in a directory next
to the warehouse (`warehouse.duckdb.search/`) with `indexed.u64`, the keys committed so far:
an update reads the warehouse read-only, adds the keys it lacks and appends them to that list
after tantivy's commit, so a crash leaves at most a few keys to add again (a repeated key is
harmless: matches are sets of keys). Search never waits on an update; keys not yet indexed are
matched by the reference matcher instead, so results are exact whatever the index's state.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import tantivy

from warehouse.db import WarehouseLocked, connect, sql
from warehouse.search_query import And, Node, Not, Term, document_line

log = logging.getLogger(__name__)

FIELD, KEY, ANALYZER = "words", "key", "newsflow_words"
MANIFEST = "indexed.u64"
MARK = "articles.mark"  # rows of articles read so far
BATCH = 5000  # rows per Arrow batch read from the warehouse while indexing
HEAP = 50_000_000  # tantivy writer memory in bytes, shared by its threads (more made commits slower)
SMALL = 50_000  # rows to read at most for one indexing thread: it writes one segment, so fewer merges follow


def index_dir(db_path: Path) -> Path:
    """Where the index of the warehouse at db_path lives."""
    return db_path.with_name(db_path.name + ".search")


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field(KEY, indexed=True, fast=True)
    builder.add_text_field(FIELD, tokenizer_name=ANALYZER, index_option="position")
    return builder.build()


def open_index(path: Path, create: bool = True) -> tantivy.Index:
    """The index at path (created empty if absent and asked to); words are split on the spaces we put there."""
    if create:
        path.mkdir(parents=True, exist_ok=True)
        if not tantivy.Index.exists(str(path)):  # keys listed for an index that is gone are not in it
            for name in (MANIFEST, MARK):
                (path / name).unlink(missing_ok=True)
        index = tantivy.Index(_schema(), path=str(path), reuse=True)
    else:
        index = tantivy.Index.open(str(path))
    index.register_tokenizer(ANALYZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    return index


def indexed_keys(path: Path) -> np.ndarray:
    """Keys committed to the index (uint64); empty when there is no index."""
    try:
        raw = (path / MANIFEST).read_bytes()
    except OSError:
        return np.empty(0, dtype=np.uint64)
    return np.frombuffer(raw[: len(raw) - len(raw) % 8], dtype="<u8")  # a torn last write is dropped


def _append_keys(path: Path, keys: list[int]) -> None:
    """Record keys after tantivy committed them (a crash before this only repeats work)."""
    with open(path / MANIFEST, "ab") as fh:
        size = fh.tell()
        if size % 8:  # an earlier write was torn: cut it back to whole keys
            fh.truncate(size - size % 8)
        fh.write(np.asarray(keys, dtype="<u8").tobytes())
        fh.flush()
        os.fsync(fh.fileno())


def unindexed(con, known: np.ndarray, since: int | None = None) -> Iterator[pa.RecordBatch]:  # type: ignore[no-untyped-def]
    """Batches of (doc_key, title, text), one per distinct content not among the known keys.

    With since, only articles from that row on are read (articles only grow: a load's new rows are
    the table's last), which spares reading every text to find a few new ones.
    """
    con.register("search_indexed", pa.table({"doc_key": pa.array(known, type=pa.uint64())}))
    name, params = ("search_unindexed", None) if since is None else ("search_unindexed_since", {"since": since})
    reader = con.sql(sql(name), params=params).to_arrow_reader(BATCH)
    try:
        yield from reader
    finally:
        reader.close()
        con.unregister("search_indexed")


def articles_end(con) -> int:  # type: ignore[no-untyped-def]
    """One past the articles table's last row (the mark an update leaves; it reads in no time)."""
    return int(con.execute("select coalesce(max(rowid) + 1, 0) from articles").fetchall()[0][0])


def read_mark(path: Path) -> int | None:
    """The articles row the index has read up to, if it knows."""
    try:
        return int((path / MARK).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def _add(writer: tantivy.IndexWriter, batches: Iterator[pa.RecordBatch], into: list[int]) -> None:
    """Add each row of the batches as an index document; its key goes into `into`."""
    for batch in batches:
        keys, titles, texts = (batch.column(i).to_pylist() for i in range(3))
        for key, title, text in zip(keys, titles, texts, strict=True):
            doc = tantivy.Document()
            doc.add_unsigned(KEY, key)
            doc.add_text(FIELD, document_line(title, text))
            writer.add_document(doc)
        into.extend(keys)


def update_index(db_path: Path, *, wait: float = 10.0) -> int:
    """Index every content of the warehouse not yet in its index; returns how many were added."""
    path = index_dir(db_path)
    index = open_index(path)  # first: it forgets the keys of an index that is gone
    known, mark = indexed_keys(path), read_mark(path)
    added: list[int] = []
    try:
        with connect(db_path, read_only=True, wait=wait) as con:
            end = articles_end(con)
            writer = index.writer(HEAP, 1) if mark is not None and end - mark <= SMALL else index.writer(HEAP)
            _add(writer, unindexed(con, known, mark), added)
            if mark is not None:  # anything the rows since the mark did not hold (none, normally): all of it
                _add(writer, unindexed(con, np.concatenate([known, np.array(added, dtype=np.uint64)])), added)
            if added:
                writer.commit()
                writer.wait_merging_threads()
                _append_keys(path, added)
            else:
                writer.rollback()
            (path / MARK).write_text(str(end), encoding="ascii")  # after the keys: a crash repeats work
    except WarehouseLocked as exc:  # the next load catches up; search stays exact meanwhile
        log.warning("search index not updated: %s", exc)
    return len(added)


def drop_index(db_path: Path) -> None:
    """Remove the index of db_path (it is derived: the next update rebuilds it)."""
    shutil.rmtree(index_dir(db_path), ignore_errors=True)


def replace_index(new_db: Path, db_path: Path) -> None:
    """Make the index built beside new_db the index of db_path (after a rebuild swapped the files)."""
    old, new = index_dir(db_path), index_dir(new_db)
    if not new.exists():
        return
    shutil.rmtree(old, ignore_errors=True)
    os.replace(new, old)


# ---------------------------------------------------------------- queries


def _term_query(searcher: tantivy.Searcher, schema: tantivy.Schema, term: Term) -> tantivy.Query:
    words: list[str | tuple[int, str]] = list(term.words)
    if len(words) == 1:
        if term.prefix:
            return tantivy.Query.regex_query(schema, FIELD, _regex_escape(term.words[0]) + ".*")
        return tantivy.Query.term_query(schema, FIELD, term.words[0])
    if not term.prefix:
        return tantivy.Query.phrase_query(schema, FIELD, words)
    # tantivy's phrase-prefix query stops at 50 expansions of the last word: expand it all here
    expansions = [word for word, _ in searcher.terms_with_prefix(FIELD, term.words[-1])]
    if not expansions:
        return tantivy.Query.empty_query()
    phrases = [tantivy.Query.phrase_query(schema, FIELD, [*words[:-1], w]) for w in expansions]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in phrases])


def _regex_escape(word: str) -> str:
    """A folded word as a literal in tantivy's regex syntax (words are letters and digits only)."""
    return "".join(c if c.isalnum() else "\\" + c for c in word)


def to_tantivy(node: Node, searcher: tantivy.Searcher, schema: tantivy.Schema) -> tantivy.Query:
    """The query tree as a tantivy query matching the same documents (searcher: for expanding prefixes)."""
    occur = tantivy.Occur
    if isinstance(node, Term):
        return _term_query(searcher, schema, node)
    if isinstance(node, Not):  # a lone MUST_NOT matches nothing in tantivy: subtract from everything
        return tantivy.Query.boolean_query([(occur.Must, tantivy.Query.all_query()),
                                            (occur.MustNot, to_tantivy(node.operand, searcher, schema))])
    kind = occur.Must if isinstance(node, And) else occur.Should
    return tantivy.Query.boolean_query([(kind, to_tantivy(op, searcher, schema)) for op in node.operands])


def search_keys(db_path: Path, node: Node) -> tuple[np.ndarray, np.ndarray]:
    """(keys matching node, keys the index holds), both uint64, as of the index's last commit."""
    path = index_dir(db_path)
    known = indexed_keys(path)  # read before the searcher: every key listed is in what it sees
    if not known.size:
        return np.empty(0, dtype=np.uint64), known
    index = open_index(path, create=False)
    searcher = index.searcher()
    total = searcher.num_docs
    if not total:
        return np.empty(0, dtype=np.uint64), known
    result = searcher.search(to_tantivy(node, searcher, index.schema), limit=total, count=False, order_by_field=KEY)
    keys = np.fromiter((k for k, _ in result.hits), dtype=np.uint64, count=len(result.hits))
    return keys, known

